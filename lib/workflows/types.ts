/**
 * The shapes a workflow run takes on its way to the browser. The engine (lib/workflows/engine.ts)
 * writes them, the run page reads them; nothing here touches the server.
 */

export const WORKFLOW_KINDS = ["maintenance", "drain", "undrain", "code-update", "upgrade", "drill-balancer", "drill-storage", "drill-database", "drill-server"] as const;
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number];

/**
 * check: reads the cluster and refuses to go on when it is not as required.
 * action: changes the cluster; has a rollback when one is possible.
 * wait: waits for a condition (sessions drained, a countdown), which the operator may end early.
 * approval: waits for an operator's click.
 * verify: reads the cluster after a change and fails the run when the change did not take.
 */
export const STEP_KINDS = ["check", "action", "wait", "approval", "verify"] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const STEP_STATUSES = [
  "pending",
  "running",
  "waiting",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
  "rolled-back",
  "rollback-failed",
  "expired",
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * running: a step is executing. waiting: for an approval or a wait the operator can end.
 * needs-attention: stopped part-way (console restart mid-action, a failed rollback); the lock stays
 * held until an operator retries, cancels, or an admin resolves it.
 */
export const RUN_STATUSES = ["running", "waiting", "succeeded", "failed", "cancelled", "needs-attention"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["running", "waiting", "needs-attention"];

/** a command exactly as it will be sent to a host (with `sudo -n` when it needs root) */
export interface PlannedCommand {
  host: string;
  /** the registry name of the command (docs/host-commands.md) */
  name: string;
  line: string;
  readOnly: boolean;
}

export interface PlannedStep {
  key: string;
  kind: StepKind;
  title: string;
  /** what the step does and why, in the operator's words */
  detail: string | null;
  /** the web node (or other VM) this step is about, for grouping node-by-node workflows */
  host: string | null;
  commands: PlannedCommand[];
  /** run when this step or a later one fails, or on cancel */
  rollback: PlannedCommand[];
  /** commands decided only at run time ("php -l on each changed .php file") */
  runtimeNote: string | null;
}

export interface GuardResult {
  id: string;
  ok: boolean;
  /** the refusal in the operator's words, or what was checked when it passed */
  message: string;
  /** an admin may override it with a written reason */
  overridable: boolean;
}

export interface GuardOverride {
  guard: string;
  reason: string;
  by: string;
  /** epoch ms */
  at: number;
}

export interface Plan {
  kind: WorkflowKind;
  title: string;
  /** the parameters as the operator chose them, for display */
  summary: [string, string][];
  steps: PlannedStep[];
  guards: GuardResult[];
  /** what the operator must read and acknowledge before starting (e.g. sessions that will be lost) */
  warnings: string[];
}

export interface CommandOutput {
  host: string;
  line: string;
  /** epoch ms */
  startedAt: number;
  durationMs: number | null;
  /** null while running, or when killed/timed out */
  exitCode: number | null;
  outcome: "running" | "ok" | "failed" | "timeout" | "error";
  stdout: string;
  stderr: string;
}

export interface WaitView {
  /** epoch ms of the deadline or the countdown's end, if any */
  until: number | null;
  /** the current reading, e.g. "3 clients pinned, 12 sessions" */
  progress: string | null;
  /** the operator may end the wait now */
  canFinishEarly: boolean;
}

export interface StepView {
  index: number;
  key: string;
  kind: StepKind;
  title: string;
  detail: string | null;
  host: string | null;
  status: StepStatus;
  startedAt: number | null;
  finishedAt: number | null;
  /** outcome in words: why it failed, what a check found */
  message: string | null;
  commands: CommandOutput[];
  rollback: CommandOutput[];
  planned: PlannedCommand[];
  plannedRollback: PlannedCommand[];
  runtimeNote: string | null;
  wait: WaitView | null;
  /** approval prompt, who approved it and when (epoch ms), and when it expires unapproved (epoch ms) */
  approval: { prompt: string; approvedBy: string | null; approvedAt: number | null; expiresAt: number | null } | null;
}

export interface RunView {
  id: string;
  clusterId: string;
  kind: WorkflowKind;
  title: string;
  status: RunStatus;
  actor: string;
  createdAt: number;
  finishedAt: number | null;
  summary: [string, string][];
  warnings: string[];
  /** the outcome in words when finished or halted: what was done, what was not, what to do */
  outcome: string | null;
  overrides: GuardOverride[];
  steps: StepView[];
  /** index of the step running or waiting now */
  currentStep: number | null;
  cancelRequested: boolean;
  /** the approval policy taken when the run started (captured: false for runs from before policies, which follow the cluster's) */
  approvalPolicy: { twoPersonRule: boolean; approvalTtlMinutes: number; captured: boolean };
}

export interface RunSummary {
  id: string;
  kind: WorkflowKind;
  title: string;
  status: RunStatus;
  actor: string;
  createdAt: number;
  finishedAt: number | null;
  outcome: string | null;
}

export interface RunList {
  active: RunSummary | null;
  /** the cluster's workflow lock, if held */
  lock: { runId: string; since: number; holder: string } | null;
  history: RunSummary[];
  /** web nodes currently drained by a drain workflow, with the weights to restore */
  drained: { host: string; since: number; runId: string; previousWeights: Record<string, number> }[];
}
