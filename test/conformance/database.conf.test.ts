import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type CommandContext, commandLine, hostCommands } from "@/lib/commands/registry";
import { sudoersLines, sudoersRules } from "@/lib/commands/sudoers";
import { workflowCommands } from "@/lib/commands/workflow";
import { databaseCommands, databaseGrants, ptHeartbeatGrants, readOnlyAdminView, replicationGrants } from "@/lib/commands/workflow-database";
import type { Operator } from "@/lib/auth/sessions";
import type { ClusterView } from "@/lib/cluster/findings-types";
import type { DatabaseState } from "@/lib/cluster/state";
import { ClusterSpec } from "@/lib/inventory/schema";
import { gtidPosCovers } from "@/lib/probes/mysql-gtid";
import { parseMysqlMasterStatus } from "@/lib/probes/mysql-master-status";
import { parseMysqlReplicaStatus } from "@/lib/probes/mysql-replica-status";
import { parseMysqlVitals } from "@/lib/probes/mysql-vitals";
import type { Parsed } from "@/lib/probes/types";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import { targetOf } from "@/lib/ssh/target";
import type * as DbModule from "@/lib/db";
import type * as Service from "@/lib/workflows/service";
import type { RunView } from "@/lib/workflows/types";
import { migratedDatabase } from "@/test/support/database";
import { type ConformanceHost, allocateAddress, consoleIdentity, installSudoers, startHost } from "@/test/conformance/support/host";
import { MARIADB_DIRS, type MariadbServer, clientOptionFile, startMariadb, writeHostFile } from "@/test/conformance/support/mariadb";
import { moodleConfigPhp } from "@/test/conformance/support/apache";
import { until } from "@/test/conformance/support/wait";

// The console on a real MariaDB 10.11 pair (Debian 12's mariadbd in two conformance hosts, a GTID replica with
// MASTER_USE_GTID=slave_pos, pt-heartbeat --utc --check-read-only beside each) and a web host holding Moodle's
// config.php (0640 www-data), reached over real sshd as the unprivileged console account, with exactly the
// generated sudoers lines and the documented GRANTs. Balancers and file servers cannot run here (IPVS, DRBD): they
// are absent from this inventory, so the drill's verdict and DRBD guards refuse and an admin overrides them, with a
// reason, as an operator would.

const CLUSTER = "conf-db";
const REPL_PASSWORD = `r3pl'pa\\ss"; --x`;
const CONSOLE_PASSWORD = "console-conformance-pw";
const MOODLE_PASSWORD = "moodle-conformance-pw";
const HEARTBEAT_PASSWORD = "pt-heartbeat-conformance-pw";
const CONFIG_PHP = "/var/www/moodle/config.php";
const admin: Operator = { id: "ad", username: "ada", role: "admin" };

let h1: ConformanceHost;
let h2: ConformanceHost;
let hw: ConformanceHost;
let db1: MariadbServer;
let db2: MariadbServer;
let cluster: ClusterSpec;
let pool: SshPool;
let sudoers: { remove(): void } | null = null;
let vip: { address: string; release(): void } | null = null;
let store: { url: string; dir: string } | null = null;
let workDir: string;
let service: typeof Service;
let prisma: typeof DbModule.db | null = null;

const portOf = (address: string) => (address === db1.host.address ? db1.port : address === db2.host.address ? db2.port : null);

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** a console command on a host, over sshd, as the console's account */
async function onHost(host: string, line: string): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const spec = cluster.hosts.find((h) => h.name === host);
  if (!spec) throw new Error(host);
  return pool.exec(targetOf(cluster, spec), line, { purpose: { kind: "test" } });
}

function probe(name: string, host: string): string {
  const cmd = hostCommands.find((c) => c.name === name);
  const spec = cluster.hosts.find((h) => h.name === host);
  if (!cmd || !spec) throw new Error(`${name} on ${host}`);
  const ctx: CommandContext = { cluster, host: spec, previous: () => undefined };
  const line = commandLine(cmd, ctx);
  if (line === null) throw new Error(`${name} does not apply to ${host}`);
  return line;
}

function value<T>(r: Parsed<T>): T {
  if (!r.ok) throw new Error(`unreadable: ${r.reason}\n${r.raw}`);
  return r.value;
}

async function readProbe<T>(name: string, host: string, parse: (s: string) => Parsed<T>): Promise<T> {
  const r = await onHost(host, probe(name, host));
  expect(r.exitCode, `${name} on ${host}: ${r.stderr}`).toBe(0);
  return value(parse(r.stdout));
}

async function truth(s: MariadbServer) {
  const [ro, binlogPos, slavePos, port, serverId] = (await s.sql("SELECT @@read_only, @@gtid_binlog_pos, @@gtid_slave_pos, @@port, @@server_id")).trim().split("\t");
  const slave = await s.row("SHOW ALL SLAVES STATUS");
  return { readOnly: ro === "1", binlogPos, slavePos, port: Number(port), serverId: Number(serverId), slave };
}

/** the replica has applied everything the source wrote (GTID positions) */
async function inStep(source: MariadbServer, replica: MariadbServer): Promise<boolean> {
  const [a, b] = [await truth(source), await truth(replica)];
  return a.binlogPos !== "" && b.slavePos === a.binlogPos;
}

async function view(): Promise<ClusterView> {
  const { getClusterView } = await import("@/lib/cluster/views");
  return getClusterView(CLUSTER);
}

const dbState = (v: ClusterView, name: string): DatabaseState | undefined => v.state.databases.find((d) => d.name === name);

/** the state as polled after `since`: every host answered a poll sent later */
async function freshView(since: number, ok: (v: ClusterView) => boolean = () => true, timeoutMs = 30_000): Promise<ClusterView> {
  const { readingsSince } = await import("@/lib/cluster/view-helpers");
  return until("a fresh reading of the cluster", view, (v) => readingsSince(v.state) > since && ok(v), timeoutMs);
}

/** config.php as a stock install leaves it, naming `dbhost` */
function configPhp(dbhost: string): string {
  return moodleConfigPhp({ dbhost, dbport: "", dbname: "moodle", dbuser: "moodle", dbpass: MOODLE_PASSWORD, prefix: "mdl_", wwwroot: "http://moodle.example", dataroot: "/var/moodledata" });
}

function dbhostNow(): string {
  const m = /^\$CFG->dbhost\s*=\s*'([^']*)'/m.exec(fs.readFileSync(hw.path(CONFIG_PHP), "utf8"));
  if (!m?.[1]) throw new Error("config.php has no dbhost");
  return m[1];
}

/**
 * Moodle's writes: each one a new connection to the database config.php names at that moment (as each Moodle
 * request reads config.php), a row with a unique number, counted as committed only when the server said so.
 */
class Writer {
  committed = new Set<number>();
  attempted = new Set<number>();
  /** where the last acknowledged write went */
  lastHost: string | null = null;
  refusals = new Map<string, number>();
  private next = 1;
  private running = true;
  private loop: Promise<void>;
  constructor() {
    this.loop = this.run();
  }
  private insert(n: number): Promise<{ ok: boolean; error: string; host: string }> {
    const host = dbhostNow();
    const port = portOf(host);
    return new Promise((resolve) => {
      execFile(
        "mariadb",
        ["--no-defaults", "-h", host, "-P", String(port ?? 3306), "-u", "moodle", "--connect-timeout=2", "-e", `INSERT INTO moodle.mdl_writes (id, via) VALUES (${n}, '${host}')`],
        { env: { ...process.env, MYSQL_PWD: MOODLE_PASSWORD }, timeout: 10_000 },
        (error, _stdout, stderr) => resolve({ ok: error === null, error: stderr.trim(), host }),
      );
    });
  }
  private async run(): Promise<void> {
    while (this.running) {
      const n = this.next++;
      this.attempted.add(n);
      const r = await this.insert(n);
      if (r.ok) {
        this.committed.add(n);
        this.lastHost = r.host;
      } else {
        const code = /ERROR (\d+)/.exec(r.error)?.[1] ?? r.error.slice(0, 40);
        this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

async function rowsOn(s: MariadbServer): Promise<Set<number>> {
  const out = await s.sql("SELECT id FROM moodle.mdl_writes");
  return new Set(out.split("\n").filter(Boolean).map(Number));
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-conf-db-"));
  [h1, h2, hw] = await Promise.all([
    startHost({ name: "db1", privateDirs: MARIADB_DIRS }),
    startHost({ name: "db2", privateDirs: MARIADB_DIRS }),
    startHost({ name: "web1", privateDirs: ["/var/www"] }),
  ]);
  // different ports, so that the drill proves it points each server at the other's own port
  [db1, db2] = await Promise.all([startMariadb(h1, { serverId: 1, port: 3306 }), startMariadb(h2, { serverId: 2, port: 3307 })]);
  const me = consoleIdentity();
  vip = allocateAddress();

  cluster = ClusterSpec.parse({
    id: CLUSTER,
    servers: [{ name: "A" }, { name: "B" }],
    hosts: [h1.spec("db", "A"), h2.spec("db", "B"), hw.spec("web", "A")].map((h, i) => ({ ...h, name: ["db1", "db2", "web1"][i] })),
    balancer: { vip: vip.address },
    database: { flavour: "mariadb" },
  });
  const dbSettings = cluster.database;
  const consoleAccount = { user: "clusterdeck", host: "localhost", heartbeatTable: dbSettings.heartbeatTable, moodleDatabase: dbSettings.moodleDatabase };

  // the source: Moodle's schema (the tables the console and this test use), pt-heartbeat's table, and every account, created
  // before the replica starts so that all of it reaches the replica by replication
  await db1.sql(
    [
      "CREATE DATABASE moodle DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
      "CREATE TABLE moodle.mdl_sessions (id BIGINT AUTO_INCREMENT PRIMARY KEY, state BIGINT NOT NULL DEFAULT 0, sid VARCHAR(128) NOT NULL UNIQUE, userid BIGINT NOT NULL, sessdata LONGTEXT, timecreated BIGINT NOT NULL, timemodified BIGINT NOT NULL, firstip VARCHAR(45), lastip VARCHAR(45))",
      "INSERT INTO moodle.mdl_sessions (sid, userid, timecreated, timemodified) VALUES ('s1', 2, UNIX_TIMESTAMP(), UNIX_TIMESTAMP()), ('s2', 3, UNIX_TIMESTAMP(), UNIX_TIMESTAMP() - 60), ('old', 4, 0, 0)",
      "CREATE TABLE moodle.mdl_config (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL UNIQUE, value LONGTEXT NOT NULL)",
      "INSERT INTO moodle.mdl_config (name, value) VALUES ('version', '2024100705.01'), ('release', '4.5.5+ (Build: 20250613)'), ('branch', '405'), ('dbsessions', '0')",
      "CREATE TABLE moodle.mdl_writes (id BIGINT PRIMARY KEY, via VARCHAR(64) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))",
      "CREATE DATABASE percona",
      // pt-heartbeat 3.2.1's --create-table shape
      "CREATE TABLE percona.heartbeat (ts varchar(26) NOT NULL, server_id int unsigned NOT NULL PRIMARY KEY, file varchar(255) DEFAULT NULL, position bigint unsigned DEFAULT NULL, relay_master_log_file varchar(255) DEFAULT NULL, exec_master_log_pos bigint unsigned DEFAULT NULL)",
      `CREATE USER 'moodle'@'%' IDENTIFIED BY ${sqlString(MOODLE_PASSWORD)}`,
      "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, CREATE TEMPORARY TABLES, DROP, INDEX, ALTER ON moodle.* TO 'moodle'@'%'",
      `CREATE USER 'repl'@'%' IDENTIFIED BY ${sqlString(REPL_PASSWORD)}`,
      ...replicationGrants("repl", "%"),
      `CREATE USER 'pt_heartbeat'@'localhost' IDENTIFIED BY ${sqlString(HEARTBEAT_PASSWORD)}`,
      ...ptHeartbeatGrants("mariadb", "pt_heartbeat", "localhost", dbSettings.heartbeatTable),
      `CREATE USER 'clusterdeck'@'localhost' IDENTIFIED BY ${sqlString(CONSOLE_PASSWORD)}`,
      ...readOnlyAdminView(),
      ...databaseGrants("mariadb", consoleAccount),
    ].join(";\n"),
  );
  await db2.sql(
    `CHANGE MASTER TO MASTER_HOST='${h1.address}', MASTER_PORT=${db1.port}, MASTER_USER='repl', MASTER_PASSWORD=${sqlString(REPL_PASSWORD)}, MASTER_USE_GTID=slave_pos; START SLAVE; SET GLOBAL read_only = ON`,
  );
  await until("the replica applies the source's set-up", () => inStep(db1, db2), Boolean);

  // what an administrator puts on each database host: the console's option file and the replication account's,
  // readable only by the SSH account, and the dump folder it owns
  for (const s of [db1, db2]) {
    await writeHostFile(s.host, dbSettings.defaultsFile, clientOptionFile({ user: "clusterdeck", password: CONSOLE_PASSWORD, socket: "/run/mysqld/mysqld.sock" }), me.user, 0o600);
    await writeHostFile(s.host, dbSettings.replicationCredentialsFile, clientOptionFile({ user: "repl", password: REPL_PASSWORD }), me.user, 0o600);
    await s.host.must(["install", "-d", "-o", me.user, "-m", "0700", "/var/backups/clusterdeck"]);
    s.startHeartbeat("pt_heartbeat", HEARTBEAT_PASSWORD);
  }
  // config.php as Moodle's installer leaves it: 0640, www-data's
  await hw.must(["install", "-d", "-m", "0755", "/var/www/moodle"]);
  await writeHostFile(hw, CONFIG_PHP, configPhp(h1.address), "www-data:www-data", 0o640);

  const rules = sudoersRules(cluster);
  sudoers = installSudoers("database", sudoersLines(me.user, [...rules.probes, ...rules.workflows].filter((r) => r.roles.some((role) => role === "db" || role === "web"))));

  fs.writeFileSync(path.join(workDir, "inventory.yaml"), stringify({ clusters: [cluster] }));
  store = migratedDatabase();
  process.env.DATABASE_URL = store.url;
  process.env.CLUSTERDECK_INVENTORY = path.join(workDir, "inventory.yaml");
  pool = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 5_000 });
  prisma = (await import("@/lib/db")).db;
  service = await import("@/lib/workflows/service");
  (await import("@/lib/cluster")).ensureCollectors();
  await until("pt-heartbeat writes on the source", () => db1.sql("SELECT COUNT(*) FROM percona.heartbeat WHERE server_id = 1"), (n) => n.trim() === "1");
}, 240_000);

afterAll(async () => {
  try {
    const { ensureCollectors } = await import("@/lib/cluster");
    for (const c of ensureCollectors().values()) c.stop();
    (await import("@/lib/ssh")).sshPool().closeAll();
  } catch {
    // nothing started
  }
  pool?.closeAll();
  await prisma?.$disconnect();
  sudoers?.remove();
  await Promise.all([db1?.stop(), db2?.stop()]);
  await Promise.all([h1?.stop(), h2?.stop(), hw?.stop()]);
  vip?.release();
  for (const d of [store?.dir, workDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
}, 120_000);

describe("the database probes on MariaDB 10.11, as the console's account with the documented grants", () => {
  it("read each server as it is: read_only, port, server_id, GTID positions, replication, heartbeat, sessions", async () => {
    // pt-heartbeat writes twice a second: the positions the probes read lie between the truth before and after
    const [t1, t2] = [await truth(db1), await truth(db2)];
    const v1 = await readProbe("mysql-vitals", "db1", parseMysqlVitals);
    const v2 = await readProbe("mysql-vitals", "db2", parseMysqlVitals);
    const [a1, a2] = [await truth(db1), await truth(db2)];
    const between = (read: string | undefined, before: string | undefined, after: string | undefined) => gtidPosCovers(read, before) === true && gtidPosCovers(after, read) === true;
    expect(v1.unanswered).toEqual([]);
    expect(v2.unanswered).toEqual([]);
    expect(v1).toMatchObject({ readOnly: false, superReadOnly: null, server: { port: 3306, serverId: 1 }, moodleSessions: 2, readOnlyAdmins: { sessions: 0 } });
    expect(v1.server?.version).toMatch(/^10\.11\.\d+-MariaDB/);
    expect(v2).toMatchObject({ readOnly: true, server: { port: 3307, serverId: 2 } });
    expect(between(v1.gtid?.binlogPos, t1.binlogPos, a1.binlogPos), `${t1.binlogPos} ≤ ${v1.gtid?.binlogPos} ≤ ${a1.binlogPos}`).toBe(true);
    expect(between(v2.gtid?.slavePos, t2.slavePos, a2.slavePos), `${t2.slavePos} ≤ ${v2.gtid?.slavePos} ≤ ${a2.slavePos}`).toBe(true);
    // the source's own row is fresh (pt-heartbeat --utc); the replica has the source's row and none of its own
    expect(v1.heartbeats?.find((h) => h.serverId === 1)?.ageSeconds).toBeLessThan(3);
    expect(v2.heartbeats?.map((h) => h.serverId)).toEqual([1]);

    const r2 = await readProbe("mysql-replica-status", "db2", parseMysqlReplicaStatus);
    expect(r2.channels[0]).toMatchObject({ ioRunning: "Yes", sqlRunning: "Yes", sourceHost: h1.address, sourcePort: 3306, sourceUser: "repl", sourceServerId: 1 });
    expect(r2.channels[0]?.gtid.usingGtid).toBe("Slave_Pos");
    expect(between(r2.channels[0]?.gtid.slavePos ?? undefined, t2.slavePos, (await truth(db2)).slavePos)).toBe(true);
    expect(await readProbe("mysql-replica-status", "db1", parseMysqlReplicaStatus)).toEqual({ isReplica: false, channels: [] });
    const m1 = await readProbe("mysql-master-status", "db1", parseMysqlMasterStatus);
    expect(m1.binlogEnabled && between(m1.gtidBinlogPos ?? undefined, t1.binlogPos, (await truth(db1)).binlogPos)).toBe(true);

    // through the collector: the Database page's state, lag from the source's own row, no finding
    const v = await freshView(Date.now(), (x) => dbState(x, "db2")?.heartbeatLagSeconds !== null);
    expect(dbState(v, "db1")).toMatchObject({ readOnly: false, port: 3306, serverId: 1, replication: { isReplica: false } });
    expect(dbState(v, "db2")).toMatchObject({ readOnly: true, port: 3307, replication: { isReplica: true } });
    expect(dbState(v, "db2")?.heartbeatLagSeconds).toBeLessThan(5);
    expect(v.findings.filter((f) => f.tier === "database")).toEqual([]);
    expect(v.state.hosts.flatMap((h) => (h.role === "db" ? h.problems : []))).toEqual([]);
  });

  it("read broken replication (a conflicting row) and a stopped SQL thread as they are", async () => {
    await db2.sql("SET SESSION sql_log_bin = 0; INSERT INTO moodle.mdl_writes (id, via) VALUES (-1, 'replica')");
    await db1.sql("INSERT INTO moodle.mdl_writes (id, via) VALUES (-1, 'source')");
    const broken = await until("the replica's SQL thread stops", () => readProbe("mysql-replica-status", "db2", parseMysqlReplicaStatus), (r) => r.channels[0]?.sqlRunning === "No");
    expect(broken.channels[0]).toMatchObject({ ioRunning: "Yes", sqlRunning: "No", lastSqlErrno: 1062, secondsBehind: null });
    expect(broken.channels[0]?.lastSqlError).toMatch(/Duplicate entry '-1' for key 'PRIMARY'/);
    const v = await freshView(Date.now(), (x) => x.findings.some((f) => f.rule === "replication-sql-stopped"));
    expect(v.findings.find((f) => f.rule === "replication-error")?.message).toMatch(/^replication on db2 reports SQL error 1062: /);
    // repaired as a DBA would: the replica's stray row goes, replication resumes
    await db2.sql("STOP SLAVE; SET SESSION sql_log_bin = 0; DELETE FROM moodle.mdl_writes WHERE id = -1; START SLAVE");
    await until("replication resumes", () => readProbe("mysql-replica-status", "db2", parseMysqlReplicaStatus), (r) => r.channels[0]?.sqlRunning === "Yes");

    await db2.sql("STOP SLAVE SQL_THREAD");
    await db1.sql("DELETE FROM moodle.mdl_writes WHERE id = -1");
    const stopped = await readProbe("mysql-replica-status", "db2", parseMysqlReplicaStatus);
    expect(stopped.channels[0]).toMatchObject({ ioRunning: "Yes", sqlRunning: "No", lastSqlErrno: 0, lastSqlError: null, secondsBehind: null });
    await db2.sql("START SLAVE SQL_THREAD");
    await until("the replica catches up", () => inStep(db1, db2), Boolean);
  });

  it("take the upgrade's dump on the replica: 0600, complete", async () => {
    const file = "/var/backups/clusterdeck/moodle-conformance.sql";
    const dump = await onHost("db2", workflowCommands.dump.build(cluster, { file }));
    expect(dump, dump.stderr).toMatchObject({ exitCode: 0 });
    const check = await onHost("db2", workflowCommands.dumpCheck.build(cluster, { file }));
    const [size, last] = check.stdout.trim().split("\n");
    expect(Number(size)).toBeGreaterThan(1000);
    expect(last).toMatch(/^-- Dump completed on /);
    const st = fs.statSync(h2.path(file));
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(Number((await h2.must(["id", "-u", consoleIdentity().user])).trim()));
    expect(fs.readFileSync(h2.path(file), "utf8")).toContain("CREATE TABLE `mdl_writes`");
  });
});

async function acknowledgeFailovers(): Promise<void> {
  const { acknowledgeFailover } = await import("@/lib/drills/score");
  if (!prisma) return;
  for (const m of await prisma.failoverMark.findMany({ where: { ackAt: null, tier: "database" } })) await acknowledgeFailover(CLUSTER, m.id, "ada");
}

async function runOf(id: string): Promise<RunView> {
  return service.getRunView(CLUSTER, id);
}

/** the graceful drill from `from` to `to`, end to end by the workflow engine, the writer writing throughout */
async function drill(from: MariadbServer, to: MariadbServer): Promise<RunView> {
  const [fromName, toName] = from === db1 ? ["db1", "db2"] : ["db2", "db1"];
  const plan = await until(
    "a plan whose only refusals are the tiers absent here",
    () => service.previewWorkflow(CLUSTER, "drill-database", {}, admin),
    (p) => p.guards.filter((g) => !g.ok).every((g) => /^verdict-|^drbd-uptodate$/.test(g.id)),
    60_000,
    1000,
  );
  expect(plan.title).toBe(`Database promotion drill (graceful): ${fromName} → ${toName}`);
  const refusing = plan.guards.filter((g) => !g.ok);
  expect(refusing.map((g) => g.id).sort()).toEqual(["drbd-uptodate", `verdict-${from === db1 ? "A" : "B"}`]);
  expect(plan.warnings.join("\n")).toContain("read_only does not stop accounts holding READ_ONLY ADMIN");
  const steps = Object.fromEntries(plan.steps.map((s) => [s.key, s.commands.map((c) => `${c.host}: ${c.line}`)]));
  expect(steps["source-read-only"]?.[1]).toBe(`${fromName}: mysql --defaults-file=/etc/mysql/clusterdeck.cnf -e 'SET GLOBAL read_only = ON'`);
  expect(steps["old-source-replicates"]?.[0]).toContain(`MASTER_HOST='\\''${to.host.address}'\\'', MASTER_PORT=${to.port}, MASTER_USE_GTID=slave_pos`);
  expect(JSON.stringify(plan)).not.toContain(REPL_PASSWORD.slice(0, 6));

  const id = await service.startWorkflow(
    {
      clusterId: CLUSTER,
      kind: "drill-database",
      params: {},
      overrides: refusing.map((g) => ({ guard: g.id, reason: "no balancers or file servers in this conformance cluster: IPVS and DRBD cannot run here" })),
      acknowledged: true,
    },
    admin,
  );
  const done = await until("the drill ends", () => runOf(id), (r) => !["running", "waiting"].includes(r.status), 150_000, 250);
  expect(done.status, JSON.stringify(done.steps.map((s) => [s.key, s.status, s.message]))).toBe("succeeded");
  return done;
}

describe("the graceful promotion drill on MariaDB 10.11, end to end by the workflow engine", () => {
  it("refuses to go read-only while a READ_ONLY ADMIN session could still write on the source", async () => {
    // an administrator's root session by the socket: root holds READ_ONLY ADMIN
    const sleeper = h1.daemon(["mariadb", "--socket=/run/mysqld/mysqld.sock", "-e", "SELECT SLEEP(30)"]);
    try {
      const v = await freshView(Date.now(), (x) => (dbState(x, "db1")?.readOnlyAdmins?.sessions ?? 0) > 0);
      expect(dbState(v, "db1")?.readOnlyAdmins).toEqual({ sessions: 1, accounts: ["root@localhost"] });
      const plan = await service.previewWorkflow(CLUSTER, "drill-database", {}, admin);
      expect(plan.guards.find((g) => g.id === "read-only-admins")).toMatchObject({ ok: false, overridable: true });
      expect(plan.guards.find((g) => g.id === "read-only-admins")?.message).toMatch(/^1 session of root@localhost on db1 hold READ_ONLY ADMIN: read_only would not stop them/);
    } finally {
      sleeper.kill("SIGKILL");
      await db1.sql("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%'").then((ids) =>
        Promise.all(ids.split("\n").filter(Boolean).map((pid) => db1.sql(`KILL ${pid}`))),
      );
    }
  });

  it("db1 → db2 and back with Moodle writing throughout: no transaction lost, the old source replicates again with its credentials", async () => {
    const writer = new Writer();
    try {
      await until("Moodle writes to db1", async () => writer.committed.size, (n) => n >= 5);
      const there = await drill(db1, db2);
      expect(dbhostNow()).toBe(h2.address);
      const t1 = await truth(db1);
      const t2 = await truth(db2);
      expect(t2.readOnly).toBe(false);
      expect(t1.readOnly).toBe(true);
      // the old source replicates from the new one's own port, by GTID, with the password read on db1 from its file
      expect(t1.slave).toMatchObject({ Master_Host: h2.address, Master_Port: "3307", Master_User: "repl", Slave_IO_Running: "Yes", Slave_SQL_Running: "Yes", Using_Gtid: "Slave_Pos", Last_IO_Errno: "0" });
      const countBefore = writer.committed.size;
      await until("Moodle writes to db2", async () => [writer.committed.size, writer.lastHost] as const, ([n, host]) => n >= countBefore + 5 && host === h2.address);
      console.log(`db1 → db2: ${there.steps.find((s) => s.key === "scorecard")?.message}`);

      await acknowledgeFailovers();
      const back = await drill(db2, db1);
      expect(dbhostNow()).toBe(h1.address);
      const [b1, b2] = [await truth(db1), await truth(db2)];
      expect(b1.readOnly).toBe(false);
      expect(b2.readOnly).toBe(true);
      expect(b2.slave).toMatchObject({ Master_Host: h1.address, Master_Port: "3306", Slave_IO_Running: "Yes", Slave_SQL_Running: "Yes", Using_Gtid: "Slave_Pos" });
      const countBack = writer.committed.size;
      await until("Moodle writes to db1 again", async () => [writer.committed.size, writer.lastHost] as const, ([n, host]) => n >= countBack + 5 && host === h1.address);
      console.log(`db2 → db1: ${back.steps.find((s) => s.key === "scorecard")?.message}`);
      await acknowledgeFailovers();
    } finally {
      await writer.stop();
    }
    // every write the servers acknowledged is on both, and nothing appeared that was not attempted
    await until("the replica applies the last writes", () => inStep(db1, db2), Boolean);
    const [rows1, rows2] = [await rowsOn(db1), await rowsOn(db2)];
    const lost = [...writer.committed].filter((n) => !rows1.has(n) || !rows2.has(n));
    expect(lost).toEqual([]);
    expect([...rows1].filter((n) => !writer.attempted.has(n))).toEqual([]);
    expect([...rows2].sort((a, b) => a - b)).toEqual([...rows1].sort((a, b) => a - b));
    console.log(`writer: ${writer.committed.size} commits, refusals ${JSON.stringify(Object.fromEntries(writer.refusals))}`);
    expect(writer.committed.size).toBeGreaterThan(20);

    // the replication password is nowhere the console keeps things: audit, runs, steps, events
    if (!prisma) throw new Error("no store");
    const kept = JSON.stringify([await prisma.commandRun.findMany(), await prisma.workflowRun.findMany(), await prisma.workflowStep.findMany(), await prisma.event.findMany()]);
    expect(kept).toContain("my_print_defaults");
    expect(kept).not.toContain("r3pl");
  });

  it("says why a refused drill command failed: the ERROR line, not MariaDB's echo of the statement", async () => {
    const r = await onHost("db1", databaseCommands.readOnly.build({ ...cluster, database: { ...cluster.database, flavour: "mysql" } }, { on: true }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe("--------------");
    const { mysqlErrorLine } = await import("@/lib/probes/mysql-client-error");
    expect(mysqlErrorLine(r.stderr, r.stdout)).toBe("ERROR 1193 (HY000) at line 1: Unknown system variable 'super_read_only'");
  });
});

describe("what MariaDB 10.11's read_only stops (the fact the drill's READ_ONLY ADMIN check rests on)", () => {
  it("refuses an account with SUPER alone (1290), lets one with READ_ONLY ADMIN and root write", async () => {
    // on the replica, last: these writes leave transactions of its own in its binary log
    await db2.sql(
      [
        "SET SESSION sql_log_bin = 0",
        "CREATE DATABASE scratch",
        "CREATE TABLE scratch.t (who VARCHAR(16))",
        "CREATE USER 'su'@'localhost' IDENTIFIED BY 'x'",
        "GRANT SUPER ON *.* TO 'su'@'localhost'",
        "GRANT INSERT ON scratch.* TO 'su'@'localhost'",
        "CREATE USER 'roa'@'localhost' IDENTIFIED BY 'x'",
        "GRANT READ_ONLY ADMIN ON *.* TO 'roa'@'localhost'",
        "GRANT INSERT ON scratch.* TO 'roa'@'localhost'",
      ].join("; "),
    );
    expect((await truth(db2)).readOnly).toBe(true);
    const insert = (user: string | null) =>
      h2.run(["mariadb", "--socket=/run/mysqld/mysqld.sock", ...(user ? [`-u${user}`, "-px"] : []), "-e", `INSERT INTO scratch.t VALUES ('${user ?? "root"}')`]);
    const su = await insert("su");
    expect(su.code).toBe(1);
    expect(su.stderr).toContain("ERROR 1290 (HY000) at line 1: The MariaDB server is running with the --read-only option so it cannot execute this statement");
    expect((await insert("roa")).code).toBe(0);
    expect((await insert(null)).code).toBe(0);
    expect((await db2.sql("SELECT who FROM scratch.t ORDER BY who")).trim().split("\n")).toEqual(["roa", "root"]);
  });
});
