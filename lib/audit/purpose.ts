// What a CommandRun's purpose string (lib/ssh/audit.ts describePurpose) says: why the command ran.

export type PurposeOf =
  | { kind: "workflow"; runId: string; step: string }
  | { kind: "action"; name: string }
  | { kind: "probe" }
  | { kind: "test" }
  | { kind: "other"; text: string };

export function purposeOf(text: string): PurposeOf {
  const workflow = /^workflow:([^:]+):(.*)$/.exec(text);
  if (workflow?.[1] && workflow[2] !== undefined) return { kind: "workflow", runId: workflow[1], step: workflow[2] };
  if (text.startsWith("action:")) return { kind: "action", name: text.slice("action:".length) };
  if (text === "probe" || text.startsWith("probe:")) return { kind: "probe" };
  if (text === "test") return { kind: "test" };
  return { kind: "other", text };
}

export function isDrillKind(workflowKind: string): boolean {
  return workflowKind.startsWith("drill-");
}
