import { needAnyOf } from "./accounts";
import type { Flavour, ReplicaChannel, UseGtid } from "./server";
import { binlogStart, newChannel } from "./server";
import type { SqlSession, StmtResult } from "./sql-session";
import { OK } from "./sql-session";
import type { Cursor } from "./sql-lexer";
import { SqlError } from "./sql-lexer";

/** privileges a replication statement needs, as each server names them in its ERROR 1227 */
export function replicationAdmin(f: Flavour): string[] {
  return f === "mariadb" ? ["SUPER", "REPLICATION SLAVE ADMIN"] : ["SUPER", "REPLICATION_SLAVE_ADMIN"];
}

function replicaNotConfigured(f: Flavour): SqlError {
  if (f === "mariadb") return new SqlError(1200, "HY000", "Misconfigured slave: MASTER_HOST was not set; Fix in config file or with CHANGE MASTER TO");
  if (f === "mysql8") {
    return new SqlError(1200, "HY000", "The server is not configured as replica; fix in config file or with CHANGE REPLICATION SOURCE TO");
  }
  return new SqlError(1200, "HY000", "The server is not configured as slave; fix in config file or with CHANGE MASTER TO");
}

export function runningReplicaError(f: Flavour, what: "reset" | "change"): SqlError {
  if (f === "mariadb") return new SqlError(1198, "HY000", "This operation cannot be performed as you have a running slave ''; run STOP SLAVE '' first");
  if (f === "mysql8") {
    return what === "reset"
      ? new SqlError(3081, "HY000", "This operation cannot be performed with running replication threads; run STOP SLAVE FOR CHANNEL '' first")
      : new SqlError(3021, "HY000", "This operation cannot be performed with a running replica io thread; run STOP REPLICA IO_THREAD FOR CHANNEL '' first.");
  }
  return new SqlError(1198, "HY000", "This operation cannot be performed with a running slave; run STOP SLAVE first");
}

function threadsClause(c: Cursor): { io: boolean; sql: boolean } {
  let io = false;
  let sql = false;
  do {
    if (c.accept("IO_THREAD")) io = true;
    else if (c.accept("SQL_THREAD")) sql = true;
  } while (c.accept(","));
  if (c.accept("FOR", "CHANNEL")) c.next();
  return io || sql ? { io, sql } : { io: true, sql: true };
}

/** REPLICA is accepted by MySQL 8.0.22+ and MariaDB 10.5.1+, SLAVE by all */
function replicaWord(c: Cursor, f: Flavour): void {
  if (f !== "mysql57" && c.accept("REPLICA")) return;
  c.expect("SLAVE");
}

/** START|STOP SLAVE|REPLICA [IO_THREAD|SQL_THREAD], and MariaDB's START|STOP ALL SLAVES */
export function startStop(c: Cursor, sess: SqlSession, start: boolean): StmtResult {
  const f = sess.server.flavour;
  if (f === "mariadb" && c.accept("ALL", "SLAVES")) {
    if (!c.atEnd()) throw c.error();
    needAnyOf(sess.account, replicationAdmin(f));
    if (sess.server.replica?.sourceHost) applyStartStop(sess.server.replica, start, { io: true, sql: true });
    return OK;
  }
  replicaWord(c, f);
  const which = threadsClause(c);
  if (!c.atEnd()) throw c.error();
  needAnyOf(sess.account, replicationAdmin(f));
  const ch = sess.server.replica;
  if (!ch || ch.sourceHost === "") {
    if (start) throw replicaNotConfigured(f);
    return OK;
  }
  applyStartStop(ch, start, which);
  return OK;
}

function applyStartStop(ch: ReplicaChannel, start: boolean, which: { io: boolean; sql: boolean }): void {
  if (start) {
    if (which.io && !ch.ioRunning) {
      ch.ioRunning = true;
      ch.ioConnected = false;
      ch.ioWaitState = "connecting";
      ch.lastIoAttempt = Number.NEGATIVE_INFINITY;
      ch.lastIoErrno = 0;
      ch.lastIoError = "";
      ch.lastIoErrorAt = null;
    }
    if (which.sql && !ch.sqlRunning) {
      ch.sqlRunning = true;
      ch.lastSqlErrno = 0;
      ch.lastSqlError = "";
      ch.lastSqlErrorAt = null;
    }
    return;
  }
  if (which.io) {
    ch.ioRunning = false;
    ch.ioConnected = false;
  }
  if (which.sql) ch.sqlRunning = false;
}

const USE_GTID: Record<string, UseGtid> = { SLAVE_POS: "Slave_Pos", CURRENT_POS: "Current_Pos", NO: "No" };

/** CHANGE MASTER TO (and MySQL 8's CHANGE REPLICATION SOURCE TO) */
export function changeSource(c: Cursor, sess: SqlSession): StmtResult {
  const s = sess.server;
  const f = s.flavour;
  if (f === "mysql8" && c.accept("REPLICATION", "SOURCE", "TO")) {
    // SOURCE_* option names below
  } else c.expect("MASTER", "TO");
  const opts = new Map<string, { text: string; type: string }>();
  do {
    const key = c.peek();
    if (key.type !== "ident") throw c.error();
    const name = key.upper;
    // MariaDB 10.11 has neither SOURCE_* names nor MASTER_AUTO_POSITION: its parser stops at the option
    if (f === "mariadb" && (name.startsWith("SOURCE_") || name === "MASTER_AUTO_POSITION")) throw c.error();
    c.next();
    c.expect("=");
    const v = c.peek();
    const canonical = name.replace(/^SOURCE_/, "MASTER_");
    if (canonical === "MASTER_USE_GTID") {
      if (f !== "mariadb") throw c.error();
      if (v.type !== "ident" || !(v.upper in USE_GTID)) throw c.error();
    }
    if (["MASTER_PORT", "MASTER_LOG_POS", "MASTER_CONNECT_RETRY", "MASTER_AUTO_POSITION"].includes(canonical) && v.type !== "number") throw c.error();
    if (["MASTER_HOST", "MASTER_USER", "MASTER_PASSWORD", "MASTER_LOG_FILE"].includes(canonical) && v.type !== "string") throw c.error();
    c.next();
    opts.set(canonical, { text: v.text, type: v.type });
  } while (c.accept(","));
  if (c.accept("FOR", "CHANNEL")) c.next();
  if (!c.atEnd()) throw c.error();
  needAnyOf(sess.account, replicationAdmin(f));
  const ch = s.replica;
  if (ch && (ch.ioRunning || ch.sqlRunning)) throw runningReplicaError(f, "change");
  const next = ch ?? { ...newChannel("", sess.world.now(), f), ioRunning: false, sqlRunning: false };
  const host = opts.get("MASTER_HOST")?.text;
  const port = opts.get("MASTER_PORT")?.text;
  if (host !== undefined || port !== undefined) {
    // a new host or port forgets the old coordinates (MariaDB 10.11.19 shows Master_Log_File '' after it)
    if (host !== undefined) next.sourceHost = host;
    if (port !== undefined) next.sourcePort = Number(port);
    resetCoordinates(next);
  }
  const user = opts.get("MASTER_USER")?.text;
  if (user !== undefined) next.sourceUser = user;
  const password = opts.get("MASTER_PASSWORD")?.text;
  if (password !== undefined) next.sourcePassword = password;
  const retry = opts.get("MASTER_CONNECT_RETRY")?.text;
  if (retry !== undefined) next.connectRetry = Number(retry);
  const auto = opts.get("MASTER_AUTO_POSITION")?.text;
  if (auto !== undefined) next.autoPosition = auto === "1";
  const file = opts.get("MASTER_LOG_FILE")?.text;
  const pos = opts.get("MASTER_LOG_POS")?.text;
  if (file !== undefined || pos !== undefined) {
    const idx = file !== undefined ? Number(/\.(\d+)$/.exec(file)?.[1] ?? "0") : next.readFile;
    const p = pos !== undefined ? Number(pos) : binlogStart(f);
    next.readFile = idx;
    next.readPos = p;
    next.execFile = idx;
    next.execPos = p;
    next.relay = [];
    next.relaySpace = 0;
    if (f === "mariadb") next.useGtid = "No";
  }
  const useGtid = opts.get("MASTER_USE_GTID")?.text;
  if (useGtid !== undefined) next.useGtid = USE_GTID[useGtid.toUpperCase()] ?? "No";
  next.ioConnected = false;
  next.ioWaitState = "";
  next.lastIoAttempt = Number.NEGATIVE_INFINITY;
  s.replica = next;
  return OK;
}

function resetCoordinates(ch: ReplicaChannel): void {
  ch.readFile = 0;
  ch.readPos = 0;
  ch.execFile = 0;
  ch.execPos = 0;
  ch.relay = [];
  ch.relaySpace = 0;
}

/** RESET SLAVE|REPLICA [ALL] and RESET MASTER: both need RELOAD (MariaDB 10.11.19 checks it first) */
export function resetStatement(c: Cursor, sess: SqlSession): StmtResult {
  const s = sess.server;
  const f = s.flavour;
  if (c.accept("MASTER") || (f === "mysql8" && c.accept("BINARY", "LOGS", "AND", "GTIDS"))) {
    if (!c.atEnd()) throw c.error();
    needAnyOf(sess.account, ["RELOAD"]);
    s.resetMaster();
    return OK;
  }
  replicaWord(c, f);
  const all = c.accept("ALL");
  if (c.accept("FOR", "CHANNEL")) c.next();
  if (!c.atEnd()) throw c.error();
  needAnyOf(sess.account, ["RELOAD"]);
  const ch = s.replica;
  if (!ch) return OK;
  if (ch.ioRunning || ch.sqlRunning) throw runningReplicaError(f, "reset");
  if (all) {
    // host, user and password are forgotten; gtid_slave_pos stays
    s.replica = null;
    return OK;
  }
  resetCoordinates(ch);
  Object.assign(ch, {
    relayFile: ch.relayFile + 1,
    relayPos: 4,
    gtidIoPos: null,
    lastIoErrno: 0,
    lastIoError: "",
    lastIoErrorAt: null,
    lastSqlErrno: 0,
    lastSqlError: "",
    lastSqlErrorAt: null,
  });
  return OK;
}
