import { describe, expect, it } from "vitest";
import { mysqlVitalsProbe, parseMysqlVitals, vitalsStatements } from "@/lib/probes/mysql-vitals";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const vitals = (name: string) => fixture("mysql-vitals", `mariadb-10.11-${name}.txt`);
const params = { defaultsFile: "/etc/mysql/clusterdeck.cnf", heartbeatTable: "percona.heartbeat", sessionsTable: "moodle.mdl_sessions" } as const;

describe("mysql-vitals on MariaDB 10.11 (real runs)", () => {
  it("asks MariaDB nothing it lacks: no super_read_only, which fails with 1193 and, under -e, blanked every answer", () => {
    const cmd = mysqlVitalsProbe.command({ ...params, flavour: "mariadb" });
    expect(cmd).not.toContain("super_read_only");
    expect(cmd).toContain("@@global.gtid_binlog_pos, @@global.gtid_current_pos, @@global.gtid_slave_pos");
    // --force only works after -e (which turns it off), and the ERROR lines must reach the parser
    expect(cmd).toMatch(/^mysql --defaults-file=\/etc\/mysql\/clusterdeck\.cnf -B -N -e '.*' --force 2>&1$/);
    const mysql = mysqlVitalsProbe.command({ ...params, flavour: "mysql" });
    expect(mysql).toContain("SELECT '\\''super_read_only'\\'', @@global.super_read_only");
    expect(mysql).toContain("@@global.gtid_executed");
    expect(mysql).not.toContain("gtid_binlog_pos");
    expect(mysql).not.toContain("read_only_admin_sessions");
  });

  it("reads the source: read_only, port, server_id, version, GTID positions, its heartbeat row, sessions, READ_ONLY ADMIN sessions", () => {
    expect(valueOf(parseMysqlVitals(vitals("source")))).toEqual({
      readOnly: false,
      superReadOnly: null,
      threadsConnected: 4,
      server: { port: 34501, serverId: 1, version: "10.11.19-MariaDB-0+deb12u1-log" },
      gtid: { binlogPos: "0-1-36", currentPos: "0-1-36", slavePos: "" },
      gtidExecuted: null,
      heartbeats: [{ serverId: 1, ageSeconds: 0.2808 }],
      moodleSessions: 2,
      readOnlyAdmins: { sessions: 1, accounts: ["root@localhost"] },
      unanswered: [],
    });
  });

  it("reads a replica, and keeps every writer's heartbeat row apart by server_id", () => {
    expect(valueOf(parseMysqlVitals(vitals("replica")))).toMatchObject({ readOnly: true, gtid: { slavePos: "0-1-36" }, heartbeats: [{ serverId: 1, ageSeconds: 0.3368 }] });
    expect(valueOf(parseMysqlVitals(vitals("old-source-now-replica"))).heartbeats).toEqual([
      { serverId: 1, ageSeconds: 5.3781 },
      { serverId: 2, ageSeconds: 0.378 },
    ]);
    expect(valueOf(parseMysqlVitals(vitals("source-heartbeat-local-time"))).heartbeats).toEqual([
      { serverId: 1, ageSeconds: 8.5055 },
      { serverId: 2, ageSeconds: 18000.0043 },
    ]);
  });

  it("keeps what it can read when statements are refused, and says which and why", () => {
    const v = valueOf(parseMysqlVitals(vitals("missing-grants")));
    expect(v).toMatchObject({ readOnly: true, threadsConnected: 2, moodleSessions: 2, server: { serverId: 2 }, heartbeats: null, readOnlyAdmins: null });
    expect(v.unanswered).toEqual([
      { answer: "heartbeat", error: "ERROR 1142: SELECT command denied to user 'nogrant'@'localhost' for table `percona`.`heartbeat`" },
      { answer: "read_only_admins", error: "ERROR 1142: SELECT command denied to user 'nogrant'@'localhost' for table `clusterdeck`.`read_only_admin_sessions`" },
    ]);
  });

  it("says why when the server cannot be reached (exit 1, ERROR 2002)", () => {
    expect(parseMysqlVitals(vitals("cannot-connect"))).toMatchObject({ ok: false, reason: "ERROR 2002 (HY000): Can't connect to local server through socket '/tmp/dbc/nosock' (2)" });
  });

  it("reads MySQL's answers: super_read_only and gtid_executed (batch-escaped newline), errors without an echo", () => {
    const out = "read_only\t1\nsuper_read_only\t1\nserver\t3306\t7\t8.0.36-0ubuntu0.22.04.1\nThreads_connected\t3\ngtid_executed\taaaa:1-5,\\nbbbb:1-3\nERROR 1146 (42S02) at line 1: Table 'percona.heartbeat' doesn't exist\nmoodle_sessions\t0\n";
    expect(valueOf(parseMysqlVitals(out))).toMatchObject({
      readOnly: true,
      superReadOnly: true,
      server: { port: 3306, serverId: 7, version: "8.0.36-0ubuntu0.22.04.1" },
      gtid: null,
      gtidExecuted: "aaaa:1-5,bbbb:1-3",
      heartbeats: null,
      unanswered: [{ answer: "?", error: "ERROR 1146: Table 'percona.heartbeat' doesn't exist" }],
    });
  });

  it.each([
    ["read_only not a flag", "read_only\tyes\nThreads_connected\t3\n", "read_only", /not 0 or 1/],
    ["letters for a count", "read_only\t1\nThreads_connected\tmany\n", "threads_connected", /not a whole number/],
    ["a bad GTID position", "read_only\t1\ngtid\t0-1-x\t\t\n", "gtid", /not a GTID position/],
    ["a bad heartbeat row", "read_only\t1\nheartbeat\t1:soon\n", "heartbeat", /server_id:age/],
    ["a short server line", "read_only\t1\nserver\t3306\n", "server", /expected 3 values/],
  ])("keeps the rest when one answer is unreadable: %s", (_name, text, answer, why) => {
    const v = valueOf(parseMysqlVitals(text));
    expect(v.readOnly).not.toBeUndefined();
    expect(v.unanswered).toHaveLength(1);
    expect(v.unanswered[0]?.answer).toBe(answer);
    expect(v.unanswered[0]?.error).toMatch(why);
  });

  it.each([
    ...garbage("mysql"),
    ["no defaults file", fixture("mysql-client", "mariadb-10.11-no-defaults-file.txt")],
    ["an unknown line among answers", "read_only\t1\nsomething else\n"],
    ["two answers for one question", "read_only\t1\nread_only\t0\n"],
    ["an echo cut short", "read_only\t1\n--------------\nSELECT 'heartbeat', 1\n"],
    ["a line too long", `read_only\t1\nheartbeat\t${"1:0.1 ".repeat(2000)}\n`],
    ["too many lines", "\n".repeat(300) + "read_only\t1\n"],
    ["the old probe's answer", "0\tNULL\nThreads_connected\t24\nNULL\n38\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseMysqlVitals(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });

  it("refuses table names that are not identifiers", () => {
    expect(() => vitalsStatements({ ...params, flavour: "mariadb", heartbeatTable: "x; DROP TABLE y" })).toThrow(/not a table name/);
  });

  it("reads a large hostile output in linear time", () => {
    const line = `heartbeat\t${"9:1.5 ".repeat(1300)}`;
    const started = performance.now();
    for (let i = 0; i < 20; i++) parseMysqlVitals(`read_only\t1\n${line}\n${"-".repeat(8000)}\n`);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
