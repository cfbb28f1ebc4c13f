import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "@/test/support/lab";
import { type WorkflowLab, admin, operator, startWorkflowLab } from "@/test/support/workflows";

// Failover drills against the lab: the failure is real (heartbeat stopped over SSH, a server's power
// cut through the lab's control API), the figures come from the console's own measuring, and the
// lab's /truth says whether the cluster really failed over and came back.

let w: WorkflowLab;

beforeAll(async () => {
  w = await startWorkflowLab({ seed: 5, speed: 5 });
});

afterAll(async () => {
  await w?.stop();
});

interface Score {
  kind: string;
  passed: boolean;
  aborted: boolean;
  measurements: string;
  expectations: string;
}

/** the web node the console's own LVS client is pinned to on the VIP holder (the lab's model, read directly) */
function consolePin(): string | null {
  const sim = w.lab.sim as unknown as {
    world: { now(): number };
    balancers: { heartbeat: { holders(): string[] }; nodes: Record<string, { table: { conns: { template: boolean; clientAddress: string; destAddress: string; expires: number }[] } }> };
  };
  const holder = sim.balancers.heartbeat.holders()[0] ?? "lb1";
  const now = sim.world.now();
  return sim.balancers.nodes[holder]?.table.conns.find((c) => c.template && c.clientAddress === "198.51.100.250" && c.expires > now)?.destAddress ?? null;
}

function figures(score: Score | null): Record<string, number | null> {
  return Object.fromEntries((JSON.parse(score?.measurements ?? "[]") as { name: string; value: number | null }[]).map((m) => [m.name, m.value]));
}

describe("balancer drill", () => {
  it("stops heartbeat on the VIP holder, the VIP moves, the site answers, heartbeat starts again; a scorecard of real figures", async () => {
    const before = await w.truth();
    expect(before.balancers.vipHolders).toEqual(["lb1"]);
    const plan = await w.service.previewWorkflow("lab", "drill-balancer", {}, operator);
    expect(plan.guards.filter((g) => !g.ok)).toEqual([]);
    expect(plan.steps.find((s) => s.key === "stop-ha")?.commands.map((c) => `${c.host}: ${c.line}`)).toEqual(["lb1: sudo -n service heartbeat stop"]);
    const id = await w.service.startWorkflow({ clusterId: "lab", kind: "drill-balancer", params: {}, overrides: [], acknowledged: true }, operator);
    const v = await w.untilStatus(id, ["succeeded"], 240_000);
    const after = await w.truth();
    expect(after.balancers.vipHolders).toEqual(["lb2"]);
    expect(after.balancers.nodes.find((b) => b.vm === "lb1")?.heartbeat).toBe("standby");
    const score = (await w.db.drillScore.findUnique({ where: { runId: id } })) as Score | null;
    expect(JSON.parse(score?.expectations ?? "[]")).toEqual([
      expect.objectContaining({ measure: "noVipSeconds", passed: true }),
      expect.objectContaining({ measure: "unservedSeconds", passed: true }),
      expect.objectContaining({ measure: "redundantAgainSeconds", passed: true }),
    ]);
    expect(score).toMatchObject({ passed: true, aborted: false });
    const f = figures(score);
    // heartbeat hands the VIP over cleanly when stopped: a gap, but a short one
    expect(f.noVipSeconds).toBeGreaterThanOrEqual(0);
    expect(f.noVipSeconds).toBeLessThan(30);
    expect(f.stickyClientsBefore).toBeGreaterThan(0);
    expect(f.stickyClientsLost).toBeGreaterThanOrEqual(0);
    expect(v.steps.find((s) => s.key === "scorecard")?.message).toMatch(/^passed: 3 of 3 expectations met/);
  }, 300_000);

  it("anti-flap: another balancer drill waits until an operator acknowledges the last failover", async () => {
    const plan = await w.service.previewWorkflow("lab", "drill-balancer", {}, operator);
    expect(plan.guards.find((g) => g.id === "failover-acknowledged")).toMatchObject({ ok: false, overridable: false });
    const marks = await w.db.failoverMark.findMany({ where: { ackAt: null } });
    expect(marks.map((m) => m.tier)).toEqual(["balancer"]);
    const { acknowledgeFailover } = await import("@/lib/drills/score");
    expect(await acknowledgeFailover("lab", marks[0]?.id ?? -1, "olga")).toMatchObject({ tier: "balancer" });
    const again = await w.service.previewWorkflow("lab", "drill-balancer", {}, operator);
    expect(again.guards.find((g) => g.id === "failover-acknowledged")?.ok).toBe(true);
  });

  it("a drill whose standby cannot take over crosses its bound, aborts and restores", async () => {
    // lb1 holds the VIP now; lb2 cannot take it back when lb1 stops
    const holder = (await w.truth()).balancers.vipHolders[0];
    const standby = holder === "lb1" ? "lb2" : "lb1";
    await w.control("POST", "/faults", { kind: "service-stop", target: `${standby}:heartbeat` });
    try {
      const plan = await pollUntil(
        () => w.service.previewWorkflow("lab", "drill-balancer", { maxNoVipSeconds: 3 }, operator),
        (p) => p.guards.some((g) => g.id.startsWith("verdict-") && !g.ok),
        20_000,
      );
      const verdict = plan.guards.find((g) => g.id.startsWith("verdict-") && !g.ok);
      expect(verdict?.message).toMatch(/cannot lose server/);
      const id = await w.service.startWorkflow(
        { clusterId: "lab", kind: "drill-balancer", params: { maxNoVipSeconds: 3 }, overrides: [{ guard: verdict?.id ?? "", reason: "testing that the drill aborts on its own" }], acknowledged: true },
        admin,
      );
      const v = await w.untilStatus(id, ["failed"], 120_000);
      expect(v.steps.find((s) => s.key === "watch-failover")?.message).toMatch(/^bound crossed: no VIP owner for [\d.]+ s \(limit 3 s\)/);
      expect(v.steps.find((s) => s.key === "stop-ha")?.status).toBe("rolled-back");
      const score = (await w.db.drillScore.findUnique({ where: { runId: id } })) as Score | null;
      expect(score).toMatchObject({ passed: false, aborted: true });
      expect(figures(score).noVipSeconds).toBeGreaterThan(3);
      // restored: heartbeat runs again on the drilled balancer and it holds the VIP again
      const t = await pollUntil(() => w.truth(), (x) => x.balancers.vipHolders.length === 1, 30_000);
      expect(t.balancers.vipHolders).toEqual([holder]);
      expect(t.balancers.nodes.find((b) => b.vm === holder)?.heartbeat).toBe("active");
    } finally {
      await w.control("POST", "/faults/clear", { kind: "service-stop", target: `${standby}:heartbeat` });
    }
  }, 180_000);
});

describe("storage drill", () => {
  it("NFS moves from fs1 to fs2 with hb_standby while the web nodes keep reading the dataroot; then back", async () => {
    const roles = async () => {
      const t = (await w.control("GET", "/truth")) as { tiers: { storage: { nodes: Record<string, { role: string }> } } };
      return Object.fromEntries(Object.entries(t.tiers.storage.nodes).map(([vm, n]) => [vm, n.role]));
    };
    expect(await roles()).toEqual({ fs1: "Primary", fs2: "Secondary" });
    const plan = await w.service.previewWorkflow("lab", "drill-storage", {}, operator);
    expect(plan.guards.filter((g) => !g.ok)).toEqual([]);
    expect(plan.steps.find((s) => s.key === "standby")?.commands.map((c) => `${c.host}: ${c.line}`)).toEqual(["fs1: sudo -n /usr/share/heartbeat/hb_standby"]);
    const id = await w.service.startWorkflow({ clusterId: "lab", kind: "drill-storage", params: {}, overrides: [], acknowledged: true }, operator);
    const v = await w.untilStatus(id, ["succeeded"], 240_000);
    expect(await roles()).toEqual({ fs1: "Secondary", fs2: "Primary" });
    const score = (await w.db.drillScore.findUnique({ where: { runId: id } })) as Score | null;
    expect(score).toMatchObject({ passed: true, aborted: false, kind: "storage" });
    const f = figures(score);
    expect(f.outOfSyncKb).toBe(0);
    expect(f.nfsDownSeconds).toBeGreaterThanOrEqual(0);
    expect(v.steps.find((s) => s.key === "scorecard")?.message).toMatch(/^passed: 4 of 4/);

    const { acknowledgeFailover } = await import("@/lib/drills/score");
    for (const m of await w.db.failoverMark.findMany({ where: { ackAt: null, tier: "storage" } })) await acknowledgeFailover("lab", m.id, "olga");
    const back = await w.service.startWorkflow({ clusterId: "lab", kind: "drill-storage", params: {}, overrides: [], acknowledged: true }, operator);
    await w.untilStatus(back, ["succeeded"], 240_000);
    expect(await roles()).toEqual({ fs1: "Primary", fs2: "Secondary" });
    for (const m of await w.db.failoverMark.findMany({ where: { ackAt: null, tier: "storage" } })) await acknowledgeFailover("lab", m.id, "olga");
  }, 300_000);
});

describe("whole-server drill", () => {
  it("server B off through the lab's power, the site keeps answering through the VIP, B returns, redundant again", async () => {
    // The console is one client, pinned by LVS persistence like any other. With ldirectord's
    // quiescent=yes a client pinned to a dead node stays stuck (the lab does what LVS does), so the
    // test pins the console to web1 first: drained web2, one request, web2 back.
    const drain = await w.service.startWorkflow({ clusterId: "lab", kind: "drain", params: { host: "web2", threshold: 10_000 }, overrides: [], acknowledged: true }, operator);
    await w.untilStatus(drain, ["succeeded"]);
    // fast-forward past the persistence timeout until the console's old pin has run out
    for (let i = 0; i < 5 && ![null, "192.168.10.11"].includes(consolePin()); i++) {
      await w.control("POST", "/speed", { speed: 1000 });
      await new Promise((r) => setTimeout(r, 2000));
      await w.control("POST", "/speed", { speed: 5 });
    }
    expect((await fetch(`${w.lab.siteUrl}login/index.php`)).status).toBe(200);
    expect(consolePin()).toBe("192.168.10.11");
    const undrain = await w.service.startWorkflow({ clusterId: "lab", kind: "undrain", params: { host: "web2" }, overrides: [], acknowledged: true }, operator);
    await w.untilStatus(undrain, ["succeeded"]);
    const plan = await pollUntil(
      () => w.service.previewWorkflow("lab", "drill-server", { server: "B" }, operator),
      (p) => p.guards.every((g) => g.ok),
      60_000,
      1000,
    );
    expect(plan.guards.filter((g) => !g.ok)).toEqual([]);
    const id = await w.service.startWorkflow({ clusterId: "lab", kind: "drill-server", params: { server: "B" }, overrides: [], acknowledged: true }, operator);
    const off = await w.untilStep(id, "watch-failover", ["running"], 60_000);
    const during = await pollUntil(() => w.truth(), (t) => t.vms.filter((v) => ["lb2", "web2", "fs2", "db2"].includes(v.name)).every((v) => !v.up), 20_000);
    expect(during.vms.filter((v) => !v.up).map((v) => v.name).sort()).toEqual(["db2", "fs2", "lb2", "web2"]);
    expect(off).toBeGreaterThan(0);
    const v = await w.untilStatus(id, ["succeeded"], 400_000);
    const after = await w.truth();
    expect(after.vms.every((vm) => vm.up)).toBe(true);
    const score = (await w.db.drillScore.findUnique({ where: { runId: id } })) as Score | null;
    expect(score).toMatchObject({ passed: true, aborted: false });
    expect(figures(score).recoverySeconds).toBeGreaterThan(0);
    expect(v.steps.find((s) => s.key === "scorecard")?.message).toMatch(/^passed/);
  }, 480_000);
});
