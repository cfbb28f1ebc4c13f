import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { ExecResult, VmName } from "../../model/types";
import type { TestWorld } from "../test-world";
import { exec, startTiers, traffic } from "../test-world";

/** real outputs of MariaDB 10.11.19 and its clients (capture.py in that folder, see SOURCES.md) */
const DIR = new URL("./__fixtures__/mariadb-10.11/", import.meta.url);
const real = (name: string): string => readFileSync(new URL(name, DIR), "utf8");
const CASES = JSON.parse(real("cases.json")) as Record<string, ExecResult>;
function realCase(name: string): ExecResult {
  const c = CASES[name];
  if (!c) throw new Error(`no case ${name} in cases.json`);
  return c;
}

let world: TestWorld | null = null;
afterEach(() => {
  world?.cleanup();
  world = null;
});

function start(): TestWorld {
  world = startTiers();
  return world;
}

const DEFAULTS = "--defaults-file=/etc/mysql/clusterdeck.cnf";

/** the console's account through its defaults file, as the SSH account */
function mysql(w: TestWorld, vm: VmName, args: string[], stdin = ""): Promise<ExecResult> {
  return exec(w, vm, ["mysql", DEFAULTS, ...args], { stdin, user: "clusterdeck" });
}

/** `sudo mysql`: root over the socket (unix_socket) */
function rootSql(w: TestWorld, vm: VmName, sql: string, ...args: string[]): Promise<ExecResult> {
  return exec(w, vm, ["mysql", ...args, "-e", sql], { user: "root" });
}

function fieldNames(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => /^\s*[A-Za-z_]+: ?/.test(l))
    .map((l) => l.trim().split(":")[0] ?? "");
}

function field(text: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}: (.*)$`, "m").exec(text)?.[1];
}

/** every line's colon column: the client right-aligns names to the longest one */
function colons(text: string): number[] {
  return text.split("\n").slice(1).filter(Boolean).map((l) => l.indexOf(":"));
}

/** db2 promoted: replication detached, writes allowed (what the drill does before pointing db1 at it) */
async function promoteDb2(w: TestWorld): Promise<void> {
  expect((await mysql(w, "db2", ["-e", "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF"])).stderr).toBe("");
  expect((await mysql(w, "db1", ["-e", "SET GLOBAL read_only = ON"])).stderr).toBe("");
}

describe("MariaDB 10.11 as Debian 12 ships it (the default flavour)", () => {
  it("SHOW SLAVE STATUS\\G has 10.11.19's fields in its order and alignment, with GTID columns", async () => {
    const w = start();
    const r = await mysql(w, "db2", ["-e", "SHOW SLAVE STATUS\\G"]);
    const ref = real("show-slave-status-G-healthy-gtid.txt");
    expect(fieldNames(r.stdout)).toEqual(fieldNames(ref));
    expect(colons(r.stdout)).toEqual(colons(ref));
    expect(r.stdout.split("\n")[0]).toBe(ref.split("\n")[0]);
    expect(field(r.stdout, "Slave_IO_State")).toBe(field(ref, "Slave_IO_State"));
    expect(field(r.stdout, "Slave_SQL_Running_State")).toBe(field(ref, "Slave_SQL_Running_State"));
    expect(field(r.stdout, "Using_Gtid")).toBe("Slave_Pos");
    expect(field(r.stdout, "Gtid_IO_Pos")).toMatch(/^0-1-\d+$/);
    expect(field(r.stdout, "Master_Log_File")).toMatch(/^mysql-bin\.\d{6}$/);
    expect(field(r.stdout, "Relay_Log_File")).toMatch(/^mysqld-relay-bin\.\d{6}$/);
    expect(field(r.stdout, "Parallel_Mode")).toBe("optimistic");
    for (const mysqlOnly of ["Executed_Gtid_Set", "Auto_Position", "Retrieved_Gtid_Set", "Source_Host", "Replica_IO_Running"]) {
      expect(r.stdout).not.toContain(`${mysqlOnly}:`);
    }
  });

  it("SHOW REPLICA STATUS prints the same Slave_*/Master_* names; SHOW ALL SLAVES STATUS adds 10.11.19's columns", async () => {
    const w = start();
    const replica = await mysql(w, "db2", ["-e", "SHOW REPLICA STATUS\\G"]);
    expect(fieldNames(replica.stdout)).toEqual(fieldNames(real("show-slave-status-G-healthy-gtid.txt")));
    const all = await mysql(w, "db2", ["-e", "SHOW ALL SLAVES STATUS\\G"]);
    const ref = real("show-all-slaves-status-G-healthy-gtid.txt");
    expect(fieldNames(all.stdout)).toEqual(fieldNames(ref));
    expect(colons(all.stdout)).toEqual(colons(ref));
    expect(field(all.stdout, "Gtid_Slave_Pos")).toBe(field(all.stdout, "Gtid_IO_Pos"));
    expect(await mysql(w, "db1", ["-e", "SHOW ALL SLAVES STATUS\\G"])).toEqual({ stdout: "", stderr: "", code: 0 });
  });

  it("SHOW MASTER STATUS, the version and the GTID positions look as on 10.11.19", async () => {
    const w = start();
    const st = await mysql(w, "db1", ["-e", "SHOW MASTER STATUS\\G"]);
    expect(fieldNames(st.stdout)).toEqual(fieldNames(real("show-master-status-G.txt")));
    expect(colons(st.stdout)).toEqual(colons(real("show-master-status-G.txt")));
    const v = await mysql(w, "db1", ["-B", "-N", "-e", "SELECT @@version, @@version_comment"]);
    expect(v.stdout).toBe("10.11.19-MariaDB-0+deb12u1-log\tDebian 12\n");
    const q = "SELECT @@gtid_binlog_pos, @@gtid_current_pos, @@gtid_slave_pos, @@port, @@server_id";
    const pos = await mysql(w, "db2", ["-e", q]);
    const [head, row] = pos.stdout.split("\n");
    expect(head).toBe(real("gtid-positions-replica.txt").split("\n")[0]);
    expect(row).toMatch(/^0-1-(\d+)\t0-1-\1\t0-1-\1\t3306\t2$/);
    const source = await mysql(w, "db1", ["-B", "-N", "-e", q]);
    expect(source.stdout).toMatch(/^0-1-(\d+)\t0-1-\1\t\t3306\t1\n$/);
  });

  it("answers the console's source-position and read-only-admins queries as 10.11.19 does", async () => {
    const w = start();
    const pos = await mysql(w, "db1", ["-e", "SHOW MASTER STATUS\\G SELECT @@global.gtid_binlog_pos AS Gtid_Binlog_Pos\\G"]);
    expect(fieldNames(pos.stdout)).toEqual(fieldNames(realCase("source-position").stdout));
    expect(pos.stdout).toMatch(/\*{27} 1\. row \*{27}\nGtid_Binlog_Pos: 0-1-\d+\n$/);
    const q = realCase("read-only-admins");
    const admins = await mysql(w, "db1", [
      "-B",
      "-N",
      "-e",
      "SELECT 'read_only_admins', COUNT(*), GROUP_CONCAT(DISTINCT CONCAT(user, '@', SUBSTRING_INDEX(host, ':', 1)) ORDER BY CONCAT(user, '@', SUBSTRING_INDEX(host, ':', 1)) SEPARATOR ' ' LIMIT 20) FROM clusterdeck.read_only_admin_sessions WHERE id <> CONNECTION_ID() AND user <> SUBSTRING_INDEX(USER(), '@', 1)",
      "--force",
    ]);
    expect(admins).toEqual(q);
  });
});

describe("what 10.11 refuses, with its errno, SQLSTATE and text (and the client's echo)", () => {
  it.each([
    ["super-read-only", "db1", ["-e", "SET GLOBAL super_read_only = ON"]],
    ["e-one-failing", "db1", ["-e", "SELECT @@global.read_only, @@global.super_read_only"]],
    ["change-replication-source", "db1", ["-e", "CHANGE REPLICATION SOURCE TO SOURCE_HOST='192.168.10.28', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='secret-password', SOURCE_AUTO_POSITION=1"]],
    ["master-auto-position", "db1", ["-e", "CHANGE MASTER TO MASTER_HOST='192.168.10.28', MASTER_AUTO_POSITION=1"]],
    ["show-binary-log-status", "db1", ["-e", "SHOW BINARY LOG STATUS"]],
    ["gtid-executed", "db1", ["-e", "SELECT @@gtid_executed"]],
    ["start-slave-on-source", "db1", ["-e", "START SLAVE"]],
    ["insert-without-privilege", "db1", ["-e", "INSERT INTO moodle.mdl_sessions (sid) VALUES ('x')"]],
    ["reset-slave-all-running", "db2", ["-e", "RESET SLAVE ALL"]],
    ["change-master-running", "db2", ["-e", "CHANGE MASTER TO MASTER_USE_GTID=current_pos"]],
    ["bad-use-gtid", "db2", ["-e", "CHANGE MASTER TO MASTER_USE_GTID=maybe"]],
    ["read-only-bad-value", "db1", ["-e", "SET GLOBAL read_only = MAYBE"]],
    ["gtid-slave-pos-garbage", "db1", ["-e", "SET GLOBAL gtid_slave_pos = 'garbage'"]],
    ["long-syntax-error", "db1", ["-e", `SELECT 1 ORDER BY BY ${"x".repeat(78)}`]],
  ] as const)("%s", async (name, vm, args) => {
    const w = start();
    expect(await mysql(w, vm, [...args])).toEqual(realCase(name));
  });

  it.each([
    ["bare-show-slave-status", "SHOW SLAVE STATUS"],
    ["bare-show-all-slaves-status", "SHOW ALL SLAVES STATUS"],
    ["bare-show-master-status", "SHOW MASTER STATUS"],
    ["bare-set-read-only", "SET GLOBAL read_only = ON"],
    ["bare-stop-slave", "STOP SLAVE"],
    ["bare-change-master", "CHANGE MASTER TO MASTER_HOST='x'"],
    ["bare-reset-slave-all", "RESET SLAVE ALL"],
    ["bare-gtid-slave-pos", "SET GLOBAL gtid_slave_pos = ''"],
    ["bare-select-heartbeat", "SELECT * FROM percona.heartbeat"],
    ["bare-flush-binary-logs", "FLUSH BINARY LOGS"],
    ["bare-skip-counter", "SET GLOBAL sql_slave_skip_counter = 1"],
  ])("ERROR 1227/1142 for an account without the privilege: %s", async (name, sql) => {
    const w = start();
    expect((await rootSql(w, "db1", "CREATE USER 'bare'@'localhost' IDENTIFIED BY 'bare-pw'")).code).toBe(0);
    expect(await exec(w, "db1", ["mysql", "-ubare", "-pbare-pw", "-e", sql], { user: "clusterdeck" })).toEqual(realCase(name));
  });

  it("GRANT with MySQL's privilege names is a syntax error; the console's account has the documented grants", async () => {
    const w = start();
    expect(await rootSql(w, "db1", "CREATE USER 'bare'@'localhost' IDENTIFIED BY 'bare-pw'")).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(await rootSql(w, "db1", "GRANT SYSTEM_VARIABLES_ADMIN ON *.* TO 'bare'@'localhost'")).toEqual(realCase("grant-mysql-name"));
    expect(await rootSql(w, "db1", "SHOW GRANTS FOR 'clusterdeck'@'localhost'")).toEqual(realCase("show-grants-clusterdeck"));
    const root = await rootSql(w, "db1", "SHOW GRANTS");
    expect(root.stdout.split("\n").slice(0, 3)).toEqual(realCase("show-grants-root").stdout.split("\n").slice(0, 3));
  });

  it("a login as root is refused to anyone but the OS root (unix_socket); a wrong password is 1045", async () => {
    const w = start();
    expect(await exec(w, "db1", ["mysql", "-uroot", "-e", "SELECT 1"], { user: "clusterdeck" })).toEqual({
      stdout: "",
      stderr: "ERROR 1698 (28000): Access denied for user 'root'@'localhost'\n",
      code: 1,
    });
    expect(await exec(w, "db1", ["mysql", "-uclusterdeck", "-pnope", "-e", "SELECT 1"], { user: "clusterdeck" })).toEqual(realCase("bad-password"));
  });
});

describe("the mysql client's output as MariaDB's prints it", () => {
  const three = "SELECT 1; SELECT @@super_read_only; SELECT 2;";
  it.each([
    ["e-stops-at-first-error", ["-e", "SELECT 1; SELECT @@super_read_only; SELECT 2"], ""],
    ["stdin-stops", [], three],
    ["stdin-force-exit-0", ["--force"], three],
    ["stdin-verbose", ["-v"], three],
    ["force-before-e-stops", ["--force", "-B", "-N", "-e", "SELECT 1; SELECT @@nope; SELECT 2"], ""],
    ["force-after-e-runs-all", ["-B", "-N", "-e", "SELECT 1; SELECT @@nope; SELECT 2", "--force"], ""],
    ["stdin-multiline-line-number", [], "SELECT 1;\nSELECT 2;\n\nSELECT\n  @@nope,\n  3;\nSELECT 4;\n"],
    ["stdin-comments", [], "SELECT 1; -- c\n/* hi */ SELECT @@nope /* x */ ;"],
    ["skip-print-query-on-error", ["--skip-print-query-on-error", "-e", "SELECT @@nope"], ""],
    ["very-verbose", ["-vv", "-e", "SELECT 1; SET @a=1; SHOW SLAVE STATUS"], ""],
    ["use-unknown-database", [], "USE nosuchdb;\nSELECT 1;\n"],
  ] as const)("%s", async (name, args, stdin) => {
    const w = start();
    expect(await mysql(w, "db1", [...args], stdin)).toEqual(realCase(name));
  });

  it("connection failures: socket, unknown host, refused TCP (MariaDB's client reports 115)", async () => {
    const w = start();
    w.setService("db1", "mysql", false);
    expect((await mysql(w, "db1", ["-e", "SELECT 1"])).stderr).toBe("ERROR 2002 (HY000): Can't connect to local server through socket '/var/run/mysqld/mysqld.sock' (2)\n");
    const opts = { user: "www-data" };
    expect((await exec(w, "web1", ["mysql", "-h", "192.168.10.18", "-e", "SELECT 1"], opts)).stderr).toBe("ERROR 2002 (HY000): Can't connect to server on '192.168.10.18' (115)\n");
    expect((await exec(w, "web1", ["mysql", "-h", "no.such.host.invalid", "-e", "SELECT 1"], opts)).stderr).toBe("ERROR 2005 (HY000): Unknown server host 'no.such.host.invalid' (-2)\n");
    const admin = await exec(w, "db1", ["mysqladmin", DEFAULTS, "ping"], { user: "clusterdeck" });
    expect(admin).toEqual({
      stdout: "",
      stderr: "\u0007mysqladmin: connect to server at 'localhost' failed\nerror: 'Can't connect to local server through socket '/var/run/mysqld/mysqld.sock' (2)'\nCheck that mariadbd is running and that the socket: '/var/run/mysqld/mysqld.sock' exists!\n",
      code: 1,
    });
  });

  it("option errors as mariadb 15.1 reports them", async () => {
    const w = start();
    expect(await exec(w, "db1", ["mysql", "--frob", "-e", "SELECT 1"])).toEqual({ stdout: "", stderr: "mysql: unknown option '--frob'\n", code: 2 });
    expect(await exec(w, "db1", ["mariadb", "--frob=1"])).toEqual({ stdout: "", stderr: "mariadb: unknown variable 'frob=1'\n", code: 7 });
    expect(await exec(w, "db1", ["mariadb", "-e"])).toEqual({ stdout: "", stderr: "mariadb: option '-e' requires an argument\n", code: 5 });
    expect(await exec(w, "db1", ["mysql", "-e", "SELECT 1", DEFAULTS])).toEqual({
      stdout: "",
      stderr: "mysql: unknown variable 'defaults-file=/etc/mysql/clusterdeck.cnf'\n",
      code: 7,
    });
    expect(await exec(w, "db1", ["mysql", "--defaults-file=/nope", "-e", "SELECT 1"])).toEqual({
      stdout: "",
      stderr: "Could not open required defaults file: /nope\nFatal error in defaults handling. Program aborted\n",
      code: 1,
    });
  });
});

describe("read_only as 10.11 enforces it", () => {
  it("stops Moodle's writes (1290) but not root's, which holds READ_ONLY ADMIN", async () => {
    const w = start();
    const web = await exec(w, "web1", ["mysql", "-h", "192.168.10.28", "-umoodle", "-pmoodle-lab-secret", "moodle", "-e", "INSERT INTO mdl_sessions (sid) VALUES ('web')"], { user: "www-data" });
    expect(web).toEqual(realCase("moodle-write-under-read-only"));
    const root = await exec(w, "db2", ["mysql", "moodle", "-e", "INSERT INTO mdl_sessions (sid) VALUES ('root'); SELECT COUNT(*) FROM mdl_sessions WHERE sid = 'root'"], { user: "root" });
    expect(root).toEqual(realCase("root-write-under-read-only"));
  });

  it("the web tier's Moodle writes fail on a read-only source and succeed again when it is writable", async () => {
    const w = start();
    expect((await mysql(w, "db1", ["-e", "SET GLOBAL read_only = ON"])).code).toBe(0);
    const failed = w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null });
    expect(failed?.status).toBe(500);
    expect((await mysql(w, "db1", ["-e", "SET GLOBAL read_only = OFF"])).code).toBe(0);
    const served = w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null });
    expect(served?.status).toBe(200);
  });
});

describe("replication credentials, GTIDs and a promotion", () => {
  const q = (vm: VmName, w: TestWorld, sql: string) => mysql(w, vm, ["-e", sql]);

  it("the old source pointed at db2 without a password connects as nobody: IO Connecting, 1045 (using password: NO)", async () => {
    const w = start();
    await promoteDb2(w);
    expect((await q("db1", w, "CHANGE MASTER TO MASTER_HOST='192.168.10.28', MASTER_PORT=3306, MASTER_USER='repl', MASTER_USE_GTID=slave_pos; START SLAVE")).stderr).toBe("");
    w.advance(1000);
    const st = (await q("db1", w, "SHOW SLAVE STATUS\\G")).stdout;
    const ref = real("show-slave-status-G-io-connecting-1045-no-password.txt");
    expect(fieldNames(st)).toEqual(fieldNames(ref));
    expect(field(st, "Slave_IO_Running")).toBe("Connecting");
    expect(field(st, "Slave_IO_State")).toBe(field(ref, "Slave_IO_State"));
    expect(field(st, "Last_IO_Errno")).toBe("1045");
    expect(field(st, "Last_IO_Error")).toBe(
      "error connecting to master 'repl@192.168.10.28:3306' - retry-time: 60  maximum-retries: 100000  message: Access denied for user 'repl'@'192.168.10.18' (using password: NO)",
    );
    expect(field(ref, "Last_IO_Error")).toMatch(/^error connecting to master 'repl@127\.0\.0\.1:\d+' - retry-time: 60 {2}maximum-retries: 100000 {2}message: Access denied for user 'repl'@'127\.0\.0\.1' \(using password: NO\)$/);
    expect(field(st, "Seconds_Behind_Master")).toBe("NULL");
    expect(field(st, "Master_Server_Id")).toBe("0");
  });

  it("with the password but an empty gtid_slave_pos, db2's purged binary logs refuse slave_pos (1236); current_pos works", async () => {
    const w = start();
    traffic(w, 4);
    w.advance(2000);
    await promoteDb2(w);
    traffic(w, 4);
    w.advance(1000);
    await q("db1", w, "CHANGE MASTER TO MASTER_HOST='192.168.10.28', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='repl-lab-secret', MASTER_USE_GTID=slave_pos; START SLAVE");
    w.advance(1000);
    const refused = (await q("db1", w, "SHOW SLAVE STATUS\\G")).stdout;
    const ref = real("show-slave-status-G-gtid-1236-purged.txt");
    for (const f of ["Slave_IO_State", "Slave_IO_Running", "Last_IO_Errno", "Last_IO_Error", "Using_Gtid", "Gtid_IO_Pos"]) expect(field(refused, f)).toBe(field(ref, f));
    await q("db1", w, "STOP SLAVE; CHANGE MASTER TO MASTER_USE_GTID=current_pos; START SLAVE");
    w.advance(1000);
    const ok = (await q("db1", w, "SHOW SLAVE STATUS\\G")).stdout;
    expect(field(ok, "Slave_IO_Running")).toBe("Yes");
    expect(field(ok, "Slave_SQL_Running")).toBe("Yes");
    expect(field(ok, "Using_Gtid")).toBe("Current_Pos");
    expect(field(ok, "Seconds_Behind_Master")).toBe("0");
    const db2 = await mysql(w, "db2", ["-B", "-N", "-e", "SELECT @@gtid_binlog_pos"]);
    const db1 = await mysql(w, "db1", ["-B", "-N", "-e", "SELECT @@gtid_slave_pos, @@gtid_binlog_pos"]);
    expect(db2.stdout).toMatch(/^0-2-\d+\n$/);
    expect(db1.stdout).toBe(`${db2.stdout.trim()}\t${db2.stdout.trim()}\n`);
  });

  it("the console's replicate-from statements (gtid_slave_pos from the binary log, then slave_pos) replicate from the new source", async () => {
    const w = start();
    traffic(w, 4);
    w.advance(2000);
    await promoteDb2(w);
    const stdin =
      "STOP SLAVE; SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos; CHANGE MASTER TO MASTER_HOST='192.168.10.28', MASTER_PORT=3306, MASTER_USE_GTID=slave_pos, MASTER_USER='repl'\n, MASTER_PASSWORD='repl-lab-secret'\n; START SLAVE;\n";
    expect(await mysql(w, "db1", ["--skip-print-query-on-error"], stdin)).toEqual({ stdout: "", stderr: "", code: 0 });
    traffic(w, 6);
    w.advance(2000);
    const st = (await q("db1", w, "SHOW ALL SLAVES STATUS\\G")).stdout;
    expect(field(st, "Slave_IO_Running")).toBe("Yes");
    expect(field(st, "Slave_SQL_Running")).toBe("Yes");
    expect(field(st, "Gtid_Slave_Pos")).toMatch(/^0-2-\d+$/);
    const count = async (vm: VmName) => (await mysql(w, vm, ["-B", "-N", "-e", "SELECT COUNT(*) FROM moodle.mdl_sessions"])).stdout;
    expect(await count("db1")).toBe(await count("db2"));
  });

  it("RESET SLAVE ALL forgets host, user and password; a position CHANGE MASTER turns Using_Gtid to No", async () => {
    const w = start();
    expect((await q("db2", w, "STOP SLAVE; RESET SLAVE ALL")).stderr).toBe("");
    expect((await q("db2", w, "SHOW SLAVE STATUS\\G")).stdout).toBe("");
    await q("db2", w, "CHANGE MASTER TO MASTER_HOST='192.168.10.18', MASTER_USER='repl'; START SLAVE");
    w.advance(1000);
    const forgot = (await q("db2", w, "SHOW SLAVE STATUS\\G")).stdout;
    expect(field(forgot, "Using_Gtid")).toBe("Slave_Pos");
    expect(field(forgot, "Last_IO_Error")).toMatch(/\(using password: NO\)$/);
    const master = (await mysql(w, "db1", ["-B", "-N", "-e", "SHOW MASTER STATUS"])).stdout.split("\t");
    await q("db2", w, `STOP SLAVE; CHANGE MASTER TO MASTER_PASSWORD='repl-lab-secret', MASTER_LOG_FILE='${master[0]}', MASTER_LOG_POS=${master[1]}; START SLAVE`);
    w.advance(1000);
    const st = (await q("db2", w, "SHOW SLAVE STATUS\\G")).stdout;
    expect(field(st, "Using_Gtid")).toBe("No");
    expect(field(st, "Slave_IO_Running")).toBe("Yes");
    expect(field(st, "Exec_Master_Log_Pos")).toBe(field(st, "Read_Master_Log_Pos"));
  });

  it("a stopped source: Reconnecting after a failed master event read, 2003 worded as 10.11.19 does", async () => {
    const w = start();
    w.setService("db1", "mysql", false);
    w.advance(1000);
    const st = (await q("db2", w, "SHOW SLAVE STATUS\\G")).stdout;
    const ref = real("show-slave-status-G-source-down-2003.txt");
    expect(field(st, "Slave_IO_State")).toBe(field(ref, "Slave_IO_State"));
    expect(field(st, "Last_IO_Errno")).toBe("2003");
    expect(field(st, "Last_IO_Error")).toBe(
      "error reconnecting to master 'repl@192.168.10.18:3306' - retry-time: 60  maximum-retries: 100000  message: Can't connect to server on '192.168.10.18' (111 \"Connection refused\")",
    );
  });

  it("replication-break: the SQL thread stops on Moodle's INSERT as a statement (binlog_format MIXED), 1062", async () => {
    const w = start();
    w.inject("replication-break", "db2");
    traffic(w, 4);
    w.advance(2000);
    const st = (await q("db2", w, "SHOW SLAVE STATUS\\G")).stdout;
    expect(field(st, "Slave_SQL_Running")).toBe("No");
    expect(field(st, "Last_SQL_Errno")).toBe("1062");
    // the real backend's text for the same fault (real-backend.int.test.ts)
    expect(field(st, "Last_SQL_Error")).toMatch(/^Error 'Duplicate entry '\d+' for key 'PRIMARY'' on query\. Default database: 'moodle'\. Query: 'INSERT INTO mdl_\w+ \(/);
  });

  it("a source that vanishes (link cut) is noticed after slave_net_timeout; the retry times out (110) as on the real backend", async () => {
    const w = start();
    w.inject("link-cut");
    w.advance(61_000);
    const st = (await q("db2", w, "SHOW SLAVE STATUS\\G")).stdout;
    expect(field(st, "Slave_IO_State")).toBe("Reconnecting after a failed master event read");
    expect(field(st, "Last_IO_Error")).toBe(
      "error reconnecting to master 'repl@192.168.10.18:3306' - retry-time: 60  maximum-retries: 100000  message: Can't connect to server on '192.168.10.18' (110 \"Connection timed out\")",
    );
    expect((await exec(w, "db2", ["mysql", "-h", "192.168.10.18", "-e", "SELECT 1"], { user: "clusterdeck" })).stderr).toBe("ERROR 2002 (HY000): Can't connect to server on '192.168.10.18' (110)\n");
  });
});
