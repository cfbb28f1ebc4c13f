import { describe, expect, it } from "vitest";
import { mysqlMasterStatusProbe, parseMysqlMasterStatus } from "@/lib/probes/mysql-master-status";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("mysql-master-status", () => {
  it("builds SHOW MASTER STATUS and SHOW BINARY LOG STATUS commands", () => {
    expect(mysqlMasterStatusProbe.command({ defaultsFile: "/etc/mysql/cd.cnf", syntax: "master" })).toBe(
      "mysql --defaults-file=/etc/mysql/cd.cnf -e 'SHOW MASTER STATUS\\G'",
    );
    expect(mysqlMasterStatusProbe.command({ defaultsFile: "/etc/mysql/cd.cnf", syntax: "binary-log" })).toContain("SHOW BINARY LOG STATUS\\G");
  });

  it("reads the \\G form with its footer", () => {
    expect(valueOf(parseMysqlMasterStatus(fixture("mysql-master-status", "mysql-docs-show-master-status-G-gtid.txt")))).toEqual({
      binlogEnabled: true,
      file: "source-bin.000002",
      position: 1307,
      binlogDoDb: ["test"],
      binlogIgnoreDb: ["manual", "mysql"],
      executedGtidSet: "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5",
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
    });
    expect(valueOf(parseMysqlMasterStatus(fixture("mysql-master-status", "B-mariadb-10.11-TRAILING-TABS-LOST-UNATTRIBUTED-id59263202135.txt")))).toEqual({
      binlogEnabled: true,
      file: "ferry-bin.000001",
      position: 328,
      binlogDoDb: [],
      binlogIgnoreDb: [],
      executedGtidSet: null,
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
  ])("refuses %s", (_name, input) => {
    expect(parseMysqlMasterStatus(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
