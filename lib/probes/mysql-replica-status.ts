import type { DatabaseFlavour } from "@/lib/inventory/schema";
import { gtidSet, readVerticalRows, type VerticalRow } from "@/lib/probes/mysql-vertical";
import { needInt, toInt } from "@/lib/probes/numbers";
import { shellQuote } from "@/lib/ssh/quote";
import { cannotRead, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export type IoThreadState = "Yes" | "No" | "Connecting";

/** One replication channel, the same shape whatever the server calls its fields (Replica_/Slave_, Source_/Master_). */
export interface ReplicationChannel {
  /** "" for the default channel (MySQL Channel_Name, MariaDB Connection_name) */
  channel: string;
  ioRunning: IoThreadState;
  sqlRunning: "Yes" | "No";
  ioState: string;
  sqlState: string | null;
  sourceHost: string;
  sourcePort: number | null;
  sourceUser: string | null;
  sourceServerId: number | null;
  sourceUuid: string | null;
  /** Seconds_Behind_Source/Master; null when the server says NULL (a thread is stopped or reconnecting) */
  secondsBehind: number | null;
  lastIoErrno: number | null;
  lastIoError: string | null;
  /** Last_SQL_*, or Last_* on servers older than 5.1.20 that only have those */
  lastSqlErrno: number | null;
  lastSqlError: string | null;
  positions: {
    sourceLogFile: string | null;
    readSourceLogPos: number | null;
    relayLogFile: string | null;
    relayLogPos: number | null;
    relaySourceLogFile: string | null;
    execSourceLogPos: number | null;
  };
  gtid: {
    /** MySQL */
    retrievedSet: string | null;
    executedSet: string | null;
    autoPosition: boolean | null;
    /** MariaDB: Using_Gtid (No, Slave_Pos, Current_Pos) and positions */
    usingGtid: string | null;
    ioPos: string | null;
    slavePos: string | null;
  };
  sqlDelay: number | null;
  /** every field as printed, for display */
  fields: Record<string, string>;
}

export interface ReplicaStatus {
  /** false when the server answered with no rows: it is not configured as a replica */
  isReplica: boolean;
  channels: ReplicationChannel[];
}

export interface ReplicaStatusParams {
  /** the option file with the console's credentials (from the inventory) */
  defaultsFile: string;
  flavour: DatabaseFlavour;
  /** MySQL: SHOW REPLICA STATUS needs 8.0.22+; 5.7 only knows SHOW SLAVE STATUS */
  syntax: "replica" | "slave";
}

/**
 * MariaDB: SHOW ALL SLAVES STATUS, which adds Gtid_Slave_Pos (what the replica has applied, the figure a
 * GTID catch-up compares) and every named connection to SHOW SLAVE STATUS's fields.
 */
export function replicaStatusStatement(flavour: DatabaseFlavour, syntax: "replica" | "slave"): string {
  if (flavour === "mariadb") return "SHOW ALL SLAVES STATUS\\G";
  return syntax === "replica" ? "SHOW REPLICA STATUS\\G" : "SHOW SLAVE STATUS\\G";
}

/** whether the channel replicates by GTID (MariaDB Using_Gtid Slave_Pos/Current_Pos, MySQL Auto_Position=1) */
export function usesGtid(ch: ReplicationChannel): boolean {
  if (ch.gtid.usingGtid !== null) return ch.gtid.usingGtid !== "No";
  return ch.gtid.autoPosition === true;
}

/** The first of several names a field has had across MySQL and MariaDB versions. */
function pick(row: VerticalRow, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = row.get(name);
    if (value !== undefined) return value;
  }
  return undefined;
}

function text(row: VerticalRow, ...names: string[]): string | null {
  const value = pick(row, ...names);
  return value === undefined || value === "" ? null : value;
}

function count(row: VerticalRow, ...names: string[]): number | null {
  const value = pick(row, ...names);
  return value === undefined || value === "" || value === "NULL" ? null : needInt(value, names[0] ?? "field");
}

function channel(row: VerticalRow): ReplicationChannel {
  const io = pick(row, "Replica_IO_Running", "Slave_IO_Running");
  const sql = pick(row, "Replica_SQL_Running", "Slave_SQL_Running");
  if (io !== "Yes" && io !== "No" && io !== "Connecting") cannotRead(`IO thread state is ${JSON.stringify(io ?? "missing")}`);
  if (sql !== "Yes" && sql !== "No") cannotRead(`SQL thread state is ${JSON.stringify(sql ?? "missing")}`);
  const behind = pick(row, "Seconds_Behind_Source", "Seconds_Behind_Master");
  if (behind === undefined) cannotRead("Seconds_Behind_Source/Master is missing");
  const host = pick(row, "Source_Host", "Master_Host") ?? cannotRead("Source_Host/Master_Host is missing");
  const autoPosition = pick(row, "Auto_Position");
  const lastSqlErrno = count(row, "Last_SQL_Errno", "Last_Errno");
  return {
    channel: pick(row, "Channel_Name", "Channel_name", "Connection_name") ?? "",
    ioRunning: io,
    sqlRunning: sql,
    ioState: pick(row, "Replica_IO_State", "Slave_IO_State") ?? "",
    sqlState: text(row, "Replica_SQL_Running_State", "Slave_SQL_Running_State", "Slave_SQL_State"),
    sourceHost: host,
    sourcePort: count(row, "Source_Port", "Master_Port"),
    sourceUser: text(row, "Source_User", "Master_User"),
    sourceServerId: count(row, "Source_Server_Id", "Master_Server_Id"),
    sourceUuid: text(row, "Source_UUID", "Master_UUID"),
    secondsBehind: behind === "NULL" ? null : needInt(behind, "Seconds_Behind_Source"),
    lastIoErrno: count(row, "Last_IO_Errno"),
    lastIoError: text(row, "Last_IO_Error"),
    lastSqlErrno,
    lastSqlError: text(row, "Last_SQL_Error", "Last_Error"),
    positions: {
      sourceLogFile: text(row, "Source_Log_File", "Master_Log_File"),
      readSourceLogPos: count(row, "Read_Source_Log_Pos", "Read_Master_Log_Pos"),
      relayLogFile: text(row, "Relay_Log_File"),
      relayLogPos: count(row, "Relay_Log_Pos"),
      relaySourceLogFile: text(row, "Relay_Source_Log_File", "Relay_Master_Log_File"),
      execSourceLogPos: count(row, "Exec_Source_Log_Pos", "Exec_Master_Log_Pos"),
    },
    gtid: {
      retrievedSet: gtidSet(pick(row, "Retrieved_Gtid_Set")),
      executedSet: gtidSet(pick(row, "Executed_Gtid_Set")),
      autoPosition: autoPosition === undefined ? null : toInt(autoPosition) === 1,
      usingGtid: text(row, "Using_Gtid"),
      ioPos: gtidSet(pick(row, "Gtid_IO_Pos")),
      slavePos: gtidSet(pick(row, "Gtid_Slave_Pos")),
    },
    sqlDelay: count(row, "SQL_Delay"),
    fields: Object.fromEntries(row),
  };
}

export function parseMysqlReplicaStatus(stdout: string): Parsed<ReplicaStatus> {
  return readOutput(
    stdout,
    (input) => {
      if (/^Empty set\b/.test(input.trim())) return { isReplica: false, channels: [] };
      const rows = readVerticalRows(input);
      if (rows.length === 0) cannotRead("no rows in the output");
      return { isReplica: true, channels: rows.map(channel) };
    },
    { whenEmpty: () => ({ isReplica: false, channels: [] }) },
  );
}

export function mysqlCommand(defaultsFile: string, statement: string): string {
  // --defaults-file must come first or the client ignores it
  return `mysql --defaults-file=${shellQuote(defaultsFile)} -e ${shellQuote(statement)}`;
}

export const mysqlReplicaStatusProbe: Probe<ReplicaStatus, ReplicaStatusParams> = {
  name: "mysql-replica-status",
  roles: ["db"],
  readOnly: true,
  command: ({ defaultsFile, flavour, syntax }) => mysqlCommand(defaultsFile, replicaStatusStatement(flavour, syntax)),
  parse: parseMysqlReplicaStatus,
};
