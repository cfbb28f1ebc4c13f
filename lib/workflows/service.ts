import "server-only";
import { readingsSince } from "@/lib/cluster/view-helpers";
import { getClusterView } from "@/lib/cluster/views";
import type { WorkflowCommandSpec } from "@/lib/commands/workflow";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";
import type { Operator } from "@/lib/auth/sessions";
import { sshPool, targetOf } from "@/lib/ssh";
import type { ExecResult } from "@/lib/ssh/types";
import type { LiveReader, WorkflowDefinition } from "@/lib/workflows/definition";
import { drainsOf, drive, liveOutputs, stepsOf, wakeRun, workflowEvent } from "@/lib/workflows/engine";
import { WorkflowParams } from "@/lib/workflows/params";
import { deadlineText, getClusterPolicy, runApprovalPolicy } from "@/lib/workflows/policy";
import { definitionOf } from "@/lib/workflows/registry";
import {
  ACTIVE_RUN_STATUSES,
  type CommandOutput,
  type GuardOverride,
  type Plan,
  type PlannedCommand,
  type RunList,
  type RunStatus,
  type RunSummary,
  type RunView,
  type StepKind,
  type StepStatus,
  type WaitView,
  type WorkflowKind,
} from "@/lib/workflows/types";

export interface StartRequest {
  clusterId: string;
  kind: WorkflowKind;
  params: unknown;
  overrides: Omit<GuardOverride, "by" | "at">[];
  acknowledged: boolean;
}

const HISTORY_LIMIT = 50;

const FRESH_VIEW_WAIT_MS = 10_000;

/**
 * The view a plan is made from must postdate the last run: right after a run the collector may still
 * hold readings from before its last step, and a plan made from them would restore the wrong weights.
 */
async function freshView(clusterId: string) {
  const last = await db.workflowRun.findFirst({ where: { clusterId, finishedAt: { not: null } }, orderBy: { finishedAt: "desc" }, select: { finishedAt: true } });
  const after = last?.finishedAt?.getTime() ?? 0;
  const deadline = Date.now() + FRESH_VIEW_WAIT_MS;
  for (;;) {
    const view = await getClusterView(clusterId);
    if (readingsSince(view.state) > after || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `actor`: the operator the plan is made for; every read it runs on a host is audited under their name. */
async function liveReader(clusterId: string, actor: string): Promise<LiveReader> {
  const cluster = getCluster(clusterId);
  const view = await freshView(clusterId);
  const drains = await drainsOf(clusterId);
  return {
    cluster,
    view,
    drains,
    async read<A>(hostName: string, spec: WorkflowCommandSpec<A>, args: A): Promise<ExecResult | null> {
      if (!spec.readOnly) throw new Error(`${spec.name} changes the host; planning only reads`);
      const host = cluster.hosts.find((h) => h.name === hostName);
      if (!host) return null;
      try {
        return await sshPool().exec(targetOf(cluster, host), spec.build(cluster, args), {
          timeoutMs: 15_000,
          purpose: { kind: "action", name: `plan:${spec.name}` },
          actor,
        });
      } catch {
        return null;
      }
    },
  };
}

/** the parameters with their defaults, validated again here whoever the caller is */
function paramsFor(kind: WorkflowKind, raw: unknown): unknown {
  const parsed = WorkflowParams[kind].safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError("InvalidInput", `${first?.path.join(".") || kind}: ${first?.message ?? "invalid"}`);
  }
  return parsed.data;
}

async function plan(clusterId: string, kind: WorkflowKind, raw: unknown, actor: string): Promise<{ plan: Plan; facts: unknown; params: unknown }> {
  const params = paramsFor(kind, raw);
  const def = definitionOf(kind) as WorkflowDefinition<unknown, unknown>;
  const live = await liveReader(clusterId, actor);
  const facts = await def.gather(params, live);
  const input = { cluster: live.cluster, params, facts };
  const steps = def.steps({ ...input, runId: "<run>" });
  return {
    facts,
    params,
    plan: {
      kind,
      title: def.title(input),
      summary: def.summary(input),
      guards: def.guards(params, facts, live),
      warnings: def.warnings(params, facts, live),
      steps: steps.map((s) => ({
        key: s.key,
        kind: s.kind,
        title: s.title,
        detail: s.detail ?? null,
        host: s.host ?? null,
        commands: s.planned,
        rollback: s.plannedUndo ?? [],
        runtimeNote: s.runtimeNote ?? null,
      })),
    },
  };
}

/** The dry run for `operator`: the reads it runs on hosts are audited under their name. */
export async function previewWorkflow(clusterId: string, kind: WorkflowKind, params: unknown, operator: Operator): Promise<Plan> {
  return (await plan(clusterId, kind, params, operator.username)).plan;
}

export async function startWorkflow(req: StartRequest, operator: Operator): Promise<string> {
  const { plan: p, facts: gathered, params } = await plan(req.clusterId, req.kind, req.params, operator.username);
  const refusing = p.guards.filter((g) => !g.ok);
  const overrides: GuardOverride[] = [];
  for (const guard of refusing) {
    const override = req.overrides.find((o) => o.guard === guard.id);
    if (!override) throw new AppError("GuardRefused", `refused: ${guard.message}`, { guard: guard.id });
    if (!guard.overridable) throw new AppError("GuardRefused", `refused, and this check cannot be overridden: ${guard.message}`, { guard: guard.id });
    if (operator.role !== "admin") throw new AppError("Forbidden", `only an admin may override "${guard.message}"`);
    overrides.push({ guard: guard.id, reason: override.reason, by: operator.username, at: Date.now() });
  }
  if (p.warnings.length > 0 && !req.acknowledged) {
    throw new AppError("InvalidInput", `read and acknowledge first: ${p.warnings.join(" ")}`);
  }
  const def = definitionOf(req.kind) as WorkflowDefinition<unknown, unknown>;
  const cluster = getCluster(req.clusterId);
  // steps that re-check a guard at run time honour the admin's override of it
  const facts = typeof gathered === "object" && gathered !== null && "overridden" in gathered ? { ...gathered, overridden: overrides.map((o) => o.guard) } : gathered;
  // the run keeps the approval policy in force now: an admin changing it later does not change this run
  const policy = await getClusterPolicy(req.clusterId);
  const approvalPolicy = { twoPersonRule: policy.twoPersonRule, approvalTtlMinutes: policy.approvalTtlMinutes };
  const run = await db.$transaction(async (tx) => {
    const lock = await tx.clusterLock.findUnique({ where: { clusterId: req.clusterId } });
    if (lock) throw new AppError("Conflict", `another workflow holds this cluster (run ${lock.runId}, started by ${lock.holder}); wait for it, or cancel it`);
    const created = await tx.workflowRun.create({
      data: {
        clusterId: req.clusterId,
        kind: req.kind,
        title: p.title,
        params: JSON.stringify(params),
        summary: JSON.stringify(p.summary),
        warnings: JSON.stringify(p.warnings),
        status: "running",
        actor: operator.username,
        overrides: JSON.stringify(overrides),
        state: JSON.stringify({ facts, approvalPolicy }),
      },
    });
    const steps = def.steps({ cluster, params, facts, runId: created.id });
    await tx.workflowStep.createMany({
      data: steps.map((s, index) => ({
        runId: created.id,
        index,
        key: s.key,
        kind: s.kind,
        title: s.title,
        detail: s.detail ?? null,
        host: s.host ?? null,
        planned: JSON.stringify(s.planned),
        plannedUndo: JSON.stringify(s.plannedUndo ?? []),
        runtimeNote: s.runtimeNote ?? s.approval ?? null,
        status: "pending",
      })),
    });
    await tx.clusterLock.create({ data: { clusterId: req.clusterId, runId: created.id, holder: operator.username } });
    return created;
  });
  await workflowEvent(run, "workflow.started", "info", `${operator.username} started: ${p.title}`);
  for (const o of overrides) {
    const g = p.guards.find((x) => x.id === o.guard);
    await workflowEvent(run, "workflow.override", "warning", `${o.by} overrode "${g?.message ?? o.guard}": ${o.reason}`, { actor: o.by, after: { guard: o.guard, reason: o.reason } });
  }
  void drive(run.id);
  return run.id;
}

async function activeRun(runId: string) {
  const run = await db.workflowRun.findUnique({ where: { id: runId }, include: { steps: { orderBy: { index: "asc" } } } });
  if (!run) throw new AppError("NotFound", `no run ${runId}`);
  return run;
}

function approvalExpired(at: Date | null): AppError {
  return new AppError("Conflict", `this approval expired at ${at ? deadlineText(at) : "its deadline"}; the run was stopped`);
}

/**
 * Approve a waiting approval step. Under the two-person rule the run took when it started, the
 * operator who started the run cannot approve it. An approval past its deadline is refused; the
 * engine stops the run, and of an approval and an expiry at the same moment exactly one wins.
 */
export async function approveStep(runId: string, step: number, operator: Operator): Promise<void> {
  const run = await activeRun(runId);
  const row = run.steps[step];
  if (!row || row.kind !== "approval") throw new AppError("InvalidInput", `step ${step} is not an approval`);
  if (row.approvedBy) throw new AppError("Conflict", `step ${step + 1} was already approved by ${row.approvedBy}`);
  const now = new Date();
  if (row.status === "expired" || (row.status === "waiting" && row.approvalExpiresAt && row.approvalExpiresAt <= now)) {
    wakeRun(runId);
    throw approvalExpired(row.approvalExpiresAt);
  }
  if (row.status !== "waiting") throw new AppError("Conflict", `step ${step + 1} is not waiting for approval (it is ${row.status})`);
  const policy = await runApprovalPolicy(run);
  if (policy.twoPersonRule && operator.username === run.actor) {
    throw new AppError("Forbidden", `the two-person rule for this cluster needs a second operator: ${run.actor} started this run, so another operator or an admin must approve it`);
  }
  const at = new Date();
  const approved = await db.workflowStep.updateMany({
    where: { id: row.id, status: "waiting", approvedBy: null, approvalExpiresAt: { gt: at } },
    data: { approvedBy: operator.username },
  });
  if (approved.count === 0) {
    const again = await db.workflowStep.findUnique({ where: { id: row.id } });
    wakeRun(runId);
    if (again?.approvedBy) throw new AppError("Conflict", `step ${step + 1} was already approved by ${again.approvedBy}`);
    if (again?.status === "expired" || (again?.approvalExpiresAt && again.approvalExpiresAt <= at)) throw approvalExpired(again.approvalExpiresAt);
    throw new AppError("Conflict", `step ${step + 1} is not waiting for approval (it is ${again?.status ?? "gone"})`);
  }
  await workflowEvent(run, "workflow.step", "info", `${operator.username} approved "${row.title}"${policy.twoPersonRule ? ` (two-person rule: ${run.actor} started the run)` : ""}`, {
    actor: operator.username,
    host: row.host,
    after: { step, approvedBy: operator.username, approvedAt: at.getTime() },
  });
  wakeRun(runId);
}

export async function finishWaitEarly(runId: string, step: number, operator: Operator): Promise<void> {
  const run = await activeRun(runId);
  const row = run.steps[step];
  if (!row || row.kind !== "wait") throw new AppError("InvalidInput", `step ${step} is not a wait`);
  if (row.status !== "running") throw new AppError("Conflict", `step ${step + 1} is not waiting (it is ${row.status})`);
  const wait = row.wait ? (JSON.parse(row.wait) as WaitView) : null;
  // null: the wait has not taken its first reading yet; it honours the click when it does
  if (wait && !wait.canFinishEarly) throw new AppError("InvalidInput", "this wait cannot be ended early");
  await db.workflowStep.update({ where: { id: row.id }, data: { approvedBy: operator.username } });
  await workflowEvent(run, "workflow.step", "info", `${operator.username} ended the wait "${row.title}" early`, { actor: operator.username, host: row.host });
  wakeRun(runId);
}

export async function cancelRun(runId: string, reason: string, operator: Operator): Promise<void> {
  const run = await activeRun(runId);
  if (!ACTIVE_RUN_STATUSES.includes(run.status as RunStatus)) throw new AppError("Conflict", `the run is already ${run.status}`);
  await db.workflowRun.update({ where: { id: runId }, data: { cancelRequested: true, cancelledBy: operator.username } });
  await workflowEvent(run, "workflow.step", "warning", `${operator.username} asked to cancel${reason ? `: ${reason}` : ""}`, { actor: operator.username });
  if (run.status === "needs-attention") {
    // nothing is driving it: roll back from where it stopped
    await db.workflowRun.update({ where: { id: runId }, data: { status: "running" } });
  }
  wakeRun(runId);
  void drive(runId);
}

export async function retryRun(runId: string, operator: Operator): Promise<void> {
  const run = await activeRun(runId);
  if (run.status !== "needs-attention") throw new AppError("Conflict", `only a run that needs attention can be retried (this one is ${run.status})`);
  const failed = run.steps.find((s) => ["failed", "rollback-failed", "running", "cancelled"].includes(s.status));
  await db.$transaction([
    db.workflowStep.updateMany({ where: { runId, status: { in: ["failed", "rollback-failed", "running", "cancelled", "rolled-back", "expired"] } }, data: { status: "pending", approvedBy: null, approvalExpiresAt: null } }),
    db.workflowRun.update({ where: { id: runId }, data: { status: "running", outcome: null, cancelRequested: false } }),
  ]);
  await workflowEvent(run, "workflow.step", "info", `${operator.username} retried the run from "${failed?.title ?? "the next step"}"`, { actor: operator.username });
  void drive(runId);
}

export async function resolveRun(runId: string, reason: string, operator: Operator): Promise<void> {
  const run = await activeRun(runId);
  // a running run is still being driven: cancel it instead, which rolls back
  if (run.status !== "needs-attention") throw new AppError("Conflict", `only a run that needs attention can be resolved by hand (this one is ${run.status}); cancel it instead`);
  await db.$transaction([
    db.workflowRun.update({
      where: { id: runId },
      data: { status: "failed", finishedAt: new Date(), outcome: `Resolved by ${operator.username} after checking by hand: ${reason}` },
    }),
    db.workflowStep.updateMany({ where: { runId, status: { in: ["pending", "running", "waiting"] } }, data: { status: "cancelled" } }),
    db.clusterLock.deleteMany({ where: { runId } }),
  ]);
  await workflowEvent(run, "workflow.finished", "warning", `${operator.username} resolved the run by hand and released the cluster: ${reason}`, { actor: operator.username });
  wakeRun(runId);
}

function json<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export async function getRunView(clusterId: string, runId: string): Promise<RunView> {
  const run = await db.workflowRun.findUnique({ where: { id: runId }, include: { steps: { orderBy: { index: "asc" } } } });
  if (!run || run.clusterId !== clusterId) throw new AppError("NotFound", `no run ${runId} on cluster ${clusterId}`);
  const live = liveOutputs(runId);
  let approvalPrompts: Map<number, string> = new Map();
  try {
    approvalPrompts = new Map(stepsOf(run).steps.flatMap((s, i) => (s.approval ? [[i, s.approval] as const] : [])));
  } catch {
    // the plan cannot be rebuilt (inventory changed); the stored steps still show
  }
  const current = run.steps.find((s) => ["running", "waiting"].includes(s.status));
  const policy = await runApprovalPolicy(run);
  return {
    id: run.id,
    clusterId: run.clusterId,
    kind: run.kind as WorkflowKind,
    title: run.title,
    status: run.status as RunStatus,
    actor: run.actor,
    createdAt: run.createdAt.getTime(),
    finishedAt: run.finishedAt?.getTime() ?? null,
    summary: json(run.summary, []),
    warnings: json(run.warnings, []),
    outcome: run.outcome,
    overrides: json(run.overrides, []),
    currentStep: current?.index ?? null,
    cancelRequested: run.cancelRequested,
    approvalPolicy: policy,
    steps: run.steps.map((s) => {
      const liveHere = live && live.step === s.index ? live : null;
      const commands: CommandOutput[] = liveHere?.list === "commands" ? liveHere.outputs : json(s.commands, []);
      const rollback: CommandOutput[] = liveHere?.list === "rollback" ? liveHere.outputs : json(s.rollback, []);
      const prompt = approvalPrompts.get(s.index);
      return {
        index: s.index,
        key: s.key,
        kind: s.kind as StepKind,
        title: s.title,
        detail: s.detail,
        host: s.host,
        status: s.status as StepStatus,
        startedAt: s.startedAt?.getTime() ?? null,
        finishedAt: s.finishedAt?.getTime() ?? null,
        message: s.message,
        commands,
        rollback,
        planned: json<PlannedCommand[]>(s.planned, []),
        plannedRollback: json<PlannedCommand[]>(s.plannedUndo, []),
        runtimeNote: s.kind === "approval" ? null : s.runtimeNote,
        wait: s.kind === "wait" && s.status === "running" ? json<WaitView | null>(s.wait, null) : null,
        approval:
          s.kind === "approval"
            ? {
                prompt: prompt ?? s.runtimeNote ?? "Approve to go on.",
                approvedBy: s.approvedBy,
                // the engine closes the step as soon as it reads the approval
                approvedAt: s.approvedBy ? (s.finishedAt?.getTime() ?? null) : null,
                expiresAt: s.approvalExpiresAt?.getTime() ?? null,
              }
            : null,
      };
    }),
  };
}

function summaryOf(r: { id: string; kind: string; title: string; status: string; actor: string; createdAt: Date; finishedAt: Date | null; outcome: string | null }): RunSummary {
  return {
    id: r.id,
    kind: r.kind as WorkflowKind,
    title: r.title,
    status: r.status as RunStatus,
    actor: r.actor,
    createdAt: r.createdAt.getTime(),
    finishedAt: r.finishedAt?.getTime() ?? null,
    outcome: r.outcome,
  };
}

export async function listRuns(clusterId: string): Promise<RunList> {
  getCluster(clusterId);
  const [lock, history, drained] = await Promise.all([
    db.clusterLock.findUnique({ where: { clusterId } }),
    db.workflowRun.findMany({ where: { clusterId }, orderBy: { createdAt: "desc" }, take: HISTORY_LIMIT }),
    drainsOf(clusterId),
  ]);
  const activeRow = lock ? await db.workflowRun.findUnique({ where: { id: lock.runId } }) : null;
  return {
    active: activeRow ? summaryOf(activeRow) : null,
    lock: lock ? { runId: lock.runId, since: lock.acquiredAt.getTime(), holder: lock.holder } : null,
    history: history.map(summaryOf),
    drained,
  };
}
