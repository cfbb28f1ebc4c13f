import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "@/test/support/lab";
import { type WorkflowLab, admin, operator, startWorkflowLab } from "@/test/support/workflows";

// The database promotion drill against the lab: the SQL and the config.php edit run over SSH on the
// lab's hosts, and the lab's /truth says which server really takes writes, who replicates from whom
// and which database each web node's config.php names.

let w: WorkflowLab;

beforeAll(async () => {
  w = await startWorkflowLab({ seed: 7, speed: 5 });
});

afterAll(async () => {
  await w?.stop();
});

interface DbServerTruth {
  running: boolean;
  readOnly: boolean;
  superReadOnly: boolean;
  replica: { source: string; ioThread: string; sqlThread: string; lastIoError: string; lastSqlErrno: number; relayBacklog: number } | null;
}

interface DbTruth {
  tiers: {
    database: { writable: string[]; servers: Record<"db1" | "db2", DbServerTruth> };
    web: { nodes: Record<string, { dbhost: string | null }> };
  };
}

const ADDRESS = { db1: "192.168.10.18", db2: "192.168.10.28" } as const;

const dbTruth = async () => (await w.truth()) as unknown as DbTruth;

function figures(score: { measurements: string } | null): Record<string, number | null> {
  return Object.fromEntries((JSON.parse(score?.measurements ?? "[]") as { name: string; value: number | null }[]).map((m) => [m.name, m.value]));
}

async function acknowledgeDatabaseFailover(): Promise<void> {
  const { acknowledgeFailover } = await import("@/lib/drills/score");
  for (const m of await w.db.failoverMark.findMany({ where: { ackAt: null, tier: "database" } })) await acknowledgeFailover("lab", m.id, "olga");
}

/** a graceful drill from `from` to `to`, checked against the lab's truth */
async function gracefulDrill(from: "db1" | "db2", to: "db1" | "db2"): Promise<void> {
  const plan = await pollUntil(
    () => w.service.previewWorkflow("lab", "drill-database", {}, operator),
    (p) => p.guards.every((g) => g.ok),
    60_000,
    1000,
  );
  expect(plan.guards.filter((g) => !g.ok)).toEqual([]);
  expect(plan.title).toBe(`Database promotion drill (graceful): ${from} → ${to}`);
  // the reads a preview runs on the hosts (the web nodes' $CFG->dbhost) are audited under the operator who asked
  const planReads = await pollUntil(
    () => w.db.commandRun.findMany({ where: { purpose: "action:plan:moodle-dbhost-read" } }),
    (rows) => rows.length > 0,
    10_000,
    100,
  );
  expect(new Set(planReads.map((r) => r.actor))).toEqual(new Set([operator.username]));
  // MariaDB (the lab's default flavour): who holds READ_ONLY ADMIN first, then read_only (it has no super_read_only)
  const readOnly = plan.steps.find((s) => s.key === "source-read-only")?.commands.map((c) => `${c.host}: ${c.line}`) ?? [];
  expect(readOnly[0]).toMatch(new RegExp(`^${from}: mysql --defaults-file=/etc/mysql/clusterdeck.cnf -B -N -e .*FROM clusterdeck.read_only_admin_sessions`));
  expect(readOnly[1]).toBe(`${from}: mysql --defaults-file=/etc/mysql/clusterdeck.cnf -e 'SET GLOBAL read_only = ON'`);
  expect(plan.steps.find((s) => s.key === "point-moodle")?.commands[0]?.line).toBe(
    `sudo -n sed -i -E 's/^(\\$CFG->dbhost[[:space:]]*=[[:space:]]*)'\\''[^'\\'']*'\\''/\\1'\\''${ADDRESS[to]}'\\''/' /var/www/moodle/config.php`,
  );
  const id = await w.service.startWorkflow({ clusterId: "lab", kind: "drill-database", params: {}, overrides: [], acknowledged: true }, operator);
  const v = await w.untilStatus(id, ["succeeded"], 240_000);
  const t = await pollUntil(dbTruth, (x) => x.tiers.database.servers[from].replica?.ioThread === "Yes", 20_000);
  expect(t.tiers.database.writable).toEqual([to]);
  expect(t.tiers.database.servers[to]).toMatchObject({ readOnly: false, replica: null });
  expect(t.tiers.database.servers[from]).toMatchObject({ readOnly: true, replica: { source: ADDRESS[to], ioThread: "Yes", sqlThread: "Yes", lastIoError: "", lastSqlErrno: 0 } });
  expect(Object.values(t.tiers.web.nodes).map((n) => n.dbhost)).toEqual([ADDRESS[to], ADDRESS[to]]);
  expect((await fetch(`${w.lab.siteUrl}login/index.php`)).status).toBe(200);
  const score = await w.db.drillScore.findUnique({ where: { runId: id } });
  expect(score).toMatchObject({ passed: true, aborted: false, kind: "database", target: from });
  const f = figures(score);
  expect(f.transactionsLost).toBe(0);
  expect(f.unappliedBytes).toBe(0);
  expect(f.readOnlySeconds).toBeGreaterThan(0);
  expect(f.readOnlySeconds).toBeLessThan(60);
  expect(v.steps.find((s) => s.key === "scorecard")?.message).toMatch(/^passed: 3 of 3 expectations met/);
  console.log(`graceful ${from}→${to}: ${v.steps.find((s) => s.key === "scorecard")?.message}`);
  expect(await w.db.failoverMark.count({ where: { ackAt: null, tier: "database" } })).toBe(1);
}

describe("database promotion drill", () => {
  it("graceful: db1 read-only, db2 catches up and is promoted, db1 replicates from db2, Moodle points at db2; then back", async () => {
    await gracefulDrill("db1", "db2");
    // anti-flap: the next database drill waits for an acknowledgement
    const blocked = await w.service.previewWorkflow("lab", "drill-database", {}, operator);
    expect(blocked.guards.find((g) => g.id === "failover-acknowledged")).toMatchObject({ ok: false, overridable: false });
    await acknowledgeDatabaseFailover();
    await gracefulDrill("db2", "db1");
    await acknowledgeDatabaseFailover();
  }, 600_000);

  it("a replica too slow to catch up crosses the read-only bound: db1 gets its writes back, replication goes on as before", async () => {
    await pollUntil(() => w.service.previewWorkflow("lab", "drill-database", { maxReadOnlySeconds: 1 }, operator), (p) => p.guards.every((g) => g.ok), 60_000, 1000);
    await w.control("POST", "/faults", { kind: "replica-slow", target: "db2" });
    try {
      // a backlog builds while db2 applies one event every 1.5 s of model time; the verdict sees the lag
      const plan = await pollUntil(
        () => w.service.previewWorkflow("lab", "drill-database", { maxReadOnlySeconds: 1 }, operator),
        (p) => p.guards.some((g) => g.id === "verdict-A" && !g.ok),
        30_000,
        500,
      );
      const refusing = plan.guards.filter((g) => !g.ok);
      expect(refusing.map((g) => g.id)).toEqual(["verdict-A"]);
      const overrides = refusing.map((g) => ({ guard: g.id, reason: "testing that the drill aborts on its own" }));
      const id = await w.service.startWorkflow({ clusterId: "lab", kind: "drill-database", params: { maxReadOnlySeconds: 1 }, overrides, acknowledged: true }, admin);
      const v = await w.untilStatus(id, ["failed"], 120_000);
      expect(v.steps.map((s) => [s.key, s.status]).filter(([, st]) => st === "failed"), JSON.stringify(v.steps.map((s) => [s.key, s.status, s.message]))).toEqual([["catch-up", "failed"]]);
      // by GTID where the pair uses them (transactions), else by position (bytes)
      expect(v.steps.find((s) => s.key === "catch-up")?.message).toMatch(/^bound crossed: read-only for [\d.]+ s \(limit 1 s\); db2 is \d+ (bytes|transactions) behind/);
      expect(v.steps.find((s) => s.key === "source-read-only")?.status).toBe("rolled-back");
      expect(v.steps.find((s) => s.key === "promote")?.status).toBe("cancelled");
      // the real-mariadbd backend's truth is read every second: wait for it to take in the rollback
      const t = await pollUntil(dbTruth, (x) => x.tiers.database.writable.join() === "db1", 10_000);
      expect(t.tiers.database.writable).toEqual(["db1"]);
      expect(t.tiers.database.servers.db1).toMatchObject({ readOnly: false, replica: null });
      expect(t.tiers.database.servers.db2).toMatchObject({ readOnly: true, replica: { source: ADDRESS.db1, ioThread: "Yes", sqlThread: "Yes" } });
      expect(Object.values(t.tiers.web.nodes).map((n) => n.dbhost)).toEqual([ADDRESS.db1, ADDRESS.db1]);
      const score = await w.db.drillScore.findUnique({ where: { runId: id } });
      expect(score).toMatchObject({ passed: false, aborted: true });
      expect(await w.db.failoverMark.count({ where: { ackAt: null, tier: "database" } })).toBe(0);
    } finally {
      await w.control("POST", "/faults/clear", { kind: "replica-slow", target: "db2" });
    }
  }, 180_000);

  it("forced: with db1 off the plan states the data at risk; db2 is promoted and Moodle points at it", async () => {
    await pollUntil(dbTruth, (t) => t.tiers.database.servers.db2.replica?.relayBacklog === 0, 120_000);
    await w.control("POST", "/faults", { kind: "vm-off", target: "db1" });
    const plan = await pollUntil(
      () => w.service.previewWorkflow("lab", "drill-database", { mode: "forced" }, operator),
      (p) => p.guards.find((g) => g.id === "source-dead")?.ok === true,
      60_000,
      1000,
    );
    expect(plan.warnings[0]).toMatch(/^Data at risk: whatever db1 committed that db2 had not received is lost\. Last seen, db2 was [\d.]+ s behind/);
    const refusing = plan.guards.filter((g) => !g.ok);
    expect(refusing.every((g) => g.overridable)).toBe(true);
    expect(refusing.map((g) => g.id)).toContain("verdict-A");
    await expect(w.service.startWorkflow({ clusterId: "lab", kind: "drill-database", params: { mode: "forced" }, overrides: [], acknowledged: true }, admin)).rejects.toThrow(/refused/);
    const id = await w.service.startWorkflow(
      { clusterId: "lab", kind: "drill-database", params: { mode: "forced" }, overrides: refusing.map((g) => ({ guard: g.id, reason: "db1 is dead: that is the drill" })), acknowledged: true },
      admin,
    );
    const v = await w.untilStatus(id, ["succeeded"], 240_000);
    const t = await dbTruth();
    expect(t.tiers.database.writable).toEqual(["db2"]);
    expect(t.tiers.database.servers.db2).toMatchObject({ readOnly: false, replica: null });
    expect(Object.values(t.tiers.web.nodes).map((n) => n.dbhost)).toEqual([ADDRESS.db2, ADDRESS.db2]);
    const score = await w.db.drillScore.findUnique({ where: { runId: id } });
    expect(score).toMatchObject({ aborted: false, kind: "database" });
    expect(figures(score).secondsAtRisk).not.toBeUndefined();
    console.log(`forced: ${v.steps.find((s) => s.key === "scorecard")?.message}`);
  }, 300_000);
});
