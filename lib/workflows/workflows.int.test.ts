import fs from "node:fs";
import path from "node:path";
import { AppError } from "@/lib/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Operator } from "@/lib/auth/sessions";
import { pollUntil } from "@/test/support/lab";
import { type Truth, type WorkflowLab, admin, operator, startWorkflowLab } from "@/test/support/workflows";

// The workflows as the console runs them: the engine over real SSH against the lab, the lab's
// /truth as the judge of what happened on the hosts, SQLite for runs, steps, locks and events.

const viewerish: Operator = { id: "op2", username: "otto", role: "operator" };

let w: WorkflowLab;
const truth = () => w.truth();
const control = (method: string, route: string, body?: unknown) => w.control(method, route, body);
const run = (runId: string) => w.run(runId);
const untilStatus: WorkflowLab["untilStatus"] = (...a) => w.untilStatus(...a);
const untilStep: WorkflowLab["untilStep"] = (...a) => w.untilStep(...a);
const clickThrough: WorkflowLab["clickThrough"] = (...a) => w.clickThrough(...a);

function weightsOf(t: Truth, address: string): Record<string, number | null> {
  return Object.fromEntries(t.balancers.nodes.map((b) => [b.vm, b.services[0]?.reals.find((r) => r.address === address)?.weight ?? null]));
}

function ldirectordCf(vm: string): string {
  return fs.readFileSync(path.join(w.lab.dir, "vms", vm, "etc/ha.d/ldirectord.cf"), "utf8");
}

beforeAll(async () => {
  w = await startWorkflowLab({ seed: 11, speed: 10 });
});

afterAll(async () => {
  await w?.stop();
});

describe("drain and undrain", () => {
  it("drains web1 on both balancers, running and configured, then puts the weight back", async () => {
    const plan = await w.service.previewWorkflow("lab", "drain", { host: "web1", threshold: 0 }, operator);
    expect(plan.guards.filter((g) => !g.ok)).toEqual([]);
    const lines = plan.steps.flatMap((s) => s.commands.map((c) => `${c.host}: ${c.line}`));
    expect(lines).toContain("lb1: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0");
    expect(lines).toContain("lb2: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0");

    const runId = await w.service.startWorkflow({ clusterId: "lab", kind: "drain", params: { host: "web1", threshold: 0 }, overrides: [], acknowledged: true }, operator);
    // one mutating run per cluster
    await expect(w.service.startWorkflow({ clusterId: "lab", kind: "drain", params: { host: "web2", threshold: 0 }, overrides: [], acknowledged: true }, operator)).rejects.toThrow(/another workflow holds this cluster/);
    const wait = await untilStep(runId, "drain-wait", ["running"]);
    const during = await truth();
    expect(weightsOf(during, "192.168.10.11:80")).toEqual({ lb1: 0, lb2: 0 });
    expect(ldirectordCf("lb1")).toMatch(/real=192\.168\.10\.11:80 gate 0/);
    expect(ldirectordCf("lb2")).toMatch(/real=192\.168\.10\.11:80 gate 0/);
    expect((await w.service.listRuns("lab")).drained.map((d) => d.host)).toEqual(["web1"]);
    await w.service.finishWaitEarly(runId, wait, operator);
    const done = await untilStatus(runId, ["succeeded"]);
    expect(done.steps.every((s) => s.status === "succeeded")).toBe(true);
    expect((await w.service.listRuns("lab")).lock).toBeNull();

    // the verdict knows web1 is out on purpose
    const { getClusterView } = await import("@/lib/cluster/views");
    const view = await getClusterView("lab");
    expect(view.findings.filter((f) => f.hosts.includes("web1") && f.tier === "balancer")).toEqual([]);

    const undrain = await w.service.startWorkflow({ clusterId: "lab", kind: "undrain", params: { host: "web1" }, overrides: [], acknowledged: true }, operator);
    await untilStatus(undrain, ["succeeded"]);
    expect(weightsOf(await truth(), "192.168.10.11:80")).toEqual({ lb1: 1, lb2: 1 });
    expect(ldirectordCf("lb1")).toMatch(/real=192\.168\.10\.11:80 gate 1/);
    expect((await w.service.listRuns("lab")).drained).toEqual([]);
  });

  it("refuses to drain the last serving node, and an admin override is recorded with its reason", async () => {
    const first = await w.service.startWorkflow({ clusterId: "lab", kind: "drain", params: { host: "web2", threshold: 1000 }, overrides: [], acknowledged: true }, operator);
    await untilStatus(first, ["succeeded"]);
    const plan = await w.service.previewWorkflow("lab", "drain", { host: "web1", threshold: 1000 }, operator);
    const last = plan.guards.find((g) => g.id === "not-last-node");
    expect(last).toMatchObject({ ok: false, message: "web1 is the last web node serving: draining it takes the site down" });
    await expect(w.service.startWorkflow({ clusterId: "lab", kind: "drain", params: { host: "web1", threshold: 1000 }, overrides: [], acknowledged: true }, operator)).rejects.toThrow(
      /refused: web1 is the last web node serving/,
    );
    const withReason = { clusterId: "lab", kind: "drain" as const, params: { host: "web1", threshold: 1000 }, overrides: [{ guard: "not-last-node", reason: "planned outage window, site announced" }], acknowledged: true };
    await expect(w.service.startWorkflow(withReason, viewerish)).rejects.toThrow(/only an admin may override/);
    const overridden = await w.service.startWorkflow(withReason, admin);
    const v = await untilStatus(overridden, ["succeeded"]);
    expect(v.overrides).toEqual([expect.objectContaining({ guard: "not-last-node", reason: "planned outage window, site announced", by: "ada" })]);
    const events = await w.db.event.findMany({ where: { kind: "workflow.override" } });
    expect(events.map((e) => [e.actor, e.message])).toEqual([["ada", expect.stringContaining("planned outage window, site announced")]]);

    for (const host of ["web1", "web2"]) {
      const id = await w.service.startWorkflow({ clusterId: "lab", kind: "undrain", params: { host }, overrides: [], acknowledged: true }, operator);
      await untilStatus(id, ["succeeded"]);
    }
    expect(weightsOf(await truth(), "192.168.10.21:80")).toEqual({ lb1: 1, lb2: 1 });
  });

  it("a balancer failover during a drain keeps the node out: lb2 has weight 0 in its table and its file", async () => {
    const runId = await w.service.startWorkflow({ clusterId: "lab", kind: "drain", params: { host: "web2", threshold: 0 }, overrides: [], acknowledged: true }, operator);
    const wait = await untilStep(runId, "drain-wait", ["running"]);
    await control("POST", "/faults", { kind: "service-stop", target: "lb1:heartbeat" });
    try {
      const moved = await pollUntil(truth, (t) => t.balancers.nodes.some((b) => b.vm === "lb2" && b.holdsVip), 30_000);
      expect(moved.balancers.nodes.find((b) => b.vm === "lb2")?.holdsVip).toBe(true);
      // two ldirectord check intervals later, lb2 still keeps web2 out
      await new Promise((r) => setTimeout(r, 1500));
      expect(weightsOf(await truth(), "192.168.10.21:80").lb2).toBe(0);
      // the wait may have ended by itself meanwhile (no client pinned to web2, its sessions in the shared dataroot)
      await w.service.finishWaitEarly(runId, wait, operator).catch((e: unknown) => {
        if (!(e instanceof AppError && e.code === "Conflict")) throw e;
      });
      await untilStatus(runId, ["succeeded"]);
      expect(weightsOf(await truth(), "192.168.10.21:80")).toEqual({ lb1: 0, lb2: 0 });
    } finally {
      await control("POST", "/faults/clear", { kind: "service-stop", target: "lb1:heartbeat" });
    }
    const undrain = await w.service.startWorkflow({ clusterId: "lab", kind: "undrain", params: { host: "web2" }, overrides: [], acknowledged: true }, operator);
    await untilStatus(undrain, ["succeeded"]);
    expect(weightsOf(await truth(), "192.168.10.21:80")).toEqual({ lb1: 1, lb2: 1 });
  });

  it("a wait past its limit asks instead of failing; cancel then rolls the drain back", async () => {
    const runId = await w.service.startWorkflow({ clusterId: "lab", kind: "drain", params: { host: "web1", threshold: 0, maxWaitSeconds: 1 }, overrides: [], acknowledged: true }, operator);
    const wait = await untilStep(runId, "drain-wait", ["running"]);
    const asking = await pollUntil(() => run(runId), (r) => /past the 1 s limit/.test(r.steps[wait]?.wait?.progress ?? ""), 10_000);
    expect(asking.status).toBe("waiting");
    expect(asking.steps[wait]?.status).toBe("running");
    expect(weightsOf(await truth(), "192.168.10.11:80")).toEqual({ lb1: 0, lb2: 0 });
    await w.service.cancelRun(runId, "wrong node", operator);
    const v = await untilStatus(runId, ["cancelled"]);
    expect(v.outcome).toMatch(/Cancelled by olga/);
    expect(v.steps.filter((s) => s.status === "rolled-back").map((s) => s.key)).toEqual(["drain-runtime-web1", "drain-config-web1"]);
    expect(weightsOf(await truth(), "192.168.10.11:80")).toEqual({ lb1: 1, lb2: 1 });
    expect(ldirectordCf("lb2")).toMatch(/real=192\.168\.10\.11:80 gate 1/);
    expect((await w.service.listRuns("lab")).drained).toEqual([]);
    expect((await w.service.listRuns("lab")).lock).toBeNull();
  });
});

describe("maintenance mode", () => {
  it("on with a message, verified on every node and through the VIP; then off", async () => {
    const on = await w.service.startWorkflow(
      { clusterId: "lab", kind: "maintenance", params: { action: "enable", message: "Back at 18:00 <b>sharp</b>" }, overrides: [], acknowledged: true },
      operator,
    );
    await untilStatus(on, ["succeeded"]);
    const t = await truth();
    expect(Object.values(t.tiers.web.nodes).map((n) => n.maintenanceFlag)).toEqual([true, true]);
    const page = await fetch(`${w.lab.siteUrl}login/index.php`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("Back at 18:00 &lt;b&gt;sharp&lt;/b&gt;");

    const off = await w.service.startWorkflow({ clusterId: "lab", kind: "maintenance", params: { action: "disable" }, overrides: [], acknowledged: true }, operator);
    await untilStatus(off, ["succeeded"]);
    expect(Object.values((await truth()).tiers.web.nodes).map((n) => n.maintenanceFlag)).toEqual([false, false]);
    expect((await fetch(`${w.lab.siteUrl}login/index.php`)).status).toBe(200);
  });

  it("later: announces, counts down, and switching on early is the operator's call", async () => {
    const id = await w.service.startWorkflow(
      { clusterId: "lab", kind: "maintenance", params: { action: "enable-later", minutes: 30, message: "" }, overrides: [], acknowledged: true },
      operator,
    );
    const wait = await untilStep(id, "maintenance-countdown", ["running"]);
    const v = await run(id);
    const countdown = v.steps[wait]?.wait;
    expect(countdown?.until).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect(Object.values((await truth()).tiers.web.nodes).map((n) => n.maintenanceFlag)).toEqual([false, false]);
    await w.service.finishWaitEarly(id, wait, operator);
    await untilStatus(id, ["succeeded"]);
    expect(Object.values((await truth()).tiers.web.nodes).map((n) => n.maintenanceFlag)).toEqual([true, true]);
    const off = await w.service.startWorkflow({ clusterId: "lab", kind: "maintenance", params: { action: "disable" }, overrides: [], acknowledged: true }, operator);
    await untilStatus(off, ["succeeded"]);
  });
});

describe("rolling code update", () => {
  it("refuses a release with another $version: that is an upgrade", async () => {
    const plan = await w.service.previewWorkflow("lab", "code-update", { sourceHost: "web1", sourcePath: "/srv/releases/4.4.3", drainWaitSeconds: 0 }, operator);
    expect(plan.guards.find((g) => g.id === "same-version")).toMatchObject({ ok: false, overridable: false });
    expect(plan.guards.find((g) => g.id === "same-version")?.message).toMatch(/that is an upgrade/);
  });

  it("node by node: drain, dry run, approval, rsync, lint, reload, smoke test, undrain", async () => {
    const params = { sourceHost: "web1", sourcePath: "/srv/releases/4.4.2-hotfix", drainWaitSeconds: 0 };
    const plan = await w.service.previewWorkflow("lab", "code-update", params, operator);
    expect(plan.guards.filter((g) => !g.ok)).toEqual([]);
    const before = await truth();
    const id = await w.service.startWorkflow({ clusterId: "lab", kind: "code-update", params, overrides: [], acknowledged: true }, operator);
    const approve = await untilStep(id, "approve-web1", ["waiting"]);
    const dry = (await run(id)).steps.find((s) => s.key === "dry-run-web1");
    expect(dry?.commands[0]?.stdout).toMatch(/lib\/moodlelib\.php/);
    expect(weightsOf(await truth(), "192.168.10.11:80")).toEqual({ lb1: 0, lb2: 0 });
    await w.service.approveStep(id, approve, operator);
    const v = await clickThrough(id);
    expect(v.status).toBe("succeeded");
    const after = await truth();
    for (const node of ["web1", "web2"]) {
      expect(after.tiers.web.nodes[node]?.serves?.release).toMatch(/hotfix|4\.4\.2/);
      expect(after.tiers.web.nodes[node]?.opcacheResetAt).not.toBe(before.tiers.web.nodes[node]?.opcacheResetAt);
    }
    expect(weightsOf(after, "192.168.10.11:80")).toEqual({ lb1: 1, lb2: 1 });
    expect(weightsOf(after, "192.168.10.21:80")).toEqual({ lb1: 1, lb2: 1 });
    const lint = v.steps.find((s) => s.key === "lint-web1");
    expect(lint?.message).toMatch(/PHP files: no syntax errors/);
  });

  it("web2 powered off as its rsync starts: the run halts, web2 stays out of the pool, web1 serves; retry finishes it", async () => {
    const params = { sourceHost: "web1", sourcePath: "/srv/releases/4.4.2", drainWaitSeconds: 0 };
    const id = await w.service.startWorkflow({ clusterId: "lab", kind: "code-update", params, overrides: [], acknowledged: true }, operator);
    const first = await untilStep(id, "approve-web1", ["waiting"]);
    await w.service.approveStep(id, first, operator);
    const second = await untilStep(id, "approve-web2", ["waiting"]);
    await control("POST", "/faults", { kind: "vm-off", target: "web2" });
    try {
      await w.service.approveStep(id, second, operator);
      const halted = await untilStatus(id, ["needs-attention"], 90_000);
      const byKey = new Map(halted.steps.map((s) => [s.key, s]));
      expect(byKey.get("rsync-web2")?.status).toBe("rollback-failed");
      expect(byKey.get("drain-runtime-web2")?.status).toBe("succeeded");
      expect(byKey.get("undrain-verify-web1")?.status).toBe("succeeded");
      expect(halted.outcome).toMatch(/A rollback failed/);
      const t = await truth();
      // the node that may hold half a release gets no clients, on either balancer, even after it boots
      expect(weightsOf(t, "192.168.10.21:80")).toEqual({ lb1: 0, lb2: 0 });
      expect(ldirectordCf("lb1")).toMatch(/real=192\.168\.10\.21:80 gate 0/);
      expect(weightsOf(t, "192.168.10.11:80")).toEqual({ lb1: 1, lb2: 1 });
      expect(t.tiers.web.nodes.web1?.serves?.version).toBe("2024042202.02");
      expect((await w.service.listRuns("lab")).lock?.runId).toBe(id);
    } finally {
      await control("POST", "/faults/clear", { kind: "vm-off", target: "web2" });
    }
    await pollUntil(truth, (t) => t.tiers.web.nodes.web2?.serves !== null, 20_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(weightsOf(await truth(), "192.168.10.21:80")).toEqual({ lb1: 0, lb2: 0 });
    await w.service.retryRun(id, operator);
    await expect(w.service.resolveRun(id, "checked web2 by hand, all fine", admin)).rejects.toThrow(/cancel it instead/);
    const done = await clickThrough(id);
    expect(done.status).toBe("succeeded");
    const t = await truth();
    expect(t.tiers.web.nodes.web2?.serves?.version).toBe("2024042202.02");
    expect(weightsOf(t, "192.168.10.21:80")).toEqual({ lb1: 1, lb2: 1 });
    expect((await w.service.listRuns("lab")).lock).toBeNull();
  }, 180_000);
});

describe("Moodle upgrade", () => {
  it("pre-flight, dump on the replica, maintenance, code everywhere, upgrade.php once, purge, versions match, reopened", async () => {
    const params = { sourceHost: "web1", sourcePath: "/srv/releases/4.4.3", message: "Upgrading to 4.4.3" };
    // web2 has just rebooted (the test before): wait until the console sees it serving again
    const plan = await pollUntil(
      () => w.service.previewWorkflow("lab", "upgrade", params, operator),
      (p) => p.guards.every((g) => g.ok),
      30_000,
      500,
    );
    expect(plan.guards.filter((g) => !g.ok)).toEqual([]);
    expect(plan.steps.filter((s) => s.key === "upgrade").flatMap((s) => s.commands.map((c) => `${c.host}: ${c.line}`))).toEqual([
      "web1: sudo -n -u www-data /usr/bin/php /var/www/moodle/admin/cli/upgrade.php --non-interactive",
    ]);
    const id = await w.service.startWorkflow({ clusterId: "lab", kind: "upgrade", params, overrides: [], acknowledged: true }, operator);
    const dumped = await untilStep(id, "approve-maintenance", ["waiting"]);
    expect((await run(id)).steps.find((s) => s.key === "dump-check")?.message).toMatch(/complete$/);
    await w.service.approveStep(id, dumped, operator);
    const gate = await untilStep(id, "approve-upgrade", ["waiting"]);
    // before the database changes: the site is closed and both nodes carry the new code
    const mid = await truth();
    expect(Object.values(mid.tiers.web.nodes).map((n) => [n.maintenanceFlag, n.serves?.version])).toEqual([
      [true, "2024042203.00"],
      [true, "2024042203.00"],
    ]);
    expect(mid.tiers.database.servers.db1?.mdlConfigVersion).toBe("2024042202.02");
    await w.service.approveStep(id, gate, operator);
    const v = await clickThrough(id);
    expect(v.status).toBe("succeeded");
    const t = await truth();
    expect(t.tiers.database.servers.db1?.mdlConfigVersion).toBe("2024042203.00");
    expect(Object.values(t.tiers.web.nodes).map((n) => [n.maintenanceFlag, n.serves?.version])).toEqual([
      [false, "2024042203.00"],
      [false, "2024042203.00"],
    ]);
    const dump = fs.readFileSync(path.join(w.lab.dir, "vms", "db2", `var/backups/clusterdeck/moodle-${id}.sql`), "utf8");
    expect(dump.trimEnd().split("\n").at(-1)).toMatch(/^-- Dump completed on /);
    expect((await fetch(`${w.lab.siteUrl}login/index.php`)).status).toBe(200);
  }, 240_000);

  it("refuses while replication is broken; an admin's override is checked again at run time and recorded", async () => {
    await control("POST", "/faults", { kind: "replication-break", target: "db2" });
    try {
      const params = { sourceHost: "web1", sourcePath: "/srv/releases/4.5.0", message: "" };
      const plan = await pollUntil(
        () => w.service.previewWorkflow("lab", "upgrade", params, operator),
        (p) => p.guards.some((g) => g.id === "replication-healthy" && !g.ok),
        20_000,
      );
      expect(plan.guards.find((g) => g.id === "replication-healthy")?.message).toMatch(/db2: replication threads IO Yes, SQL No/);
      await expect(w.service.startWorkflow({ clusterId: "lab", kind: "upgrade", params, overrides: [], acknowledged: true }, operator)).rejects.toThrow(/refused: db2/);
      const reason = "replica rebuilt tonight anyway; dump taken from the source by hand";
      const id = await w.service.startWorkflow({ clusterId: "lab", kind: "upgrade", params, overrides: [{ guard: "replication-healthy", reason }], acknowledged: true }, admin);
      const gate = await untilStep(id, "approve-maintenance", ["waiting"]);
      const v = await run(id);
      expect(v.steps.find((s) => s.key === "preflight-replication")?.message).toMatch(/^overridden: db2: replication threads IO Yes, SQL No/);
      expect(v.overrides).toEqual([expect.objectContaining({ guard: "replication-healthy", reason, by: "ada" })]);
      expect(gate).toBeGreaterThan(0);
      await w.service.cancelRun(id, "changed my mind", operator);
      const cancelled = await untilStatus(id, ["cancelled"]);
      expect(cancelled.outcome).toMatch(/^Cancelled by olga/);
      expect(Object.values((await truth()).tiers.web.nodes).map((n) => n.maintenanceFlag)).toEqual([false, false]);
      const events = await w.db.event.findMany({ where: { kind: "workflow.override", actor: "ada" }, orderBy: { id: "asc" } });
      expect(events.at(-1)?.message).toContain(reason);
    } finally {
      await control("POST", "/faults/clear", { kind: "replication-break", target: "db2" });
    }
  });
});

