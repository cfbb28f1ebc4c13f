import "server-only";
import { EventEmitter } from "node:events";
import type { ClusterView } from "@/lib/cluster/findings-types";
import type { EventDraft, EventSeverity } from "@/lib/cluster/transitions";
import { readingsSince } from "@/lib/cluster/view-helpers";
import { getClusterView } from "@/lib/cluster/views";
import { db } from "@/lib/db";
import { errorMessage } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";
import { mysqlErrorLine } from "@/lib/probes/mysql-client-error";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { maskCommandOutput, maskSecrets } from "@/lib/secrets/mask";
import { sshPool, targetOf } from "@/lib/ssh";
import type { ExecResult } from "@/lib/ssh/types";
import { recordEvents } from "@/lib/timeline/events";
import { deadlineText, runApprovalPolicy } from "@/lib/workflows/policy";
import { type SiteAnswer, fetchSite } from "@/lib/workflows/site";
import {
  type DrainRecord,
  RunCancelled,
  type StepDef,
  StepFailed,
  type StepRuntime,
  type WaitProgress,
  type WorkflowDefinition,
} from "@/lib/workflows/definition";
import { definitionOf } from "@/lib/workflows/registry";
import type { CommandOutput, PlannedCommand, RunStatus, StepStatus, WaitView, WorkflowKind } from "@/lib/workflows/types";

/**
 * Runs workflow runs. Every step is written to the database before and after it runs, with its
 * commands and their output, so a console that stops finds its runs again (resumeRuns) and either
 * goes on or halts them in needs-attention saying what was done. Operators act on a run only through
 * the database (approvedBy, cancelRequested); the driver polls it and is also woken at once.
 */

const POLL_MS = 500;
const VIEW_WAIT_MS = 30_000;

interface EngineGlobals {
  driving: Map<string, Promise<void>>;
  /** live output of the command running now, per run */
  live: Map<string, { step: number; list: "commands" | "rollback"; outputs: CommandOutput[] }>;
  wake: EventEmitter;
}

const g = globalThis as unknown as { clusterdeckWorkflows?: EngineGlobals };

function globals(): EngineGlobals {
  if (!g.clusterdeckWorkflows) {
    const wake = new EventEmitter();
    wake.setMaxListeners(0);
    g.clusterdeckWorkflows = { driving: new Map(), live: new Map(), wake };
  }
  return g.clusterdeckWorkflows;
}

/** what the running command has printed so far, secrets masked as in the stored copy */
export function liveOutputs(runId: string): EngineGlobals["live"] extends Map<string, infer V> ? V | undefined : never {
  const live = globals().live.get(runId);
  return live && { ...live, outputs: live.outputs.map(maskCommandOutput) };
}

/** wake the driver of a run (after an approval, a finish-early or a cancel was written) */
export function wakeRun(runId: string): void {
  globals().wake.emit(runId);
}

function sleepOrWake(runId: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      globals().wake.removeListener(runId, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    globals().wake.once(runId, done);
  });
}

export async function workflowEvent(
  run: { id: string; clusterId: string; kind: string; actor: string },
  kind: "workflow.started" | "workflow.step" | "workflow.override" | "workflow.finished",
  severity: EventSeverity,
  message: string,
  extra: { host?: string | null; actor?: string; after?: Record<string, string | number | null> } = {},
): Promise<void> {
  const draft: EventDraft = {
    at: Date.now(),
    clusterId: run.clusterId,
    host: extra.host ?? null,
    tier: "workflow",
    kind,
    severity,
    message,
    before: null,
    after: { run: run.id, workflow: run.kind, ...(extra.after ?? {}) },
    actor: extra.actor ?? run.actor,
  };
  await recordEvents([draft]).catch((err: unknown) => console.error("[workflows] could not record an event:", err));
}

type RunRow = NonNullable<Awaited<ReturnType<typeof loadRun>>>;

/** what the live view of a running command keeps of each of its streams */
const LIVE_OUTPUT_CHARS = 256 * 1024;

async function loadRun(runId: string) {
  return db.workflowRun.findUnique({ where: { id: runId }, include: { steps: { orderBy: { index: "asc" } } } });
}

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** the step definitions of a run, rebuilt from its stored parameters and facts */
export function stepsOf(run: { id: string; clusterId: string; kind: string; params: string; state: string }): { cluster: ClusterSpec; steps: StepDef[] } {
  const cluster = getCluster(run.clusterId);
  const def = definitionOf(run.kind as WorkflowKind) as WorkflowDefinition<unknown, unknown>;
  const state = parseJson<Record<string, unknown>>(run.state, {});
  return { cluster, steps: def.steps({ cluster, params: JSON.parse(run.params), facts: state.facts, runId: run.id }) };
}

async function setStep(runId: string, index: number, data: Parameters<typeof db.workflowStep.update>[0]["data"]): Promise<void> {
  await db.workflowStep.update({ where: { runId_index: { runId, index } }, data });
}

async function setRun(runId: string, data: Parameters<typeof db.workflowRun.update>[0]["data"]): Promise<void> {
  await db.workflowRun.update({ where: { id: runId }, data });
}

/** running ⇄ waiting, only while the run is still active (an admin may have resolved it meanwhile) */
async function setActive(runId: string, status: "running" | "waiting"): Promise<void> {
  await db.workflowRun.updateMany({ where: { id: runId, status: { in: ["running", "waiting"] } }, data: { status } });
}

async function releaseLock(runId: string): Promise<void> {
  await db.clusterLock.deleteMany({ where: { runId } });
}

function outcomeOfExec(r: ExecResult): CommandOutput["outcome"] {
  return r.outcome === "ok" ? "ok" : r.outcome === "timeout" ? "timeout" : "failed";
}

class Runtime implements StepRuntime {
  readonly runId: string;
  readonly cluster: ClusterSpec;
  readonly actor: string;
  private state: Record<string, unknown>;
  private outputs: CommandOutput[] = [];

  constructor(
    private readonly run: RunRow,
    cluster: ClusterSpec,
    private readonly stepIndex: number,
    private readonly list: "commands" | "rollback",
  ) {
    this.runId = run.id;
    this.cluster = cluster;
    this.actor = run.actor;
    this.state = parseJson<Record<string, unknown>>(run.state, {});
    const step = run.steps[stepIndex];
    // a step run again (after a restart, a retry, a second rollback) keeps what earlier attempts printed
    this.outputs = parseJson<CommandOutput[]>(list === "commands" ? step?.commands : step?.rollback, []);
  }

  async exec(cmd: PlannedCommand, options: { allow?: number[]; timeoutMs?: number; record?: (stdout: string) => string } = {}): Promise<ExecResult> {
    const host = this.cluster.hosts.find((h) => h.name === cmd.host);
    if (!host) throw new StepFailed(`${cmd.host} is not in the inventory`);
    const out: CommandOutput = { host: cmd.host, line: cmd.line, startedAt: Date.now(), durationMs: null, exitCode: null, outcome: "running", stdout: "", stderr: "" };
    this.outputs.push(out);
    globals().live.set(this.runId, { step: this.stepIndex, list: this.list, outputs: this.outputs });
    let result: ExecResult;
    try {
      result = await sshPool().exec(targetOf(this.cluster, host), cmd.line, {
        timeoutMs: options.timeoutMs ?? 120_000,
        purpose: { kind: "workflow", runId: this.runId, step: `${this.stepIndex}` },
        actor: this.actor,
        onOutput: (stream, chunk) => {
          // the live view keeps at most LIVE_OUTPUT_CHARS of each stream, however large one chunk is
          const room = LIVE_OUTPUT_CHARS - out[stream].length;
          if (room > 0) out[stream] += chunk.length > room ? chunk.slice(0, room) : chunk;
        },
      });
    } catch (err) {
      out.outcome = "error";
      out.stderr += `${errorMessage(err)}\n`;
      out.durationMs = Date.now() - out.startedAt;
      await this.persistOutputs();
      throw new StepFailed(`${cmd.host} did not answer: ${errorMessage(err)}`);
    }
    out.stdout = options.record ? options.record(result.stdout) : result.stdout;
    out.stderr = result.stderr;
    out.exitCode = result.exitCode;
    out.durationMs = Math.round(result.durationMs);
    out.outcome = outcomeOfExec(result);
    const allowed = result.exitCode !== null && (result.exitCode === 0 || (options.allow ?? []).includes(result.exitCode));
    if (allowed) out.outcome = "ok";
    await this.persistOutputs();
    if (!allowed) {
      const why = result.outcome === "timeout" ? "timed out" : `exited ${result.exitCode ?? "by signal"}`;
      const firstLine = mysqlErrorLine(result.stderr, result.stdout) ?? (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-1)[0] ?? "";
      throw new StepFailed(`${cmd.name} on ${cmd.host} ${why}${firstLine ? `: ${maskSecrets(firstLine.slice(0, 300))}` : ""}`);
    }
    return result;
  }

  async fetchSite(path: string): Promise<SiteAnswer> {
    const siteUrl = this.cluster.siteUrl;
    if (!siteUrl) throw new StepFailed("the inventory names no siteUrl for this cluster, so the site cannot be checked through the VIP");
    const out: CommandOutput = { host: "console", line: `GET ${siteUrl.replace(/\/$/, "")}${path}`, startedAt: Date.now(), durationMs: null, exitCode: null, outcome: "running", stdout: "", stderr: "" };
    this.outputs.push(out);
    globals().live.set(this.runId, { step: this.stepIndex, list: this.list, outputs: this.outputs });
    const answer = await fetchSite(siteUrl, path);
    out.durationMs = Math.round(answer.durationMs);
    out.outcome = answer.status === null ? "error" : "ok";
    out.stdout = answer.status === null ? "" : `HTTP ${answer.status}\n${answer.body.slice(0, 2000)}`;
    out.stderr = answer.error ?? "";
    await this.persistOutputs();
    return answer;
  }

  private async persistOutputs(): Promise<void> {
    await setStep(this.runId, this.stepIndex, { [this.list]: JSON.stringify(this.outputs.map(maskCommandOutput)) });
  }

  async view(freshAfter?: number): Promise<ClusterView> {
    const deadline = Date.now() + VIEW_WAIT_MS;
    for (;;) {
      try {
        const view = await getClusterView(this.cluster.id);
        if (freshAfter === undefined || readingsSince(view.state) >= freshAfter) return view;
      } catch (err) {
        if (Date.now() > deadline) throw new StepFailed(`no reading of the cluster: ${errorMessage(err)}`);
      }
      if (Date.now() > deadline) throw new StepFailed("the console has no fresh reading of the cluster (collector stalled?)");
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  get<T>(key: string): T | undefined {
    return this.state[key] as T | undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    const row = await db.workflowRun.findUnique({ where: { id: this.runId }, select: { state: true } });
    this.state = { ...parseJson<Record<string, unknown>>(row?.state, {}), [key]: value };
    await setRun(this.runId, { state: JSON.stringify(this.state) });
  }

  async waitUntil(
    check: (view: ClusterView) => WaitProgress,
    options: { timeoutMs: number; until?: number | null; canFinishEarly?: boolean; failMessage: string; onTimeout?: "fail" | "continue" | "ask" },
  ): Promise<"done" | "finished-early" | "timed-out"> {
    const step = this.run.steps[this.stepIndex];
    // a resumed wait keeps its original deadline
    const started = step?.startedAt?.getTime() ?? Date.now();
    const deadline = started + options.timeoutMs;
    const freshAfter = Date.now();
    const first: WaitView = { until: options.until ?? deadline, progress: "waiting for a reading taken after this step began", canFinishEarly: options.canFinishEarly ?? false };
    await setStep(this.runId, this.stepIndex, { wait: JSON.stringify(first) });
    for (;;) {
      const row = await db.workflowRun.findUnique({ where: { id: this.runId }, include: { steps: { where: { index: this.stepIndex } } } });
      if (row?.cancelRequested) throw new RunCancelled();
      if (options.canFinishEarly && row?.steps[0]?.approvedBy) return "finished-early";
      const view = await this.view(freshAfter);
      const p = check(view);
      const overdue = Date.now() > deadline;
      // "ask": past the limit the wait goes on, saying so, until the operator finishes or cancels it
      const progress = overdue && options.onTimeout === "ask" ? `${p.progress}; past the ${Math.round(options.timeoutMs / 1000)} s limit: finish now, or cancel to undo` : p.progress;
      const wait: WaitView = { until: options.until ?? deadline, progress, canFinishEarly: options.canFinishEarly ?? false };
      await setStep(this.runId, this.stepIndex, { wait: JSON.stringify(wait), message: progress });
      if (p.done) return "done";
      if (overdue && options.onTimeout !== "ask") {
        if (options.onTimeout === "continue") return "timed-out";
        throw new StepFailed(`${options.failMessage} (${p.progress})`);
      }
      await sleepOrWake(this.runId, POLL_MS * 2);
    }
  }

  async drains(): Promise<DrainRecord[]> {
    return drainsOf(this.cluster.id);
  }

  async recordDrain(host: string, previousWeights: Record<string, number>): Promise<void> {
    const data = { runId: this.runId, previousWeights: JSON.stringify(previousWeights), since: new Date() };
    await db.drain.upsert({ where: { clusterId_host: { clusterId: this.cluster.id, host } }, create: { clusterId: this.cluster.id, host, ...data }, update: data });
  }

  async clearDrain(host: string): Promise<void> {
    await db.drain.deleteMany({ where: { clusterId: this.cluster.id, host } });
  }
}

export async function drainsOf(clusterId: string): Promise<DrainRecord[]> {
  const rows = await db.drain.findMany({ where: { clusterId }, orderBy: { since: "asc" } });
  return rows.map((r) => ({ host: r.host, runId: r.runId, since: r.since.getTime(), previousWeights: parseJson<Record<string, number>>(r.previousWeights, {}) }));
}

/** the actions (what changed the cluster) in the given statuses, in words */
function describe(steps: { title: string; status: string; kind: string }[], statuses: StepStatus[]): string {
  return (
    steps
      .filter((s) => s.kind === "action" && statuses.includes(s.status as StepStatus))
      .map((s) => s.title)
      .join("; ") || "nothing"
  );
}

/**
 * Roll back, newest first, the succeeded steps that have an undo: those of the failing step's
 * segment, or all of them when steps have no segment. Returns whether every undo succeeded.
 */
async function rollBack(run: RunRow, cluster: ClusterSpec, steps: StepDef[], failedIndex: number): Promise<boolean> {
  const failing = steps[failedIndex];
  let allOk = true;
  for (let i = failedIndex; i >= 0; i--) {
    const def = steps[i];
    const row = run.steps[i];
    if (!def || !row) continue;
    if (i < failedIndex && def.pointOfNoReturn) break;
    if (failing?.segment !== undefined && def.segment !== failing.segment) continue;
    const undoable = row.status === "succeeded" || (i === failedIndex && def.kind === "action");
    if (!undoable || !def.undo) continue;
    const rt = new Runtime(run, cluster, i, "rollback");
    try {
      await def.undo(rt);
      await setStep(run.id, i, { status: "rolled-back" });
      await workflowEvent(run, "workflow.step", "info", `rolled back: ${def.title}`, { host: def.host ?? null, after: { step: i, status: "rolled-back" } });
    } catch (err) {
      allOk = false;
      await setStep(run.id, i, { status: "rollback-failed", message: maskSecrets(`rollback failed: ${errorMessage(err)}`) });
      await workflowEvent(run, "workflow.step", "critical", `rollback failed: ${def.title}: ${errorMessage(err)}`, { host: def.host ?? null, after: { step: i, status: "rollback-failed" } });
      // Undoing earlier steps now could make it worse (undraining a node whose code could not be
      // put back): leave them in effect for a person.
      break;
    }
  }
  return allOk;
}

async function finish(runId: string, status: RunStatus, outcome: string, keepLock = false): Promise<void> {
  await setRun(runId, { status, outcome, finishedAt: status === "needs-attention" ? null : new Date() });
  if (!keepLock) await releaseLock(runId);
  globals().live.delete(runId);
  const run = await db.workflowRun.findUnique({ where: { id: runId } });
  if (run) {
    const severity: EventSeverity = status === "succeeded" || status === "cancelled" ? "info" : status === "failed" ? "warning" : "critical";
    await workflowEvent(run, "workflow.finished", severity, `${run.title}: ${status}. ${outcome}`, { after: { status } });
  }
}

async function markPendingCancelled(runId: string): Promise<void> {
  await db.workflowStep.updateMany({ where: { runId, status: { in: ["pending", "waiting", "running"] } }, data: { status: "cancelled" } });
}

/** Drive a run from its first unfinished step to the end. Only one driver per run per process. */
export function drive(runId: string): Promise<void> {
  const { driving } = globals();
  const existing = driving.get(runId);
  if (existing) return existing;
  const p = driveRun(runId)
    .catch(async (err: unknown) => {
      console.error(`[workflows] run ${runId} stopped unexpectedly:`, err);
      await finish(runId, "needs-attention", `The console hit an internal error and stopped the run: ${errorMessage(err)}. Check the steps below before retrying.`, true).catch(() => {});
    })
    .finally(() => driving.delete(runId));
  driving.set(runId, p);
  return p;
}

async function driveRun(runId: string): Promise<void> {
  for (;;) {
    const run = await loadRun(runId);
    if (!run || !["running", "waiting"].includes(run.status)) return;
    const { cluster, steps } = stepsOf(run);
    const index = run.steps.findIndex((s) => !["succeeded", "skipped"].includes(s.status));
    if (index === -1) {
      const done = run.steps.map((s) => s.title);
      await finish(runId, "succeeded", `All ${done.length} steps succeeded.`);
      return;
    }
    const def = steps[index];
    const row = run.steps[index];
    if (!def || !row) throw new Error(`run ${runId}: step ${index} has no definition (workflow changed?)`);

    if (run.cancelRequested) {
      await cancelNow(run, cluster, steps, index);
      return;
    }

    const expires = def.kind === "approval" ? { approvalExpiresAt: row.approvalExpiresAt ?? (await approvalDeadline(run)) } : {};
    await setStep(runId, index, { status: def.kind === "approval" ? "waiting" : "running", startedAt: row.startedAt ?? new Date(), message: null, ...expires });
    await setActive(runId, def.kind === "approval" || def.kind === "wait" ? "waiting" : "running");

    try {
      let message: string | undefined;
      if (def.kind === "approval") {
        message = await awaitApproval(runId, index);
      } else if (def.run) {
        const fresh = await loadRun(runId);
        if (!fresh) return;
        message = await def.run(new Runtime(fresh, cluster, index, "commands"));
      }
      // a step's own words may quote what a host printed
      if (message !== undefined) message = maskSecrets(message);
      await setStep(runId, index, { status: "succeeded", finishedAt: new Date(), message: message ?? null });
      await setActive(runId, "running");
      globals().live.delete(runId);
      if (def.kind !== "check" || message) {
        await workflowEvent(run, "workflow.step", "info", `${def.title}: done${message ? ` (${message})` : ""}`, { host: def.host ?? null, after: { step: index, status: "succeeded" } });
      }
    } catch (err) {
      globals().live.delete(runId);
      if (err instanceof RunCancelled) {
        const fresh = await loadRun(runId);
        if (fresh) await cancelNow(fresh, cluster, steps, index);
        return;
      }
      if (err instanceof ApprovalExpired) {
        const fresh = await loadRun(runId);
        if (fresh) await cancelNow(fresh, cluster, steps, index, err);
        return;
      }
      const reason = maskSecrets(err instanceof StepFailed ? err.message : `unexpected error: ${errorMessage(err)}`);
      await setStep(runId, index, { status: "failed", finishedAt: new Date(), message: reason });
      await workflowEvent(run, "workflow.step", "warning", `${def.title}: failed: ${reason}`, { host: def.host ?? null, after: { step: index, status: "failed" } });
      await failRun(runId, cluster, steps, index, reason);
      return;
    }
  }
}

class ApprovalExpired extends Error {
  constructor(
    readonly title: string,
    readonly at: Date,
  ) {
    super(`the approval expired at ${deadlineText(at)}`);
  }
}

/** when an approval starting now expires, by the policy the run took when it started */
async function approvalDeadline(run: { clusterId: string; state: string }): Promise<Date> {
  const policy = await runApprovalPolicy(run);
  return new Date(Date.now() + policy.approvalTtlMinutes * 60_000);
}

async function awaitApproval(runId: string, index: number): Promise<string> {
  for (;;) {
    const run = await db.workflowRun.findUnique({ where: { id: runId }, include: { steps: { where: { index } } } });
    if (!run) throw new RunCancelled();
    if (run.cancelRequested) throw new RunCancelled();
    const step = run.steps[0];
    const by = step?.approvedBy;
    if (by) return `approved by ${by}`;
    const deadline = step?.approvalExpiresAt;
    if (step && deadline && deadline.getTime() <= Date.now()) {
      // The same condition approveStep writes under, negated: of an approval and an expiry at the same
      // moment exactly one update matches, and the other side reads what it did.
      const now = new Date();
      const expired = await db.workflowStep.updateMany({
        where: { id: step.id, status: "waiting", approvedBy: null, approvalExpiresAt: { lte: now } },
        data: { status: "expired", finishedAt: now, message: `not approved in time: expired at ${deadlineText(deadline)}` },
      });
      if (expired.count === 1) {
        await workflowEvent(run, "workflow.step", "warning", `${step.title}: the approval expired at ${deadlineText(deadline)} with no approval; stopping the run`, {
          host: step.host,
          after: { step: index, status: "expired" },
        });
        throw new ApprovalExpired(step.title, deadline);
      }
      // approved meanwhile: the next read says by whom
      await sleepOrWake(runId, POLL_MS / 10);
      continue;
    }
    const left = deadline ? deadline.getTime() - Date.now() : Number.POSITIVE_INFINITY;
    await sleepOrWake(runId, Math.max(10, Math.min(POLL_MS * 4, left)));
  }
}

async function failRun(runId: string, cluster: ClusterSpec, steps: StepDef[], index: number, reason: string): Promise<void> {
  const run = await loadRun(runId);
  if (!run) return;
  const def = steps[index];
  const passedNoReturn = steps.slice(0, index + 1).some((s, i) => s.pointOfNoReturn && run.steps[i]?.status !== "pending");
  const ok = await rollBack(run, cluster, steps, index);
  await markPendingCancelled(runId);
  const after = await loadRun(runId);
  const rows = after?.steps ?? [];
  const done = describe(rows, ["succeeded"]);
  const undone = describe(rows, ["rolled-back"]);
  if (!ok || passedNoReturn) {
    const why = !ok ? "a rollback failed" : `"${steps.find((s) => s.pointOfNoReturn)?.title}" had started, after which the console does not undo earlier steps by itself`;
    await finish(
      runId,
      "needs-attention",
      `Step "${def?.title}" failed: ${reason}. ${why[0]?.toUpperCase()}${why.slice(1)}. Still in effect: ${done}. Rolled back: ${undone}. Check the cluster, then retry the step, or cancel, or have an admin resolve the run.`,
      true,
    );
    return;
  }
  await finish(runId, "failed", `Step "${def?.title}" failed: ${reason}. Rolled back: ${undone}. Still in effect: ${done}. The cluster is as safe as before the run.`);
}

/** Stop a run at `index`, rolling back as a cancel does: on an operator's cancel, or when an approval expired. */
async function cancelNow(run: RunRow, cluster: ClusterSpec, steps: StepDef[], index: number, expired?: ApprovalExpired): Promise<void> {
  // an expired approval step already says so (its status is "expired")
  if (!expired) await setStep(run.id, index, { status: "cancelled", finishedAt: new Date() });
  const fresh = await loadRun(run.id);
  if (!fresh) return;
  const ok = await rollBack(fresh, cluster, steps, index);
  await markPendingCancelled(run.id);
  const after = await loadRun(run.id);
  const rows = after?.steps ?? [];
  const why = expired
    ? `The approval "${expired.title}" expired at ${deadlineText(expired.at)} before anyone approved it; the run was stopped as a cancel would stop it`
    : `Cancelled by ${run.cancelledBy ?? "an operator"}`;
  if (!ok) {
    await finish(run.id, "needs-attention", `${why}, but a rollback failed. Still in effect: ${describe(rows, ["succeeded", "rollback-failed"])}.`, true);
    return;
  }
  await finish(run.id, "cancelled", `${why}. Rolled back: ${describe(rows, ["rolled-back"])}. Still in effect: ${describe(rows, ["succeeded"])}.`);
}

/**
 * After a restart: a run whose interrupted step can safely run again goes on; one that stopped in
 * the middle of a step that cannot (or whose workflow no longer exists) halts for a person.
 */
export async function resumeRuns(): Promise<void> {
  const runs = await db.workflowRun.findMany({ where: { status: { in: ["running", "waiting"] } }, include: { steps: { orderBy: { index: "asc" } } } });
  for (const run of runs) {
    if (globals().driving.has(run.id)) continue;
    let steps: StepDef[];
    try {
      steps = stepsOf(run).steps;
    } catch (err) {
      await finish(run.id, "needs-attention", `The console restarted and could not rebuild this run's plan: ${errorMessage(err)}.`, true);
      continue;
    }
    const interrupted = run.steps.find((s) => s.status === "running" || s.status === "waiting");
    const def = interrupted ? steps[interrupted.index] : undefined;
    if (interrupted && def && def.kind === "action" && def.idempotent === false) {
      await setStep(run.id, interrupted.index, { status: "failed", message: "the console stopped while this step ran; whether it took effect is unknown" });
      await finish(
        run.id,
        "needs-attention",
        `The console stopped while "${def.title}" was running, and that step is not safe to repeat blindly. Done before it: ${describe(run.steps, ["succeeded"])}. Not done: ${describe(run.steps, ["pending"])}. Check the cluster, then retry the step or cancel.`,
        true,
      );
      continue;
    }
    await workflowEvent(run, "workflow.step", "info", `the console restarted; resuming at "${def?.title ?? "the next step"}"`);
    void drive(run.id);
  }
}

