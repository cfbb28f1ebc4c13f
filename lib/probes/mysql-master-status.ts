import { mysqlCommand, type MysqlQueryParams } from "@/lib/probes/mysql-replica-status";
import { gtidSet, readBatchRows, readVerticalRows, type VerticalRow } from "@/lib/probes/mysql-vertical";
import { needInt } from "@/lib/probes/numbers";
import { cannotRead, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export type MasterStatus =
  /** no rows: binary logging is off, so this server cannot be a replication source */
  | { binlogEnabled: false }
  | {
      binlogEnabled: true;
      file: string;
      position: number;
      binlogDoDb: string[];
      binlogIgnoreDb: string[];
      /** MySQL with GTIDs; null on MariaDB (no such column) or when empty */
      executedGtidSet: string | null;
    };

export interface MasterStatusParams extends MysqlQueryParams {
  /** MySQL 8.4 removed SHOW MASTER STATUS in favour of SHOW BINARY LOG STATUS (same columns) */
  syntax: "master" | "binary-log";
}

function databases(value: string | undefined): string[] {
  return (value ?? "").split(",").map((db) => db.trim()).filter(Boolean);
}

function status(row: VerticalRow): MasterStatus {
  const file = row.get("File");
  if (file === undefined || file === "") cannotRead("File is missing");
  return {
    binlogEnabled: true,
    file,
    position: needInt(row.get("Position"), "Position"),
    binlogDoDb: databases(row.get("Binlog_Do_DB")),
    binlogIgnoreDb: databases(row.get("Binlog_Ignore_DB")),
    executedGtidSet: gtidSet(row.get("Executed_Gtid_Set")),
  };
}

export function parseMysqlMasterStatus(stdout: string): Parsed<MasterStatus> {
  return readOutput(
    stdout,
    (input) => {
      if (/^Empty set\b/.test(input.trim())) return { binlogEnabled: false };
      const rows = /^File\tPosition\t/.test(input) ? readBatchRows(input) : readVerticalRows(input);
      if (rows.length === 0) return { binlogEnabled: false };
      if (rows.length > 1) cannotRead(`expected one row, got ${rows.length}`);
      const [row] = rows;
      return status(row ?? new Map());
    },
    { whenEmpty: () => ({ binlogEnabled: false }) },
  );
}

export const mysqlMasterStatusProbe: Probe<MasterStatus, MasterStatusParams> = {
  name: "mysql-master-status",
  roles: ["db"],
  readOnly: true,
  command: ({ defaultsFile, syntax }) =>
    mysqlCommand(defaultsFile, syntax === "master" ? "SHOW MASTER STATUS\\G" : "SHOW BINARY LOG STATUS\\G"),
  parse: parseMysqlMasterStatus,
};
