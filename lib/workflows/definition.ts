import type { ClusterView } from "@/lib/cluster/findings-types";
import type { WorkflowCommandSpec } from "@/lib/commands/workflow";
import type { ClusterSpec } from "@/lib/inventory/schema";
import type { ExecResult } from "@/lib/ssh/types";
import type { SiteAnswer } from "@/lib/workflows/site";
import type { GuardResult, PlannedCommand, StepKind, WorkflowKind } from "@/lib/workflows/types";

/** What a workflow definition is made of. The engine (engine.ts) runs these; definitions hold no state. */

export class StepFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepFailed";
  }
}

/** thrown inside a step when the operator cancelled the run */
export class RunCancelled extends Error {
  constructor() {
    super("cancelled by an operator");
    this.name = "RunCancelled";
  }
}

export interface DrainRecord {
  host: string;
  runId: string;
  since: number;
  previousWeights: Record<string, number>;
}

/** What a definition may read while planning: the live view and the drains; read-only commands. */
export interface LiveReader {
  cluster: ClusterSpec;
  view: ClusterView;
  drains: DrainRecord[];
  /** a read-only workflow command, run now; null when the host did not answer */
  read<A>(host: string, spec: WorkflowCommandSpec<A>, args: A): Promise<ExecResult | null>;
}

export interface WaitProgress {
  done: boolean;
  /** the reading in words, shown on the run page */
  progress: string;
}

export interface StepRuntime {
  runId: string;
  cluster: ClusterSpec;
  actor: string;
  /**
   * run a planned command; a non-ok exit fails the step unless `allow` lists it. `record`: what of its
   * stdout the run stores and shows (e.g. a diff of what it changed), when not all of it
   */
  exec(cmd: PlannedCommand, options?: { allow?: number[]; timeoutMs?: number; record?: (stdout: string) => string }): Promise<ExecResult>;
  /** request the site through the VIP (the inventory's siteUrl) from the console; recorded like a command */
  fetchSite(path: string): Promise<SiteAnswer>;
  /** the live cluster view, taken after `freshAfter` (epoch ms) when given */
  view(freshAfter?: number): Promise<ClusterView>;
  /** values steps hand to later steps (and to a resumed run): persisted with the run */
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): Promise<void>;
  /**
   * Wait until `check` says done, re-reading the live view each poll. Ends early when the operator
   * clicks finish (if allowed), fails on `timeoutMs`, throws RunCancelled on cancel.
   */
  waitUntil(
    check: (view: ClusterView) => WaitProgress,
    options: { timeoutMs: number; until?: number | null; canFinishEarly?: boolean; failMessage: string; onTimeout?: "fail" | "continue" | "ask" },
  ): Promise<"done" | "finished-early" | "timed-out">;
  /** drains recorded for this cluster */
  drains(): Promise<DrainRecord[]>;
  recordDrain(host: string, previousWeights: Record<string, number>): Promise<void>;
  clearDrain(host: string): Promise<void>;
}

export interface StepDef {
  key: string;
  kind: StepKind;
  title: string;
  detail?: string;
  host?: string;
  planned: PlannedCommand[];
  plannedUndo?: PlannedCommand[];
  runtimeNote?: string | null;
  /** approval steps: what the operator is asked */
  approval?: string;
  /**
   * Safe to run again after the console stopped while it ran (default true). A step that is not is
   * left for a person: the run halts in needs-attention.
   */
  idempotent?: boolean;
  /** once this step starts, earlier steps are not rolled back; a failure halts for a person */
  pointOfNoReturn?: boolean;
  /** rollback scope: a failure rolls back the succeeded steps of the same segment only */
  segment?: string;
  run?: (rt: StepRuntime) => Promise<string | undefined>;
  undo?: (rt: StepRuntime) => Promise<void>;
}

export interface PlanInput<P, F> {
  cluster: ClusterSpec;
  params: P;
  facts: F;
  /** "<run>" in a preview */
  runId: string;
}

export interface WorkflowDefinition<P, F> {
  kind: WorkflowKind;
  title(input: { cluster: ClusterSpec; params: P; facts: F }): string;
  summary(input: { cluster: ClusterSpec; params: P; facts: F }): [string, string][];
  /** read what the plan needs; stored with the run so a resumed run plans from the same facts */
  gather(params: P, live: LiveReader): Promise<F>;
  guards(params: P, facts: F, live: LiveReader): GuardResult[];
  warnings(params: P, facts: F, live: LiveReader): string[];
  steps(input: PlanInput<P, F>): StepDef[];
}

export function planned<A>(cluster: ClusterSpec, host: string, spec: WorkflowCommandSpec<A>, args: A): PlannedCommand {
  return { host, name: spec.name, line: spec.build(cluster, args), readOnly: spec.readOnly };
}

export function guard(id: string, ok: boolean, message: string, overridable = true): GuardResult {
  return { id, ok, message, overridable };
}
