import { describe, expect, it } from "vitest";
import { mysqlMasterStatusProbe, parseMysqlMasterStatus } from "@/lib/probes/mysql-master-status";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("mysql-master-status", () => {
  it("builds the statement per flavour: MariaDB adds its GTID position, MySQL 8.2+ says SHOW BINARY LOG STATUS", () => {
    expect(mysqlMasterStatusProbe.command({ defaultsFile: "/etc/mysql/cd.cnf", flavour: "mariadb" })).toBe(
      "mysql --defaults-file=/etc/mysql/cd.cnf -e 'SHOW MASTER STATUS\\G SELECT @@global.gtid_binlog_pos AS Gtid_Binlog_Pos\\G'",
    );
    expect(mysqlMasterStatusProbe.command({ defaultsFile: "/etc/mysql/cd.cnf", flavour: "mysql", version: "8.0.40-0ubuntu0.22.04.1" })).toContain("'SHOW MASTER STATUS\\G'");
    expect(mysqlMasterStatusProbe.command({ defaultsFile: "/etc/mysql/cd.cnf", flavour: "mysql", version: "8.4.3" })).toContain("'SHOW BINARY LOG STATUS\\G'");
    expect(mysqlMasterStatusProbe.command({ defaultsFile: "/etc/mysql/cd.cnf", flavour: "mysql", version: null })).toContain("'SHOW MASTER STATUS\\G'");
  });

  it("reads MariaDB 10.11's two rows: the binary log position and @@gtid_binlog_pos (real run)", () => {
    expect(valueOf(parseMysqlMasterStatus(fixture("mysql-master-status", "mariadb-10.11-G-with-gtid-binlog-pos.txt")))).toEqual({
      binlogEnabled: true,
      file: "bin.000001",
      position: 12309,
      binlogDoDb: [],
      binlogIgnoreDb: [],
      executedGtidSet: null,
      gtidBinlogPos: "0-1-38",
    });
    expect(valueOf(parseMysqlMasterStatus(fixture("mysql-master-status", "mariadb-10.11-G-replica-with-gtid-binlog-pos.txt")))).toMatchObject({ position: 12293, gtidBinlogPos: "0-1-38" });
    // binary logging off: SHOW MASTER STATUS has no row, the GTID row is still there
    expect(valueOf(parseMysqlMasterStatus("*************************** 1. row ***************************\nGtid_Binlog_Pos: \n"))).toEqual({ binlogEnabled: false });
  });

  it("reads the \\G form with its footer", () => {
    expect(valueOf(parseMysqlMasterStatus(fixture("mysql-master-status", "mysql-docs-show-master-status-G-gtid.txt")))).toEqual({
      binlogEnabled: true,
      file: "source-bin.000002",
      position: 1307,
      binlogDoDb: ["test"],
      binlogIgnoreDb: ["manual", "mysql"],
      executedGtidSet: "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5",
      gtidBinlogPos: null,
    });
  });

  it("reads the tab-separated -B form", () => {
    expect(valueOf(parseMysqlMasterStatus(fixture("mysql-master-status", "B-tab-separated-gtid-UNATTRIBUTED-id26981444445.txt")))).toEqual({
      binlogEnabled: true,
      file: "mysql-bin-1.000003",
      position: 1397,
      binlogDoDb: [],
      binlogIgnoreDb: [],
      executedGtidSet: "ef63f0b7-f4c0-11ec-a54d-0242ac160002:1-14",
      gtidBinlogPos: null,
    });
    expect(valueOf(parseMysqlMasterStatus(fixture("mysql-master-status", "B-mariadb-10.11-TRAILING-TABS-LOST-UNATTRIBUTED-id59263202135.txt")))).toEqual({
      binlogEnabled: true,
      file: "ferry-bin.000001",
      position: 328,
      binlogDoDb: [],
      binlogIgnoreDb: [],
      executedGtidSet: null,
      gtidBinlogPos: null,
    });
  });

  it("reads a multi-line GTID set in both forms", () => {
    const vertical = "*************************** 1. row ***************************\n             File: b.000001\n         Position: 4\n     Binlog_Do_DB: \n Binlog_Ignore_DB: \nExecuted_Gtid_Set: aaaaaaaa-0000-0000-0000-000000000001:1-5,\nbbbbbbbb-0000-0000-0000-000000000002:1-9\n";
    expect(valueOf(parseMysqlMasterStatus(vertical))).toMatchObject({
      executedGtidSet: "aaaaaaaa-0000-0000-0000-000000000001:1-5,bbbbbbbb-0000-0000-0000-000000000002:1-9",
    });
    const batch = "File\tPosition\tBinlog_Do_DB\tBinlog_Ignore_DB\tExecuted_Gtid_Set\nb.000001\t4\t\t\taaaa:1-5,\\nbbbb:1-9\n";
    expect(valueOf(parseMysqlMasterStatus(batch))).toMatchObject({ executedGtidSet: "aaaa:1-5,bbbb:1-9" });
  });

  it("reads no rows as binary logging off", () => {
    expect(valueOf(parseMysqlMasterStatus(""))).toEqual({ binlogEnabled: false });
    expect(valueOf(parseMysqlMasterStatus("Empty set (0.00 sec)\n"))).toEqual({ binlogEnabled: false });
  });

  const sample = fixture("mysql-master-status", "mysql-docs-show-master-status-G-gtid.txt");
  it.each([
    ...garbage("mysql").filter(([name]) => name !== "empty" && name !== "whitespace"),
    ["letters for numbers", sample.replace("Position: 1307", "Position: 13o7")],
    ["truncated header", "*************************** 1. r"],
    ["no File", sample.replace(/^\s*File: .*\n/m, "")],
    ["batch row with extra columns", "File\tPosition\nb.000001\t4\tx\n"],
    ["access denied", "ERROR 1227 (42000): Access denied; you need (at least one of) the SUPER, REPLICATION CLIENT privilege(s) for this operation\n"],
    ["MariaDB's access denied (real run)", fixture("mysql-client", "mariadb-10.11-show-master-status-1227.stderr.txt")],
    ["a GTID row that is not a position", fixture("mysql-master-status", "mariadb-10.11-G-with-gtid-binlog-pos.txt").replace("0-1-38", "0-1-x")],
  ])("refuses %s", (_name, input) => {
    expect(parseMysqlMasterStatus(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
