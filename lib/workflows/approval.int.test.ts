import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Operator } from "@/lib/auth/sessions";
import type * as Engine from "@/lib/workflows/engine";
import type * as Policy from "@/lib/workflows/policy";
import { type Truth, type WorkflowLab, admin, operator, startWorkflowLab } from "@/test/support/workflows";

// Approvals that mean something: the two-person rule a run takes when it starts, and approvals that
// expire and stop the run as a cancel would. The engine runs a rolling code update over real SSH
// against the lab; the lab's /truth says what the hosts look like afterwards.

const second: Operator = { id: "op2", username: "otto", role: "operator" };
const params = { sourceHost: "web1", sourcePath: "/srv/releases/4.4.2", drainWaitSeconds: 0 };

let w: WorkflowLab;
let policy: typeof Policy;
let engine: typeof Engine;

function weightsOf(t: Truth, address: string): Record<string, number | null> {
  return Object.fromEntries(t.balancers.nodes.map((b) => [b.vm, b.services[0]?.reals.find((r) => r.address === address)?.weight ?? null]));
}

function startCodeUpdate(by: Operator = operator): Promise<string> {
  return w.service.startWorkflow({ clusterId: "lab", kind: "code-update", params, overrides: [], acknowledged: true }, by);
}

async function stepEvents(runId: string): Promise<{ message: string; actor: string | null }[]> {
  const rows = await w.db.event.findMany({ where: { kind: "workflow.step" }, orderBy: { id: "asc" } });
  return rows.filter((r) => r.after !== null && (JSON.parse(r.after) as { run?: string }).run === runId).map((r) => ({ message: r.message, actor: r.actor }));
}

/** the approval's deadline moved to `at`, as if its time had run: the TTL itself is minutes long */
async function moveDeadline(runId: string, index: number, at: number): Promise<void> {
  await w.db.workflowStep.update({ where: { runId_index: { runId, index } }, data: { approvalExpiresAt: new Date(at) } });
  engine.wakeRun(runId);
}

beforeAll(async () => {
  w = await startWorkflowLab({ seed: 23, speed: 10 });
  policy = await import("@/lib/workflows/policy");
  engine = await import("@/lib/workflows/engine");
}, 120_000);

afterAll(async () => {
  await w?.stop();
});

beforeEach(async () => {
  await policy.setClusterPolicy({ clusterId: "lab", twoPersonRule: false, approvalTtlMinutes: 60 }, admin);
});

describe("the approval policy", () => {
  it("defaults to no two-person rule and 60 min; a change is recorded on the timeline with the admin", async () => {
    await w.db.clusterPolicy.deleteMany({});
    expect(await policy.getClusterPolicy("lab")).toMatchObject({ twoPersonRule: false, approvalTtlMinutes: 60, updatedBy: null });
    await policy.setClusterPolicy({ clusterId: "lab", twoPersonRule: true, approvalTtlMinutes: 15 }, admin);
    expect(await policy.getClusterPolicy("lab")).toMatchObject({ twoPersonRule: true, approvalTtlMinutes: 15, updatedBy: "ada" });
    const events = await w.db.event.findMany({ where: { kind: "policy.changed", clusterId: "lab" } });
    expect(events.at(-1)).toMatchObject({ actor: "ada", tier: "operator" });
    expect(events.at(-1)?.message).toMatch(/two-person rule on, approvals expire after 15 min \(was: two-person rule off, approvals expire after 60 min\)/);
  });

  it.each([
    [{ clusterId: "lab", twoPersonRule: true, approvalTtlMinutes: 4 }, "approvalTtlMinutes"],
    [{ clusterId: "lab", twoPersonRule: true, approvalTtlMinutes: 1441 }, "approvalTtlMinutes"],
    [{ clusterId: "lab", twoPersonRule: true, approvalTtlMinutes: 7.5 }, "approvalTtlMinutes"],
    [{ clusterId: "lab", twoPersonRule: "yes", approvalTtlMinutes: 60 }, "twoPersonRule"],
  ])("refuses %o", (input, field) => {
    const parsed = policy.ApprovalPolicyInput.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toContain(field);
  });
});

describe("two-person rule", () => {
  it("refuses the operator who started the run, takes another's approval with who and when, and keeps the rule the run started with", async () => {
    await policy.setClusterPolicy({ clusterId: "lab", twoPersonRule: true, approvalTtlMinutes: 30 }, admin);
    const id = await startCodeUpdate(operator);
    const first = await w.untilStep(id, "approve-web1", ["waiting"]);
    const waiting = await w.run(id);
    expect(waiting.approvalPolicy).toEqual({ twoPersonRule: true, approvalTtlMinutes: 30, captured: true });
    const startedAt = waiting.steps[first]?.startedAt ?? 0;
    expect(waiting.steps[first]?.approval?.expiresAt).toBeGreaterThanOrEqual(startedAt + 30 * 60_000 - 1000);
    expect(waiting.steps[first]?.approval?.expiresAt).toBeLessThanOrEqual(startedAt + 30 * 60_000 + 5000);

    await expect(w.service.approveStep(id, first, operator)).rejects.toThrow("the two-person rule for this cluster needs a second operator");
    expect((await w.run(id)).steps[first]).toMatchObject({ status: "waiting", approval: { approvedBy: null } });

    // turned off mid-run: this run keeps the rule it started under
    await policy.setClusterPolicy({ clusterId: "lab", twoPersonRule: false, approvalTtlMinutes: 30 }, admin);
    await expect(w.service.approveStep(id, first, operator)).rejects.toThrow("the two-person rule for this cluster needs a second operator");

    const before = Date.now();
    await w.service.approveStep(id, first, second);
    await expect(w.service.approveStep(id, first, admin)).rejects.toThrow(/already approved by otto|not waiting for approval/);
    const secondApproval = await w.untilStep(id, "approve-web2", ["waiting"]);
    const mid = await w.run(id);
    expect(mid.steps[first]).toMatchObject({ status: "succeeded", approval: { approvedBy: "otto" } });
    expect(mid.steps[first]?.approval?.approvedAt).toBeGreaterThanOrEqual(before);
    expect(mid.steps[first]?.approval?.approvedAt).toBeLessThanOrEqual(Date.now());
    expect(await stepEvents(id)).toContainEqual({ message: 'otto approved "Approve copying the release to web1" (two-person rule: olga started the run)', actor: "otto" });

    // an admin is another operator too
    await w.service.approveStep(id, secondApproval, admin);
    const done = await w.untilStatus(id, ["succeeded"], 90_000);
    expect(done.steps[secondApproval]?.approval?.approvedBy).toBe("ada");
  }, 150_000);

  it("without the rule, the operator who started the run approves it", async () => {
    const id = await startCodeUpdate(operator);
    const first = await w.untilStep(id, "approve-web1", ["waiting"]);
    expect((await w.run(id)).approvalPolicy.twoPersonRule).toBe(false);
    await w.service.approveStep(id, first, operator);
    const done = await w.clickThrough(id);
    expect(done.status).toBe("succeeded");
    expect(done.steps[first]?.approval?.approvedBy).toBe("olga");
  }, 150_000);
});

describe("expiring approvals", () => {
  it("an approval past its deadline stops the run as a cancel does, puts back what the run changed, and can no longer be approved", async () => {
    const id = await startCodeUpdate(operator);
    const first = await w.untilStep(id, "approve-web1", ["waiting"]);
    // web1 was drained before its approval: expiry must put it back
    expect(weightsOf(await w.truth(), "192.168.10.11:80")).toEqual({ lb1: 0, lb2: 0 });
    const deadline = Date.now() - 1000;
    await moveDeadline(id, first, deadline);
    const stopped = await w.untilStatus(id, ["cancelled"], 60_000);

    const stamp = policy.deadlineText(deadline);
    expect(stopped.outcome).toContain(`The approval "Approve copying the release to web1" expired at ${stamp} before anyone approved it; the run was stopped`);
    expect(stopped.outcome).toMatch(/Rolled back: .*Weight 0 for web1/);
    const byKey = new Map(stopped.steps.map((s) => [s.key, s]));
    expect(byKey.get("approve-web1")).toMatchObject({ status: "expired", approval: { approvedBy: null } });
    expect(byKey.get("drain-runtime-web1")?.status).toBe("rolled-back");
    expect(byKey.get("drain-config-web1")?.status).toBe("rolled-back");
    expect(byKey.get("rsync-web1")?.status).toBe("cancelled");
    expect(stopped.steps.filter((s) => ["running", "waiting", "pending"].includes(s.status))).toEqual([]);

    const t = await w.truth();
    expect(weightsOf(t, "192.168.10.11:80")).toEqual({ lb1: 1, lb2: 1 });
    expect(t.tiers.web.nodes.web1?.serves?.version).toBe("2024042202.02");
    const runs = await w.service.listRuns("lab");
    expect(runs.lock).toBeNull();
    expect(runs.drained).toEqual([]);
    expect((await stepEvents(id)).map((e) => e.message)).toContainEqual(expect.stringMatching(/the approval expired at .* with no approval; stopping the run/));

    await expect(w.service.approveStep(id, first, second)).rejects.toThrow(`this approval expired at ${stamp}; the run was stopped`);
    expect((await w.run(id)).steps[first]?.approval?.approvedBy).toBeNull();
  }, 120_000);

  it("a waiting step whose deadline has passed is refused even before the engine has stopped the run", async () => {
    const id = await startCodeUpdate(operator);
    const first = await w.untilStep(id, "approve-web1", ["waiting"]);
    const deadline = Date.now() - 1000;
    // the engine is not woken: the step is still "waiting" when the approval arrives
    await w.db.workflowStep.update({ where: { runId_index: { runId: id, index: first } }, data: { approvalExpiresAt: new Date(deadline) } });
    await expect(w.service.approveStep(id, first, second)).rejects.toThrow(`this approval expired at ${policy.deadlineText(deadline)}; the run was stopped`);
    const stopped = await w.untilStatus(id, ["cancelled"], 60_000);
    expect(stopped.steps[first]).toMatchObject({ status: "expired", approval: { approvedBy: null } });
  }, 120_000);

  it("an approval and an expiry at the same moment resolve to exactly one outcome", async () => {
    const id = await startCodeUpdate(operator);
    const first = await w.untilStep(id, "approve-web1", ["waiting"]);
    const deadline = Date.now() + 400;
    await moveDeadline(id, first, deadline);
    // approvals by three people around the deadline, while the engine wakes for the deadline itself
    const approvers: [Operator, number][] = [
      [second, -15],
      [admin, 0],
      [{ id: "op3", username: "uma", role: "operator" }, 10],
    ];
    const results = await Promise.allSettled(
      approvers.map(async ([who, offset]) => {
        await new Promise((r) => setTimeout(r, Math.max(0, deadline + offset - Date.now())));
        await w.service.approveStep(id, first, who);
        return who.username;
      }),
    );
    const approvedBy = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const refusals = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message)] : []));
    expect(approvedBy.length).toBeLessThanOrEqual(1);
    for (const m of refusals) expect(m).toMatch(/this approval expired at .*; the run was stopped|already approved by|not waiting for approval/);

    const settled = await w.untilStep(id, "approve-web1", ["succeeded", "expired"]);
    const step = (await w.run(id)).steps[settled];
    if (approvedBy.length === 1) {
      // the approval won: the step is approved by that one person and the run goes on
      expect(step).toMatchObject({ status: "succeeded", approval: { approvedBy: approvedBy[0] } });
      expect(refusals.every((m) => !/expired/.test(m))).toBe(true);
      const done = await w.clickThrough(id);
      expect(done.status).toBe("succeeded");
    } else {
      // the expiry won: nobody's approval was taken and the run was stopped
      expect(step).toMatchObject({ status: "expired", approval: { approvedBy: null } });
      const stopped = await w.untilStatus(id, ["cancelled"], 60_000);
      expect(stopped.outcome).toMatch(/expired at .* before anyone approved it/);
    }
    expect((await w.service.listRuns("lab")).lock).toBeNull();
  }, 150_000);
});
