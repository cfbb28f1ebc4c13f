import type { WorkflowDefinition } from "@/lib/workflows/definition";
import { codeUpdateWorkflow } from "@/lib/workflows/definitions/code-update";
import { drainWorkflow, undrainWorkflow } from "@/lib/workflows/definitions/drain";
import { balancerDrill } from "@/lib/workflows/definitions/drill-balancer";
import { databaseDrill } from "@/lib/workflows/definitions/drill-database";
import { storageDrill } from "@/lib/workflows/definitions/drill-storage";
import { serverDrill } from "@/lib/workflows/definitions/drill-server";
import { maintenanceWorkflow } from "@/lib/workflows/definitions/maintenance";
import { upgradeWorkflow } from "@/lib/workflows/definitions/upgrade";
import type { WorkflowKind } from "@/lib/workflows/types";

const definitions: Record<WorkflowKind, WorkflowDefinition<never, never>> = {
  maintenance: maintenanceWorkflow as unknown as WorkflowDefinition<never, never>,
  drain: drainWorkflow as unknown as WorkflowDefinition<never, never>,
  undrain: undrainWorkflow as unknown as WorkflowDefinition<never, never>,
  "code-update": codeUpdateWorkflow as unknown as WorkflowDefinition<never, never>,
  upgrade: upgradeWorkflow as unknown as WorkflowDefinition<never, never>,
  "drill-balancer": balancerDrill as unknown as WorkflowDefinition<never, never>,
  "drill-storage": storageDrill as unknown as WorkflowDefinition<never, never>,
  "drill-database": databaseDrill as unknown as WorkflowDefinition<never, never>,
  "drill-server": serverDrill as unknown as WorkflowDefinition<never, never>,
};

export function definitionOf(kind: WorkflowKind): WorkflowDefinition<never, never> {
  return definitions[kind];
}
