import type { WorkflowCommandSpec } from "@/lib/commands/workflow";

/** Commands of the database promotion drill (lib/workflows/definitions/drill-database.ts). */
export const databaseDrillCommands: Record<string, WorkflowCommandSpec<never>> = {};
