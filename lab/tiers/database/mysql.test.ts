import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { VmName } from "../../model/types";
import type { TestWorld } from "../test-world";
import { exec, fixture, startTiers, traffic } from "../test-world";

let world: TestWorld | null = null;
afterEach(() => {
  world?.cleanup();
  world = null;
});

/** these tests hold the MySQL flavours to their own outputs; mariadb.test.ts holds the default, MariaDB 10.11 */
function start(settings: Parameters<typeof startTiers>[0] = {}): TestWorld {
  world = startTiers({ mysqlFlavour: "mysql8", ...settings });
  return world;
}

const DEFAULTS = "--defaults-file=/etc/mysql/clusterdeck.cnf";

async function sql(w: TestWorld, vm: VmName, query: string, ...flags: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return exec(w, vm, ["mysql", DEFAULTS, ...flags, "-e", query]);
}

/** field names of a `\G` block, in order */
function fieldNames(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => /^\s*[A-Za-z_]+: ?/.test(l))
    .map((l) => l.trim().split(":")[0] ?? "");
}

function field(text: string, name: string): string | undefined {
  const m = new RegExp(`^\\s*${name}: (.*)$`, "m").exec(text);
  return m?.[1];
}

describe("mysql output formats", () => {
  it("SHOW REPLICA STATUS\\G on MySQL 8 has the 8.0.22+ fields, right-aligned", async () => {
    const w = start();
    const r = await sql(w, "db2", "SHOW REPLICA STATUS\\G");
    expect(r.code).toBe(0);
    const ref = fixture("mysql-replica-status/mysql80-docs-healthy-gtid.txt");
    expect(fieldNames(r.stdout)).toEqual(fieldNames(ref));
    expect(r.stdout.split("\n")[0]).toBe(ref.split("\n")[0]);
    const colon = (t: string): Set<number> => new Set(t.split("\n").slice(1).filter(Boolean).map((l) => l.indexOf(":")));
    expect(colon(r.stdout)).toEqual(colon(ref));
  });

  it("SHOW SLAVE STATUS on MySQL 5.7 and SHOW REPLICA STATUS on MariaDB print the old names", async () => {
    const w57 = start({ mysqlFlavour: "mysql57" });
    const r57 = await sql(w57, "db2", "SHOW SLAVE STATUS\\G");
    expect(fieldNames(r57.stdout)).toEqual(fieldNames(fixture("mysql-slave-status/mysql57-healthy-gtid-Hanafeevrus.txt")));
    expect((await sql(w57, "db2", "SHOW REPLICA STATUS")).stderr).toMatch(/^ERROR 1064 \(42000\) at line 1: You have an error in your SQL syntax/);
    w57.cleanup();
    const wm = startTiers({ mysqlFlavour: "mariadb" });
    world = wm;
    const rm = await sql(wm, "db2", "SHOW REPLICA STATUS\\G");
    expect(fieldNames(rm.stdout)).toEqual(fieldNames(readFileSync(new URL("./__fixtures__/mariadb-10.11/show-slave-status-G-healthy-gtid.txt", import.meta.url), "utf8")));
  });

  it("SHOW SLAVE STATUS on MySQL 8 keeps the old column names", async () => {
    const w = start();
    const r = await sql(w, "db2", "SHOW SLAVE STATUS\\G");
    expect(field(r.stdout, "Slave_IO_Running")).toBe("Yes");
    expect(field(r.stdout, "Seconds_Behind_Master")).toBe("0");
    expect(r.stdout).toContain("Get_master_public_key: 0");
  });

  it("SHOW MASTER STATUS\\G matches the manual's fields", async () => {
    const w = start();
    const r = await sql(w, "db1", "SHOW MASTER STATUS\\G");
    expect(fieldNames(r.stdout)).toEqual(fieldNames(fixture("mysql-master-status/mysql-docs-show-master-status-G-gtid.txt")));
    expect(field(r.stdout, "File")).toMatch(/^binlog\.\d{6}$/);
  });

  it("prints tables, batch output and batch without headers", async () => {
    const w = start();
    expect((await sql(w, "db2", "SELECT @@read_only", "-t")).stdout).toBe(
      "+-------------+\n| @@read_only |\n+-------------+\n|           1 |\n+-------------+\n",
    );
    expect((await sql(w, "db2", "SELECT @@read_only")).stdout).toBe("@@read_only\n1\n");
    expect((await sql(w, "db2", "SELECT @@global.read_only, @@global.super_read_only", "-B", "-N")).stdout).toBe("1\t1\n");
    expect((await sql(w, "db1", "SELECT @@server_id", "-s")).stdout).toBe("1\n");
    const tty = await exec(w, "db1", ["mysql", DEFAULTS, "-e", "SELECT 1+1"], { env: { SSH_TTY: "/dev/pts/0" } });
    expect(tty.stdout).toBe("+-----+\n| 1+1 |\n+-----+\n|   2 |\n+-----+\n");
  });

  it("SHOW GLOBAL STATUS in batch mode looks like the client's tab-separated output", async () => {
    const w = start();
    const r = await sql(w, "db1", "SHOW GLOBAL STATUS");
    const ref = fixture("mysql-global-status/show-global-status-and-variables-batch-tsv-pmp.txt");
    expect(r.stdout.split("\n")[0]).toBe(ref.split("\n")[0]);
    expect(r.stdout).toMatch(/^Threads_connected\t\d+$/m);
    expect(ref).toMatch(/^Threads_connected\t\d+$/m);
    const like = await sql(w, "db1", "SHOW GLOBAL STATUS LIKE 'Threads_connected'", "-N");
    expect(like.stdout).toMatch(/^Threads_connected\t\d+\n$/);
  });

  it("answers syntax errors and a stopped server like the client does", async () => {
    const w = start();
    const bad = await sql(w, "db1", "SELEC 1");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'SELEC 1' at line 1\n",
    );
    w.setService("db1", "mysql", false);
    const down = await sql(w, "db1", "SELECT 1");
    expect(down).toEqual({
      stdout: "",
      stderr: "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)\n",
      code: 1,
    });
    const remote = await exec(w, "web1", ["mysql", "-h", "192.168.10.18", "-e", "SELECT 1"]);
    expect(remote.stderr).toBe("ERROR 2003 (HY000): Can't connect to MySQL server on '192.168.10.18:3306' (111)\n");
    expect((await exec(w, "db1", ["mysqladmin", DEFAULTS, "ping"])).code).toBe(1);
  });

  it("mysqladmin status has the one-line format", async () => {
    const w = start();
    const r = await exec(w, "db1", ["mysqladmin", DEFAULTS, "status"]);
    expect(r.stdout).toMatch(
      /^Uptime: \d+ {2}Threads: \d+ {2}Questions: \d+ {2}Slow queries: \d+ {2}Opens: \d+ {2}Flush tables: \d+ {2}Open tables: \d+ {2}Queries per second avg: \d+\.\d{3}\n$/,
    );
    expect((await exec(w, "db1", ["mysqladmin", DEFAULTS, "ping"])).stdout).toBe("mysqld is alive\n");
  });
});

const LAG_SQL = "SELECT TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6))/1e6 AS lag FROM percona.heartbeat WHERE server_id = 1";

async function lagOf(w: TestWorld): Promise<{ sbm: string | undefined; hb: number }> {
  const st = await sql(w, "db2", "SHOW REPLICA STATUS\\G");
  const hb = Number((await sql(w, "db2", LAG_SQL, "-N")).stdout.trim());
  return { sbm: field(st.stdout, "Seconds_Behind_Source"), hb };
}

describe("replication", () => {
  it("lags under replica-slow: Seconds_Behind and the heartbeat both grow, then catch up", async () => {
    const w = start();
    const slow = w.inject("replica-slow", "db2");
    for (let i = 0; i < 30; i++) {
      traffic(w, 4);
      w.advance(1000);
    }
    const lag = await lagOf(w);
    expect(Number(lag.sbm)).toBeGreaterThan(10);
    expect(lag.hb).toBeGreaterThan(10);
    expect(Math.abs(Number(lag.sbm) - lag.hb)).toBeLessThan(3);
    w.clear(slow);
    w.advance(3000);
    const after = await lagOf(w);
    expect(after.sbm).toBe("0");
    expect(after.hb).toBeLessThan(1.5);
  });

  it("stops the SQL thread with a duplicate-key error under replication-break and resumes after a skip", async () => {
    const w = start();
    w.inject("replication-break", "db2");
    traffic(w, 10);
    w.advance(5000);
    const st = (await sql(w, "db2", "SHOW REPLICA STATUS\\G")).stdout;
    expect(field(st, "Replica_IO_Running")).toBe("Yes");
    expect(field(st, "Replica_SQL_Running")).toBe("No");
    expect(field(st, "Last_SQL_Errno")).toBe("1062");
    expect(field(st, "Last_SQL_Error")).toMatch(/^Coordinator stopped because there were error\(s\) in the worker\(s\)\. The most recent failure being: Worker 1 failed executing transaction 'ANONYMOUS' at source log binlog\.\d{6}, end_log_pos \d+\./);
    expect(field(st, "Seconds_Behind_Source")).toBe("NULL");
    expect(field(st, "Last_SQL_Error_Timestamp")).toMatch(/^\d{6} \d\d:\d\d:\d\d$/);
    expect((await lagOf(w)).hb).toBeGreaterThan(4);
    const fix = await sql(w, "db2", "STOP REPLICA; SET GLOBAL sql_slave_skip_counter = 1; START REPLICA;");
    expect(fix.code).toBe(0);
    w.advance(2000);
    const ok = (await sql(w, "db2", "SHOW REPLICA STATUS\\G")).stdout;
    expect(field(ok, "Replica_SQL_Running")).toBe("Yes");
    expect(field(ok, "Last_SQL_Errno")).toBe("0");
    expect(field(ok, "Seconds_Behind_Source")).toBe("0");
  });

  it("on MySQL 5.7 the SQL error names the Write_rows event", async () => {
    const w = start({ mysqlFlavour: "mysql57" });
    w.inject("replication-break");
    traffic(w, 4);
    w.advance(2000);
    const st = (await sql(w, "db2", "SHOW SLAVE STATUS\\G")).stdout;
    expect(field(st, "Last_SQL_Error")).toMatch(
      /^Could not execute Write_rows event on table moodle\.mdl_\w+; Duplicate entry '\d+' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin\.\d{6}, end_log_pos \d+$/,
    );
  });

  it("keeps the IO thread 'Yes' until the network timeout, then Connecting with the real error", async () => {
    const w = start();
    w.powerVm("db1", false);
    w.advance(20_000);
    const early = await lagOf(w);
    expect(early.sbm).toBe("0");
    expect(early.hb).toBeGreaterThan(15);
    w.advance(45_000);
    const st = (await sql(w, "db2", "SHOW REPLICA STATUS\\G")).stdout;
    expect(field(st, "Replica_IO_Running")).toBe("Connecting");
    expect(field(st, "Replica_IO_State")).toBe("Connecting to source");
    expect(field(st, "Seconds_Behind_Source")).toBe("NULL");
    expect(field(st, "Last_IO_Errno")).toBe("2003");
    expect(field(st, "Last_IO_Error")).toBe(
      "error connecting to master 'repl@192.168.10.18:3306' - retry-time: 60 retries: 1 message: Can't connect to MySQL server on '192.168.10.18:3306' (113)",
    );
    w.advance(60_000);
    expect(field((await sql(w, "db2", "SHOW REPLICA STATUS\\G")).stdout, "Last_IO_Error")).toContain("retries: 2 ");
  });

  it("can be failed over by hand: promote db2, point db1 at it", async () => {
    const w = start();
    traffic(w, 6);
    w.advance(1000);
    w.powerVm("db1", false);
    const promote = await sql(w, "db2", "STOP REPLICA; RESET REPLICA ALL; SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF");
    expect(promote.code).toBe(0);
    expect((await sql(w, "db2", "SELECT @@read_only, @@super_read_only", "-N")).stdout).toBe("0\t0\n");
    expect((await sql(w, "db2", "SHOW REPLICA STATUS\\G")).stdout).toBe("");
    const master = (await sql(w, "db2", "SHOW MASTER STATUS", "-N")).stdout.split("\t");
    w.powerVm("db1", true);
    w.advance(1000);
    const repoint = await sql(
      w,
      "db1",
      `SET GLOBAL read_only = ON; CHANGE REPLICATION SOURCE TO SOURCE_HOST='192.168.10.28', SOURCE_USER='repl', SOURCE_PASSWORD='repl-lab-secret', SOURCE_LOG_FILE='${master[0]}', SOURCE_LOG_POS=${master[1]}; START REPLICA`,
    );
    expect(repoint.stderr).toBe("");
    w.advance(3000);
    const st = (await sql(w, "db1", "SHOW REPLICA STATUS\\G")).stdout;
    expect(field(st, "Source_Host")).toBe("192.168.10.28");
    expect(field(st, "Replica_IO_Running")).toBe("Yes");
    expect(field(st, "Seconds_Behind_Source")).toBe("0");
    const hb = await sql(w, "db1", "SELECT server_id FROM percona.heartbeat ORDER BY ts DESC LIMIT 1", "-N");
    expect(hb.stdout).toBe("2\n");
  });

  it("comes back from a restart read-only, from its config (SET GLOBAL read_only does not outlive it)", async () => {
    const w = start({ mysqlFlavour: "mariadb" });
    w.powerVm("db2", false);
    w.advance(1000);
    w.powerVm("db2", true);
    w.advance(1000);
    expect((await sql(w, "db2", "SELECT @@read_only", "-N")).stdout).toBe("1\n");
    expect((await sql(w, "db1", "SET GLOBAL read_only = ON; SELECT @@read_only", "-N")).stdout).toBe("1\n");
    expect((await sql(w, "db1", "SET GLOBAL read_only = OFF; SELECT @@read_only", "-N")).stdout).toBe("0\n");
    w.powerVm("db1", false);
    w.advance(1000);
    w.powerVm("db1", true);
    w.advance(1000);
    expect((await sql(w, "db1", "SELECT @@read_only", "-N")).stdout).toBe("1\n");
  });

  it("keeps mdl_sessions and mdl_config on the source and replicates them", async () => {
    const w = start();
    traffic(w, 8);
    w.advance(1000);
    expect((await sql(w, "db1", "SELECT COUNT(*) FROM mdl_sessions WHERE timemodified > UNIX_TIMESTAMP() - 600", "-N")).stdout).toBe("8\n");
    expect((await sql(w, "db2", "SELECT COUNT(*) FROM moodle.mdl_sessions", "-N")).stdout).toBe("8\n");
    expect((await sql(w, "db2", "SELECT value FROM mdl_config WHERE name='version'", "-N")).stdout).toBe("2024042202.02\n");
    const write = await exec(w, "db2", ["mysql", "moodle", "-e", "UPDATE mdl_config SET value = '1' WHERE name = 'x'"], { env: { USER: "root" } });
    expect(write.stderr).toContain("ERROR 1290 (HY000) at line 1: The MySQL server is running with the --super-read-only option");
  });
});
