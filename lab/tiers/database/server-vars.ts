import type { World } from "../../model/types";
import type { DatabaseCluster } from "./cluster";
import type { Flavour, MysqlServer } from "./server";
import { binlogBase, fileName } from "./server";
import { currentPos, formatGtid } from "./gtid";
import type { SqlValue } from "./values";
import { int, str } from "./values";

export interface VarEntry {
  name: string;
  /** SHOW VARIABLES text */
  show: string;
  /** what SELECT @@name returns */
  value: SqlValue;
}

export function versionString(flavour: Flavour): string {
  if (flavour === "mysql8") return "8.0.39";
  if (flavour === "mysql57") return "5.7.44-log";
  // Debian 12's mariadb-server with log_bin on (`mariadbd --version`: 10.11.19-MariaDB-0+deb12u1)
  return "10.11.19-MariaDB-0+deb12u1-log";
}

function onOff(name: string, on: boolean): VarEntry {
  return { name, show: on ? "ON" : "OFF", value: int(on ? 1 : 0) };
}

function text(name: string, v: string): VarEntry {
  return { name, show: v, value: str(v) };
}

function num(name: string, v: number): VarEntry {
  return { name, show: String(v), value: int(v) };
}

export function globalVariables(world: World, s: MysqlServer): VarEntry[] {
  const f = s.flavour;
  const info = world.vm(s.vm);
  const skip = s.replica?.skipCounter ?? 0;
  const vars: VarEntry[] = [
    text("binlog_format", f === "mariadb" ? "MIXED" : "ROW"),
    text("datadir", "/var/lib/mysql/"),
    text("hostname", info.hostname),
    num("innodb_buffer_pool_size", 4_294_967_296),
    num("innodb_flush_log_at_trx_commit", 1),
    onOff("log_bin", true),
    text("log_bin_basename", `/var/lib/mysql/${binlogBase(f)}`),
    onOff(f === "mysql8" ? "log_replica_updates" : "log_slave_updates", true),
    num("max_connections", 151),
    num("port", 3306),
    onOff("read_only", s.readOnly),
    onOff("relay_log_recovery", false),
    text("report_host", ""),
    num("server_id", s.serverId),
    text("socket", "/var/run/mysqld/mysqld.sock"),
    num("sync_binlog", 1),
    text("system_time_zone", "UTC"),
    text("time_zone", "SYSTEM"),
    text("version", versionString(f)),
    text(
      "version_comment",
      f === "mariadb" ? "Debian 12" : f === "mysql8" ? "MySQL Community Server - GPL" : "MySQL Community Server (GPL)",
    ),
  ];
  if (f !== "mariadb") {
    vars.push(
      text("enforce_gtid_consistency", "OFF"),
      text("gtid_executed", ""),
      text("gtid_mode", "OFF"),
      text("server_uuid", s.uuid),
      onOff("super_read_only", s.superReadOnly),
      num("slave_net_timeout", 60),
      num("sql_slave_skip_counter", skip),
      num(f === "mysql8" ? "replica_parallel_workers" : "slave_parallel_workers", f === "mysql8" ? 4 : 0),
    );
  } else {
    const state = [...s.binlogState].sort(([a], [b]) => a - b).map(([server, seq]) => `0-${server}-${seq}`).join(",");
    vars.push(
      text("gtid_binlog_pos", formatGtid(s.lastBinlogGtid)),
      text("gtid_binlog_state", state),
      text("gtid_current_pos", formatGtid(currentPos(s.ownBinlogged(), s.slavePos))),
      num("gtid_domain_id", 0),
      onOff("gtid_ignore_duplicates", false),
      text("gtid_slave_pos", formatGtid(s.slavePos)),
      onOff("gtid_strict_mode", false),
      num("slave_net_timeout", 60),
      num("sql_slave_skip_counter", skip),
      num("slave_parallel_threads", 0),
      text("slave_parallel_mode", "optimistic"),
    );
  }
  if (f === "mysql8") {
    vars.push(num("replica_net_timeout", 60), num("sql_replica_skip_counter", skip));
  }
  return vars.sort((a, b) => a.name.localeCompare(b.name));
}

export function findVariable(world: World, s: MysqlServer, name: string): VarEntry | undefined {
  return globalVariables(world, s).find((v) => v.name === name.toLowerCase());
}

export function threadsConnected(cluster: DatabaseCluster, s: MysqlServer): number {
  const dumps = Object.values(cluster.servers).filter(
    (o) => o !== s && o.replica?.ioConnected && o.replica.sourceHost !== "" && o.running,
  ).length;
  return 1 + cluster.webConnections[s.vm] + dumps + (s.readOnly ? 0 : 1);
}

export function globalStatus(world: World, cluster: DatabaseCluster, s: MysqlServer): [string, string][] {
  const uptime = Math.max(0, Math.floor((world.now() - s.startedAt) / 1000));
  const connected = threadsConnected(cluster, s);
  const running = 1 + Math.ceil(cluster.webConnections[s.vm] / 4);
  const rows: [string, string][] = [
    ["Aborted_clients", "3"],
    ["Aborted_connects", "0"],
    ["Binlog_cache_disk_use", "0"],
    ["Binlog_cache_use", String(s.ownTxns)],
    ["Bytes_received", String(s.bytesReceived + s.questions * 120)],
    ["Bytes_sent", String(s.bytesSent + s.questions * 900)],
    ["Com_delete", String(s.comDelete)],
    ["Com_insert", String(s.comInsert)],
    ["Com_select", String(s.comSelect)],
    ["Com_update", String(s.comUpdate)],
    ["Connections", String(s.connections + 1200)],
    ["Innodb_buffer_pool_pages_dirty", String(12 + (s.ownTxns % 97))],
    ["Max_used_connections", String(Math.max(connected, 24))],
    ["Open_tables", "412"],
    ["Opened_tables", "1873"],
    ["Queries", String(s.questions + s.ownTxns)],
    ["Questions", String(s.questions)],
    ["Slow_queries", "0"],
    ["Threads_cached", "6"],
    ["Threads_connected", String(connected)],
    ["Threads_created", String(40 + connected)],
    ["Threads_running", String(running)],
    ["Uptime", String(uptime)],
    ["Uptime_since_flush_status", String(uptime)],
  ];
  return rows;
}

export function masterStatus(s: MysqlServer): { columns: string[]; row: string[] } {
  const file = fileName(s.flavour, s.binlogFile);
  if (s.flavour === "mariadb") {
    return { columns: ["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB"], row: [file, String(s.binlogPos), "", ""] };
  }
  return {
    columns: ["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set"],
    row: [file, String(s.binlogPos), "", "", ""],
  };
}
