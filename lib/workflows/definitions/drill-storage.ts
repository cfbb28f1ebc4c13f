import { type WorkflowDefinition, guard } from "@/lib/workflows/definition";
import type { DrillStorageParams } from "@/lib/workflows/params";

// IN PROGRESS this session: replaced by the storage switchover drill. Until then it refuses to start.
export const storageDrill: WorkflowDefinition<DrillStorageParams, Record<string, never>> = {
  kind: "drill-storage",
  title: () => "Storage switchover drill",
  summary: () => [],
  gather: async () => ({}),
  guards: () => [guard("not-built", false, "the storage drill is not built yet", false)],
  warnings: () => [],
  steps: () => [],
};
