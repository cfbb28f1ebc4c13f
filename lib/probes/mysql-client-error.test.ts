import { describe, expect, it } from "vitest";
import { mysqlErrorLine } from "@/lib/probes/mysql-client-error";
import { fixture } from "@/lib/probes/test-support";

describe("the mysql client's ERROR line", () => {
  it.each([
    ["mariadb-10.11-set-super-read-only-1193.stderr.txt", "ERROR 1193 (HY000) at line 1: Unknown system variable 'super_read_only'"],
    ["mariadb-10.11-old-vitals-super-read-only-1193.stderr.txt", "ERROR 1193 (HY000) at line 1: Unknown system variable 'super_read_only'"],
    ["mariadb-10.11-show-master-status-1227.stderr.txt", "ERROR 1227 (42000) at line 1: Access denied; you need (at least one of) the SUPER, BINLOG MONITOR privilege(s) for this operation"],
  ])("is found behind MariaDB's echo of the failed statement: %s", (file, line) => {
    const stderr = fixture("mysql-client", file);
    // the echo is what a summary of the first line used to show
    expect(stderr.split("\n")[0]).toBe("--------------");
    expect(mysqlErrorLine(stderr)).toBe(line);
  });

  it("looks in each text in turn, and says null where there is none", () => {
    expect(mysqlErrorLine("", "ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n")).toMatch(/^ERROR 2002 /);
    expect(mysqlErrorLine(fixture("mysql-client", "mariadb-10.11-mysqldump-set-gtid-purged.stderr.txt"))).toBeNull();
    expect(mysqlErrorLine("sudo: a password is required\n")).toBeNull();
    expect(mysqlErrorLine(`ERROR 1064 (42000) at line 1: ${"x".repeat(2000)}`)?.length).toBe(500);
  });
});
