import { describe, expect, it } from "vitest";
import { mysqlVitalsProbe, parseMysqlVitals } from "@/lib/probes/mysql-vitals";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("mysql-vitals", () => {
  it("reads the status row as the real mysql client prints it in batch mode", () => {
    const row = fixture("mysql-global-status", "show-global-status-and-variables-batch-tsv-pmp.txt")
      .split("\n")
      .find((line) => line.startsWith("Threads_connected\t"));
    expect(row).toBe("Threads_connected\t1");
    expect(valueOf(parseMysqlVitals(`0\t0\n${row}\n0.84\n`))).toMatchObject({ readOnly: false, threadsConnected: 1, heartbeatAgeSeconds: 0.84 });
  });

  it("reads a replica's answers", () => {
    expect(valueOf(parseMysqlVitals("1\t1\nThreads_connected\t3\n0.1779\n"))).toEqual({
      readOnly: true,
      superReadOnly: true,
      threadsConnected: 3,
      heartbeatAgeSeconds: 0.1779,
      moodleSessions: null,
    });
  });

  it("reads a source with the session count, and MariaDB's missing super_read_only", () => {
    expect(valueOf(parseMysqlVitals("0\tNULL\nThreads_connected\t24\nNULL\n38\n"))).toEqual({
      readOnly: false,
      superReadOnly: null,
      threadsConnected: 24,
      heartbeatAgeSeconds: null,
      moodleSessions: 38,
    });
  });

  it("builds one mysql call, refusing table names that are not identifiers", () => {
    const cmd = mysqlVitalsProbe.command({ defaultsFile: "/etc/mysql/clusterdeck.cnf", heartbeatTable: "percona.heartbeat", sessionsTable: "moodle.mdl_sessions" });
    expect(cmd).toMatch(/^mysql --defaults-file=\/etc\/mysql\/clusterdeck.cnf -B -N -e 'SELECT @@global.read_only/);
    expect(cmd).toContain("FROM moodle.mdl_sessions WHERE timemodified > UNIX_TIMESTAMP() - 28800");
    expect(() => mysqlVitalsProbe.command({ defaultsFile: "/x", heartbeatTable: "x; DROP TABLE y" })).toThrow(/not a table name/);
  });

  it.each([
    ...garbage("mysql"),
    ["error", "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)\n"],
    ["wrong order", "Threads_connected\t3\n1\t1\n0.2\n"],
    ["letters for numbers", "1\t1\nThreads_connected\tmany\n0.2\n"],
    ["bad flag", "yes\t1\nThreads_connected\t3\n0.2\n"],
  ])("refuses %s", (_n, text) => {
    expect(parseMysqlVitals(text).ok).toBe(false);
  });
});
