import type { World } from "../../model/types";
import { findVm } from "../shared/exec";
import { mysqlErrorTimestamp } from "../shared/time";
import type { DatabaseCluster } from "./cluster";
import { isDbVm, secondsBehind } from "./cluster";
import type { MysqlServer } from "./server";
import { fileName } from "./server";
import { formatGtid } from "./gtid";

/** MySQL 8.0.22+ SHOW REPLICA STATUS columns, in server order */
const REPLICA_80 = [
  "Replica_IO_State", "Source_Host", "Source_User", "Source_Port", "Connect_Retry", "Source_Log_File",
  "Read_Source_Log_Pos", "Relay_Log_File", "Relay_Log_Pos", "Relay_Source_Log_File", "Replica_IO_Running",
  "Replica_SQL_Running", "Replicate_Do_DB", "Replicate_Ignore_DB", "Replicate_Do_Table", "Replicate_Ignore_Table",
  "Replicate_Wild_Do_Table", "Replicate_Wild_Ignore_Table", "Last_Errno", "Last_Error", "Skip_Counter",
  "Exec_Source_Log_Pos", "Relay_Log_Space", "Until_Condition", "Until_Log_File", "Until_Log_Pos",
  "Source_SSL_Allowed", "Source_SSL_CA_File", "Source_SSL_CA_Path", "Source_SSL_Cert", "Source_SSL_Cipher",
  "Source_SSL_Key", "Seconds_Behind_Source", "Source_SSL_Verify_Server_Cert", "Last_IO_Errno", "Last_IO_Error",
  "Last_SQL_Errno", "Last_SQL_Error", "Replicate_Ignore_Server_Ids", "Source_Server_Id", "Source_UUID",
  "Source_Info_File", "SQL_Delay", "SQL_Remaining_Delay", "Replica_SQL_Running_State", "Source_Retry_Count",
  "Source_Bind", "Last_IO_Error_Timestamp", "Last_SQL_Error_Timestamp", "Source_SSL_Crl", "Source_SSL_Crlpath",
  "Retrieved_Gtid_Set", "Executed_Gtid_Set", "Auto_Position", "Replicate_Rewrite_DB", "Channel_Name",
  "Source_TLS_Version", "Source_public_key_path", "Get_Source_public_key", "Network_Namespace",
];

const MARIADB = [
  "Slave_IO_State", "Master_Host", "Master_User", "Master_Port", "Connect_Retry", "Master_Log_File",
  "Read_Master_Log_Pos", "Relay_Log_File", "Relay_Log_Pos", "Relay_Master_Log_File", "Slave_IO_Running",
  "Slave_SQL_Running", "Replicate_Do_DB", "Replicate_Ignore_DB", "Replicate_Do_Table", "Replicate_Ignore_Table",
  "Replicate_Wild_Do_Table", "Replicate_Wild_Ignore_Table", "Last_Errno", "Last_Error", "Skip_Counter",
  "Exec_Master_Log_Pos", "Relay_Log_Space", "Until_Condition", "Until_Log_File", "Until_Log_Pos",
  "Master_SSL_Allowed", "Master_SSL_CA_File", "Master_SSL_CA_Path", "Master_SSL_Cert", "Master_SSL_Cipher",
  "Master_SSL_Key", "Seconds_Behind_Master", "Master_SSL_Verify_Server_Cert", "Last_IO_Errno", "Last_IO_Error",
  "Last_SQL_Errno", "Last_SQL_Error", "Replicate_Ignore_Server_Ids", "Master_Server_Id", "Master_SSL_Crl",
  "Master_SSL_Crlpath", "Using_Gtid", "Gtid_IO_Pos", "Replicate_Do_Domain_Ids", "Replicate_Ignore_Domain_Ids",
  "Parallel_Mode", "SQL_Delay", "SQL_Remaining_Delay", "Slave_SQL_Running_State", "Slave_DDL_Groups",
  "Slave_Non_Transactional_Groups", "Slave_Transactional_Groups", "Replicate_Rewrite_DB",
];

const ALL_SLAVES_EXTRA = ["Retried_transactions", "Max_relay_log_size", "Executed_log_entries", "Slave_received_heartbeats", "Slave_heartbeat_period", "Gtid_Slave_Pos"];

/** the pre-8.0.22 name of a SHOW REPLICA STATUS column */
function oldName(name: string): string {
  if (name === "Get_Source_public_key") return "Get_master_public_key";
  if (name === "Source_public_key_path") return "Master_public_key_path";
  return name.replace(/Source/g, "Master").replace(/^Replica_/, "Slave_");
}

export interface ReplicaStatus {
  columns: string[];
  row: (string | null)[];
}

/** SHOW REPLICA|SLAVE STATUS for `s`; null when it is not a replica (empty result) */
export function replicaStatus(
  world: World,
  cluster: DatabaseCluster,
  s: MysqlServer,
  statement: "replica" | "slave" | "all",
): ReplicaStatus | null {
  const ch = s.replica;
  if (!ch) return null;
  const f = s.flavour;
  const modern = f === "mysql8";
  const word = modern ? "source" : "master";
  const srcVm = findVm(world, ch.sourceHost);
  const src = srcVm && isDbVm(srcVm) ? cluster.server(srcVm) : null;
  const caughtUp = ch.relay.every((t) => t.origin === s.serverId);
  const ioRunning = ch.ioRunning ? (ch.ioConnected ? "Yes" : "Connecting") : "No";
  let ioState = !ch.ioRunning ? "" : ch.ioConnected ? `Waiting for ${word} to send event` : `Connecting to ${word}`;
  if (f === "mariadb" && ch.ioRunning && !ch.ioConnected) {
    if (ch.ioWaitState === "reconnecting") ioState = "Reconnecting after a failed master event read";
    if (ch.ioWaitState === "registration") ioState = "Waiting to reconnect after a failed registration on master";
  }
  let sqlState = "";
  if (ch.sqlRunning) {
    if (caughtUp) sqlState = `${modern ? "Replica" : "Slave"} has read all relay log; waiting for more updates`;
    else sqlState = modern ? "Waiting for dependent transaction to commit" : "Reading event from the relay log";
  }
  const sbm = secondsBehind(world.now(), s, ch);
  // MariaDB names relay logs after the pid file (Debian: /run/mysqld/mysqld.pid), MySQL after the host
  const relayBase = f === "mariadb" ? "mysqld" : world.vm(s.vm).hostname;
  const relayName = `${relayBase}-relay-bin.${String(ch.relayFile).padStart(6, "0")}`;
  const v: Record<string, string | null> = {
    Replica_IO_State: ioState,
    Source_Host: ch.sourceHost,
    Source_User: ch.sourceUser,
    Source_Port: String(ch.sourcePort),
    Connect_Retry: String(ch.connectRetry),
    Source_Log_File: ch.readFile > 0 ? fileName(f, ch.readFile) : "",
    Read_Source_Log_Pos: String(ch.readFile > 0 ? ch.readPos : 4),
    Relay_Log_File: relayName,
    Relay_Log_Pos: String(Math.max(4, ch.relayPos - ch.relaySpace)),
    Relay_Source_Log_File: ch.execFile > 0 ? fileName(f, ch.execFile) : "",
    Replica_IO_Running: ioRunning,
    Replica_SQL_Running: ch.sqlRunning ? "Yes" : "No",
    Last_Errno: String(ch.lastSqlErrno),
    Last_Error: ch.lastSqlError,
    Skip_Counter: String(ch.skipCounter),
    Exec_Source_Log_Pos: String(ch.execFile > 0 ? ch.execPos : ch.sqlRunning && f === "mariadb" ? 4 : 0),
    Relay_Log_Space: String(ch.relayPos + 211),
    Until_Condition: "None",
    Until_Log_Pos: "0",
    Source_SSL_Allowed: "No",
    Seconds_Behind_Source: sbm === null ? null : String(sbm),
    Source_SSL_Verify_Server_Cert: "No",
    Last_IO_Errno: String(ch.lastIoErrno),
    Last_IO_Error: ch.lastIoError,
    Last_SQL_Errno: String(ch.lastSqlErrno),
    Last_SQL_Error: ch.lastSqlError,
    Source_Server_Id: String(src && ch.readFile > 0 ? src.serverId : 0),
    Source_UUID: src && ch.readFile > 0 ? src.uuid : "",
    Source_Info_File: modern ? "mysql.slave_master_info" : "/var/lib/mysql/master.info",
    SQL_Delay: "0",
    SQL_Remaining_Delay: null,
    Replica_SQL_Running_State: sqlState,
    Source_Retry_Count: String(ch.retryCount),
    Last_IO_Error_Timestamp: ch.lastIoErrorAt === null ? "" : mysqlErrorTimestamp(ch.lastIoErrorAt),
    Last_SQL_Error_Timestamp: ch.lastSqlErrorAt === null ? "" : mysqlErrorTimestamp(ch.lastSqlErrorAt),
    Auto_Position: ch.autoPosition ? "1" : "0",
    Get_Source_public_key: "0",
    // MariaDB-only columns
    Using_Gtid: ch.useGtid,
    Gtid_IO_Pos: formatGtid(ch.gtidIoPos),
    Parallel_Mode: "optimistic",
    Slave_DDL_Groups: String(s.binlog.filter((t) => t.origin !== s.serverId && t.op.kind === "account").length),
    Slave_Non_Transactional_Groups: "0",
    Slave_Transactional_Groups: String(s.binlog.filter((t) => t.origin !== s.serverId && t.op.kind !== "account").length),
  };
  if (f === "mariadb") {
    const canonical = (name: string): string => name.replace(/Master/g, "Source").replace(/^Slave_/, "Replica_");
    const pick = (c: string): string | null => {
      const key = c in v ? c : canonical(c);
      return key in v ? (v[key] ?? null) : "";
    };
    const row = MARIADB.map(pick);
    if (statement !== "all") return { columns: MARIADB, row };
    // SHOW ALL SLAVES STATUS (10.11.19): the connection's name and SQL state first, counters and Gtid_Slave_Pos last
    const applied = s.binlog.filter((t) => t.origin !== s.serverId).length;
    return {
      columns: ["Connection_name", "Slave_SQL_State", ...MARIADB, ...ALL_SLAVES_EXTRA],
      row: ["", sqlState, ...row, "0", "1073741824", String(applied * 4 + 3), String(Math.floor((world.now() - s.startedAt) / 30_000)), "30.000", formatGtid(s.slavePos)],
    };
  }
  let columns = REPLICA_80;
  if (f === "mysql57") columns = REPLICA_80.slice(0, REPLICA_80.indexOf("Source_TLS_Version") + 1);
  const names = statement === "replica" && modern ? columns : columns.map(oldName);
  return { columns: names, row: columns.map((c) => (c in v ? (v[c] ?? null) : "")) };
}
