import type { DatabaseFlavour } from "@/lib/inventory/schema";
import { parseGtidPos } from "@/lib/probes/mysql-gtid";
import { mysqlCommand } from "@/lib/probes/mysql-replica-status";
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
      /** MariaDB: @@gtid_binlog_pos, the last GTID written to the binary log per domain; null when not asked */
      gtidBinlogPos: string | null;
    };

export interface MasterStatusParams {
  defaultsFile: string;
  flavour: DatabaseFlavour;
  /** the server's @@version when known: MySQL 8.2+ says SHOW BINARY LOG STATUS, 8.4 no longer knows SHOW MASTER STATUS */
  version?: string | null;
}

/** MySQL 8.2 or later, by its @@version ("8.4.3", "8.0.40-0ubuntu0.22.04.1") */
function mysqlAtLeast82(version: string | null | undefined): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\./.exec(version ?? "");
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 8 || (major === 8 && minor >= 2);
}

/**
 * The binary log position (and MariaDB's GTID position, as a second row named Gtid_Binlog_Pos: MariaDB's
 * SHOW MASTER STATUS has no GTID column).
 */
export function masterStatusStatement(flavour: DatabaseFlavour, version?: string | null): string {
  if (flavour === "mariadb") return "SHOW MASTER STATUS\\G SELECT @@global.gtid_binlog_pos AS Gtid_Binlog_Pos\\G";
  return mysqlAtLeast82(version) ? "SHOW BINARY LOG STATUS\\G" : "SHOW MASTER STATUS\\G";
}

function databases(value: string | undefined): string[] {
  return (value ?? "").split(",").map((db) => db.trim()).filter(Boolean);
}

function status(row: VerticalRow, gtidBinlogPos: string | null): MasterStatus {
  const file = row.get("File");
  if (file === undefined || file === "") cannotRead("File is missing");
  return {
    binlogEnabled: true,
    file,
    position: needInt(row.get("Position"), "Position"),
    binlogDoDb: databases(row.get("Binlog_Do_DB")),
    binlogIgnoreDb: databases(row.get("Binlog_Ignore_DB")),
    executedGtidSet: gtidSet(row.get("Executed_Gtid_Set")),
    gtidBinlogPos,
  };
}

/** MariaDB's second row: only Gtid_Binlog_Pos */
function gtidRow(rows: VerticalRow[]): string | null | undefined {
  const last = rows[rows.length - 1];
  if (!last || last.size !== 1 || !last.has("Gtid_Binlog_Pos")) return undefined;
  const pos = (last.get("Gtid_Binlog_Pos") ?? "").trim();
  if (parseGtidPos(pos) === null) cannotRead(`Gtid_Binlog_Pos is not a GTID position: ${JSON.stringify(pos.slice(0, 80))}`);
  return pos;
}

export function parseMysqlMasterStatus(stdout: string): Parsed<MasterStatus> {
  return readOutput(
    stdout,
    (input) => {
      if (/^Empty set\b/.test(input.trim())) return { binlogEnabled: false };
      const rows = /^File\tPosition\t/.test(input) ? readBatchRows(input) : readVerticalRows(input);
      const gtid = gtidRow(rows);
      const statusRows = gtid === undefined ? rows : rows.slice(0, -1);
      if (statusRows.length === 0) return { binlogEnabled: false };
      if (statusRows.length > 1) cannotRead(`expected one row, got ${statusRows.length}`);
      const [row] = statusRows;
      return status(row ?? new Map(), gtid ?? null);
    },
    { whenEmpty: () => ({ binlogEnabled: false }) },
  );
}

export const mysqlMasterStatusProbe: Probe<MasterStatus, MasterStatusParams> = {
  name: "mysql-master-status",
  roles: ["db"],
  readOnly: true,
  command: ({ defaultsFile, flavour, version }) => mysqlCommand(defaultsFile, masterStatusStatement(flavour, version)),
  parse: parseMysqlMasterStatus,
};
