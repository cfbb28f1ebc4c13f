import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecResult, VmName } from "../../../model/types";
import type { TestWorld } from "../../test-world";
import { exec, startTiers, traffic } from "../../test-world";
import { until as poll, waitFor } from "../../../../test/conformance/support/wait";
import { pathsFor, realBackendMissing } from "./mariadbd";

// The lab with --db real: db1 and db2 are Debian's mariadbd in their own network namespaces. Skipped
// (and said so) where the machine cannot run them: not root, or mariadb-server not installed.
const missing = realBackendMissing();
if (missing) console.log(`real database backend tests skipped: ${missing}`);

let w: TestWorld;
const CNF = "--defaults-file=/etc/mysql/clusterdeck.cnf";

function sql(vm: VmName, statement: string, ...flags: string[]): Promise<ExecResult> {
  return exec(w, vm, ["mysql", CNF, ...flags, "-e", statement], { user: "clusterdeck" });
}

function field(text: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}: (.*)$`, "m").exec(text)?.[1];
}

/** advance the model and give the real servers real time until `check` holds */
async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    w.advance(200);
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const status = async (vm: VmName): Promise<string> => (await sql(vm, "SHOW ALL SLAVES STATUS\\G")).stdout;
const count = async (vm: VmName, table: string): Promise<string> => (await sql(vm, `SELECT COUNT(*) FROM moodle.${table}`, "-B", "-N")).stdout.trim();

describe.skipIf(missing !== null)("the lab's database tier on real mariadbd (--db real)", () => {
  beforeAll(() => {
    w = startTiers({ dbBackend: "real", sessionHandler: "database" });
  }, 120_000);
  afterAll(async () => {
    await w?.tiers?.stop?.();
    w?.cleanup();
  });

  it("runs two real servers replicating by GTID and says so in /truth and its log", async () => {
    const truth = w.tiers?.truth().database as { backend: string; writable: string[] };
    expect(truth.backend).toBe("real");
    expect(w.logs.join("\n")).toMatch(/database: real MariaDB 10\.11/);
    const v = await sql("db1", "SELECT @@version, @@version_comment, @@read_only", "-B", "-N");
    expect(v.stdout).toMatch(/^10\.11\.\d+-MariaDB-\S*\tDebian 12\t0\n$/);
    const st = await status("db2");
    expect(field(st, "Slave_IO_Running")).toBe("Yes");
    expect(field(st, "Using_Gtid")).toBe("Slave_Pos");
    expect(field(st, "Master_Host")).toBe("192.168.10.18");
    expect(field(st, "Relay_Log_File")).toMatch(/^mysqld-relay-bin\.\d{6}$/);
    const grants = await exec(w, "db1", ["mysql", "-e", "SHOW GRANTS FOR 'clusterdeck'@'localhost'"], { user: "root" });
    expect(grants.stdout).toContain("GRANT RELOAD, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR ON *.* TO `clusterdeck`@`localhost`");
  });

  it("the web tier's Moodle writes land in db1 and replicate to db2; pt-heartbeat --utc writes db1's row", async () => {
    traffic(w, 6);
    await until("sessions on db1", () => count("db1", "mdl_sessions"), (n) => Number(n) >= 6);
    await until("sessions on db2", () => count("db2", "mdl_sessions"), (n) => Number(n) >= 6);
    const lag = await until(
      "heartbeat row",
      () => sql("db2", "SELECT TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) / 1000000 FROM percona.heartbeat WHERE server_id = 1", "-B", "-N"),
      (r) => r.stdout.trim() !== "",
    );
    expect(Math.abs(Number(lag.stdout))).toBeLessThan(5);
  });

  it("read_only stops Moodle (1290) but not root, as 10.11 does", async () => {
    expect((await sql("db1", "SET GLOBAL read_only = ON")).code).toBe(0);
    const moodle = await exec(w, "web1", ["mysql", "-h", "192.168.10.18", "-umoodle", "-pmoodle-lab-secret", "moodle", "-e", "INSERT INTO mdl_logstore_standard_log (userid, timecreated) VALUES (1, 1)"], { user: "www-data" });
    expect(moodle.stderr).toContain("ERROR 1290 (HY000) at line 1: The MariaDB server is running with the --read-only option so it cannot execute this statement");
    const root = await exec(w, "db1", ["mysql", "moodle", "-e", "INSERT INTO mdl_logstore_standard_log (userid, timecreated) VALUES (2, 2)"], { user: "root" });
    expect(root).toEqual({ stdout: "", stderr: "", code: 0 });
    await until("the web tier sees read_only", async () => w.tiers?.serveRequest("web1", { userId: "u9", kind: "login", sessionId: null }).status, (s) => s === 500);
    expect((await sql("db1", "SET GLOBAL read_only = OFF")).code).toBe(0);
    await until("the web tier writes again", async () => w.tiers?.serveRequest("web1", { userId: "u9", kind: "login", sessionId: null }).status, (s) => s === 200);
  });

  it("replication-break is a conflicting row on the replica (1062); clearing it lets replication go on", async () => {
    const fault = w.inject("replication-break", "db2");
    await new Promise((r) => setTimeout(r, 500));
    traffic(w, 4);
    const broken = await until("SQL thread stopped", () => status("db2"), (st) => field(st, "Slave_SQL_Running") === "No");
    expect(field(broken, "Last_SQL_Errno")).toBe("1062");
    // Debian's binlog_format is MIXED: Moodle's INSERT replicates as a statement
    expect(field(broken, "Last_SQL_Error")).toMatch(/^Error 'Duplicate entry '\d+' for key 'PRIMARY'' on query\. Default database: 'moodle'\. Query: 'INSERT INTO mdl_logstore_standard_log \(userid, timecreated\) VALUES \(\d+, UNIX_TIMESTAMP\(\)\)'$/);
    w.clear(fault);
    await until("SQL thread running", () => status("db2"), (st) => field(st, "Slave_SQL_Running") === "Yes");
    await until("caught up", async () => [await count("db1", "mdl_logstore_standard_log"), await count("db2", "mdl_logstore_standard_log")], ([a, b]) => a === b);
  });

  it("replica-slow is a read lock held on the replica: its SQL thread waits, the lag grows, and it catches up after", async () => {
    const fault = w.inject("replica-slow", "db2");
    await new Promise((r) => setTimeout(r, 300));
    traffic(w, 3);
    const waiting = await until("SQL thread waiting", () => status("db2"), (st) => Number(field(st, "Seconds_Behind_Master") ?? "0") >= 2);
    expect(field(waiting, "Slave_SQL_Running")).toBe("Yes");
    w.clear(fault);
    await until("caught up", () => status("db2"), (st) => field(st, "Seconds_Behind_Master") === "0");
  });

  it("link-cut: the replica's source vanishes on the real network (no answer within the connect timeout)", async () => {
    const fault = w.inject("link-cut");
    const r = await exec(w, "db2", ["mysql", CNF, "-h", "192.168.10.18", "--connect-timeout=2", "-e", "SELECT 1"], { user: "clusterdeck" });
    w.clear(fault);
    // the connection attempt times out: ETIMEDOUT, where a refused one says 115
    expect(r.stderr).toBe("ERROR 2002 (HY000): Can't connect to server on '192.168.10.18' (110)\n");
    const back = await exec(w, "db2", ["mysql", "-h", "192.168.10.18", "-urepl", "-prepl-lab-secret", "--connect-timeout=2", "-e", "SELECT 1"], { user: "clusterdeck" });
    expect(back).toEqual({ stdout: "1\n1\n", stderr: "", code: 0 });
  });

  it("the console's promotion lines: db2 detached and writable, db1 replicating from it with the host's credentials", async () => {
    // the graceful order: the source read-only first (pt-heartbeat's writes stop too), the replica caught up, then detached;
    // detaching first lets a heartbeat land on db1 alone, and db2 then refuses db1's position (1236, not in the master's binlog)
    expect((await sql("db1", "SET GLOBAL read_only = ON")).stderr).toBe("");
    const pos = (await sql("db1", "SELECT @@gtid_binlog_pos", "-B", "-N")).stdout;
    await until("db2 applied db1's last transaction", async () => (await sql("db2", "SELECT @@gtid_slave_pos", "-B", "-N")).stdout, (p) => p === pos);
    expect((await sql("db2", "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF")).stderr).toBe("");
    const file = fs.readFileSync(w.resolvePath("db1", "/etc/mysql/clusterdeck-replication.cnf"), "utf8");
    const password = /^password=(.*)$/m.exec(file)?.[1] ?? "";
    const stdin = `STOP SLAVE; SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos; CHANGE MASTER TO MASTER_HOST='192.168.10.28', MASTER_PORT=3306, MASTER_USE_GTID=slave_pos, MASTER_USER='repl'\n, MASTER_PASSWORD='${password}'\n; START SLAVE;\n`;
    expect(await exec(w, "db1", ["mysql", CNF, "--skip-print-query-on-error"], { stdin, user: "clusterdeck" })).toEqual({ stdout: "", stderr: "", code: 0 });
    const st = await until("db1 replicates from db2", () => status("db1"), (s) => field(s, "Slave_IO_Running") === "Yes" && field(s, "Slave_SQL_Running") === "Yes");
    expect(field(st, "Master_Host")).toBe("192.168.10.28");
    const truth = await until("truth follows", async () => w.tiers?.truth().database as { writable: string[] }, (t) => t.writable.join() === "db2");
    expect(truth.writable).toEqual(["db2"]);
  });

  it("a powered-off source is killed (SIGKILL) and starts again at power-on, crash-recovered and read-only", async () => {
    w.powerVm("db2", false);
    w.advance(200);
    const down = await sql("db1", "SELECT 1", "-h", "192.168.10.28", "--connect-timeout=2");
    w.powerVm("db2", true);
    expect(down.stderr).toBe("ERROR 2002 (HY000): Can't connect to server on '192.168.10.28' (110)\n");
    await until("db2 answers again", () => sql("db2", "SELECT @@server_id", "-B", "-N"), (r) => r.stdout === "2\n", 60_000);
    // read_only=ON in its config: a source that reboots takes no writes until someone says so
    expect((await sql("db2", "SELECT @@read_only", "-B", "-N")).stdout).toBe("1\n");
  });
});

describe.skipIf(missing !== null)("a lab killed outright (--db real)", () => {
  it("takes its mariadbd and pt-heartbeat with it: nothing of it runs on, beside the next lab", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-lab-kill-"));
    // as Playwright ends its web server: SIGKILL to the lab's process group, no chance to clean up
    const lab = spawn(path.resolve("node_modules/.bin/tsx"), ["lab/cli.ts", "start", "--dir", dir, "--base-port", "0", "--control-port", "0", "--http-port", "0", "--db", "real"], {
      stdio: "ignore",
      detached: true,
    });
    try {
      const mariadb = path.join(dir, "mariadb");
      const pids = await waitFor("the lab's two servers and pt-heartbeat", 120_000, async () => {
        if (!fs.existsSync(path.join(dir, "control.json"))) return null;
        try {
          const servers = ["db1", "db2"].map((vm) => Number(fs.readFileSync(pathsFor(mariadb, vm).pid, "utf8").trim()));
          const heartbeat = execFileSync("pgrep", ["-f", "--", `--socket=${pathsFor(mariadb, "db1").socket}`], { encoding: "utf8" }).trim().split("\n").map(Number);
          return [...servers, ...heartbeat];
        } catch {
          return null; // a pid file being written, pt-heartbeat not started yet
        }
      }, 250);
      expect(pids.length).toBeGreaterThanOrEqual(3);
      process.kill(-(lab.pid ?? 0), "SIGKILL");
      // a zombie awaiting its reaper counts as gone: it holds no datadir, socket or CPU
      const running = (pid: number): boolean => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
      const left = await poll("the kernel ends the lab's children", () => pids.filter(running), (l) => l.length === 0, 30_000);
      expect(left).toEqual([]);
    } finally {
      try {
        process.kill(-(lab.pid ?? 0), "SIGKILL");
      } catch {
        // already gone
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

