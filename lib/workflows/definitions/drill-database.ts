import { type WorkflowDefinition, guard } from "@/lib/workflows/definition";
import type { DrillDatabaseParams } from "@/lib/workflows/params";

// IN PROGRESS this session: replaced by the database promotion drill. Until then it refuses to start.
export const databaseDrill: WorkflowDefinition<DrillDatabaseParams, Record<string, never>> = {
  kind: "drill-database",
  title: () => "Database promotion drill",
  summary: () => [],
  gather: async () => ({}),
  guards: () => [guard("not-built", false, "the database drill is not built yet", false)],
  warnings: () => [],
  steps: () => [],
};
