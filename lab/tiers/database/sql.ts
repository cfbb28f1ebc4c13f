import type { World } from "../../model/types";
import type { DatabaseCluster } from "./cluster";
import { replicaStatus } from "./replica-status";
import type { MysqlServer } from "./server";
import { binlogStart, fileName, newChannel } from "./server";
import { findVariable, globalStatus, globalVariables, masterStatus, versionString } from "./server-vars";
import type { EvalEnv, Expr } from "./sql-expr";
import { evaluate, hasAggregate, likeMatch, parseExpr } from "./sql-expr";
import { Cursor, SqlError, tokenize } from "./sql-lexer";
import type { SqlValue } from "./values";
import { NULL, compare, int, isNumeric, render, str, truthy } from "./values";

export interface Column {
  name: string;
  numeric: boolean;
}

export type StmtResult = { kind: "rows"; columns: Column[]; rows: (string | null)[][] } | { kind: "ok" };

export interface SqlSession {
  world: World;
  cluster: DatabaseCluster;
  server: MysqlServer;
  database: string | null;
  user: string;
}

const DATABASES = ["information_schema", "moodle", "mysql", "percona", "performance_schema", "sys"];

type Row = Record<string, SqlValue>;

function textRows(columns: string[], rows: (string | null)[][], numeric: string[] = []): StmtResult {
  return { kind: "rows", columns: columns.map((name) => ({ name, numeric: numeric.includes(name) })), rows };
}

function env(sess: SqlSession, row?: Row, group?: Row[]): EvalEnv {
  return {
    now: sess.world.now(),
    variable: (name) => findVariable(sess.world, sess.server, name)?.value,
    row,
    group,
    version: versionString(sess.server.flavour),
    database: sess.database,
    user: `${sess.user}@localhost`,
  };
}

function tableRows(sess: SqlSession, db: string | null, table: string): Row[] {
  const [hbDb, hbTable] = sess.world.settings.heartbeatTable.split(".");
  const data = sess.server.data;
  if (db === null) throw new SqlError(1046, "3D000", "No database selected");
  if (db === (hbDb ?? "percona") && table === (hbTable ?? "heartbeat")) {
    return [...data.heartbeat.values()].map((h) => ({
      ts: str(h.ts),
      server_id: int(h.serverId),
      file: str(h.file),
      position: int(h.position),
      relay_master_log_file: h.relayMasterLogFile === null ? NULL : str(h.relayMasterLogFile),
      exec_master_log_pos: h.execMasterLogPos === null ? NULL : int(h.execMasterLogPos),
    }));
  }
  if (db === "moodle" && table === "mdl_sessions") {
    return [...data.sessions.values()].map((s) => ({
      id: int(s.id),
      state: int(0),
      sid: str(s.sid),
      userid: int(s.userid),
      sessdata: NULL,
      timecreated: int(s.timecreated),
      timemodified: int(s.timemodified),
      firstip: str(s.firstip),
      lastip: str(s.lastip),
    }));
  }
  if (db === "moodle" && table === "mdl_config") {
    let id = 0;
    return [...data.config.entries()].map(([name, value]) => ({ id: int(++id), name: str(name), value: str(value) }));
  }
  throw new SqlError(1146, "42S02", `Table '${db}.${table}' doesn't exist`);
}

interface SelectItem {
  expr: Expr | "*";
  name: string;
}

function parseSelect(c: Cursor, sess: SqlSession): StmtResult {
  const items: SelectItem[] = [];
  do {
    if (c.accept("*")) {
      items.push({ expr: "*", name: "*" });
      continue;
    }
    const startTok = c.peek();
    const expr = parseExpr(c);
    const endTok = c.tokens[c.pos - 1] ?? startTok;
    let name = c.sql.slice(startTok.start, endTok.end);
    if (c.accept("AS")) name = c.next().text;
    else if (c.peek().type === "string" || (c.peek().type === "ident" && !isClauseWord(c.peek().upper))) {
      name = c.next().text;
    }
    items.push({ expr, name });
  } while (c.accept(","));
  let rows: Row[] | null = null;
  if (c.accept("FROM")) {
    const first = c.next();
    if (first.type !== "ident") throw c.error();
    let db = sess.database;
    let table = first.text;
    if (c.accept(".")) {
      db = first.text;
      table = c.next().text;
    }
    rows = tableRows(sess, db?.toLowerCase() ?? null, table.toLowerCase());
  }
  if (c.accept("WHERE")) {
    const cond = parseExpr(c);
    rows = (rows ?? [{}]).filter((r) => truthy(evaluate(cond, env(sess, r))));
  }
  const order: { expr: Expr; desc: boolean }[] = [];
  if (c.accept("ORDER", "BY")) {
    do {
      const expr = parseExpr(c);
      const desc = c.accept("DESC");
      if (!desc) c.accept("ASC");
      order.push({ expr, desc });
    } while (c.accept(","));
  }
  let limit: number | null = null;
  let offset = 0;
  if (c.accept("LIMIT")) {
    const a = Number(c.next().text);
    if (c.accept(",")) {
      offset = a;
      limit = Number(c.next().text);
    } else limit = a;
    if (c.accept("OFFSET")) offset = Number(c.next().text);
  }
  if (!c.atEnd()) throw c.error();
  if (rows && order.length > 0) {
    rows.sort((x, y) => {
      for (const o of order) {
        const cmp = compare(evaluate(o.expr, env(sess, x)), evaluate(o.expr, env(sess, y))) ?? 0;
        if (cmp !== 0) return o.desc ? -cmp : cmp;
      }
      return 0;
    });
  }
  const aggregate = items.some((i) => i.expr !== "*" && hasAggregate(i.expr));
  let outRows: SqlValue[][];
  let names: string[];
  if (items.some((i) => i.expr === "*")) {
    const sample = rows?.[0];
    const cols = rows && sample ? Object.keys(sample) : [];
    if (!rows) throw new SqlError(1096, "HY000", "No tables used");
    names = items.flatMap((i) => (i.expr === "*" ? cols : [i.name]));
    outRows = rows.map((r) =>
      items.flatMap((i) => (i.expr === "*" ? cols.map((k) => r[k] ?? NULL) : [evaluate(i.expr, env(sess, r))])),
    );
  } else {
    names = items.map((i) => i.name);
    const exprs = items.map((i) => i.expr).filter((e): e is Expr => e !== "*");
    if (aggregate) outRows = [exprs.map((e) => evaluate(e, env(sess, undefined, rows ?? [{}])))];
    else outRows = (rows ?? [{}]).map((r) => exprs.map((e) => evaluate(e, env(sess, r))));
  }
  if (!aggregate) outRows = outRows.slice(offset, limit === null ? undefined : offset + limit);
  sess.server.comSelect += 1;
  return {
    kind: "rows",
    columns: names.map((name, i) => ({ name, numeric: outRows.some((r) => isNumeric(r[i] ?? NULL)) })),
    rows: outRows.map((r) => r.map(render)),
  };
}

function isClauseWord(w: string): boolean {
  return ["FROM", "WHERE", "ORDER", "LIMIT", "GROUP", "HAVING", "UNION", "INTO"].includes(w);
}

function filterRows(c: Cursor, sess: SqlSession, rows: [string, string][]): [string, string][] {
  if (c.accept("LIKE")) {
    const p = c.next();
    if (p.type !== "string") throw c.error();
    return rows.filter(([n]) => likeMatch(n, p.text));
  }
  if (c.accept("WHERE")) {
    const cond = parseExpr(c);
    return rows.filter(([n, v]) =>
      truthy(evaluate(cond, env(sess, { variable_name: str(n), value: str(v) }))),
    );
  }
  return rows;
}

function showStatement(c: Cursor, sess: SqlSession): StmtResult {
  const s = sess.server;
  const f = s.flavour;
  if (!c.accept("GLOBAL")) c.accept("SESSION");
  if (c.accept("STATUS")) {
    const rows = filterRows(c, sess, globalStatus(sess.world, sess.cluster, s));
    return textRows(["Variable_name", "Value"], rows);
  }
  if (c.accept("VARIABLES")) {
    const all = globalVariables(sess.world, s).map((v): [string, string] => [v.name, v.show]);
    return textRows(["Variable_name", "Value"], filterRows(c, sess, all));
  }
  const replicaWord = c.accept("REPLICA") ? "replica" : c.accept("SLAVE") ? "slave" : null;
  if (replicaWord) {
    if (replicaWord === "replica" && f === "mysql57") throw c.error();
    c.expect("STATUS");
    if (c.accept("FOR", "CHANNEL")) c.next();
    const st = replicaStatus(sess.world, sess.cluster, s, replicaWord);
    if (!st) return textRows([], []);
    return textRows(st.columns, [st.row]);
  }
  if (c.accept("MASTER", "STATUS") || c.accept("BINARY", "LOG", "STATUS")) {
    const m = masterStatus(s);
    return textRows(m.columns, [m.row], ["Position"]);
  }
  if (c.accept("BINARY", "LOGS") || c.accept("MASTER", "LOGS")) {
    const rows: string[][] = [];
    for (let i = Math.max(1, s.binlogFile - 3); i <= s.binlogFile; i++) {
      const size = i === s.binlogFile ? s.binlogPos : 1_073_741_824 - (i % 7) * 1_234_567;
      rows.push(f === "mysql8" ? [fileName(f, i), String(size), "No"] : [fileName(f, i), String(size)]);
    }
    return textRows(f === "mysql8" ? ["Log_name", "File_size", "Encrypted"] : ["Log_name", "File_size"], rows, ["File_size"]);
  }
  if (c.accept("DATABASES")) return textRows(["Database"], DATABASES.map((d) => [d]));
  if (c.accept("WARNINGS")) return textRows([], []);
  c.accept("FULL");
  if (c.accept("PROCESSLIST")) {
    const rows: (string | null)[][] = [["5", "event_scheduler", "localhost", null, "Daemon", "86400", "Waiting on empty queue", null]];
    if (s.replica?.ioRunning) rows.push(["12", "system user", "", null, "Connect", "3600", s.replica.ioConnected ? "Waiting for source to send event" : "Connecting to source", null]);
    if (s.replica?.sqlRunning) rows.push(["13", "system user", "", null, "Query", "0", "Replica has read all relay log; waiting for more updates", null]);
    rows.push(["4711", sess.user, "localhost", sess.database, "Query", "0", "init", "SHOW PROCESSLIST"]);
    return textRows(["Id", "User", "Host", "db", "Command", "Time", "State", "Info"], rows, ["Id", "Time"]);
  }
  throw c.error();
}

function replicaNotConfigured(f: string): SqlError {
  if (f === "mysql8") {
    return new SqlError(1200, "HY000", "The server is not configured as replica; fix in config file or with CHANGE REPLICATION SOURCE TO");
  }
  return new SqlError(1200, "HY000", "The server is not configured as slave; fix in config file or with CHANGE MASTER TO");
}

function runningReplicaError(f: string, what: "reset" | "change"): SqlError {
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

function startStop(c: Cursor, sess: SqlSession, start: boolean): StmtResult {
  const f = sess.server.flavour;
  if (c.accept("REPLICA")) {
    if (f === "mysql57") throw c.error();
  } else c.expect("SLAVE");
  const which = threadsClause(c);
  if (!c.atEnd()) throw c.error();
  const ch = sess.server.replica;
  if (!ch) {
    if (start) throw replicaNotConfigured(f);
    return { kind: "ok" };
  }
  if (start) {
    if (which.io && !ch.ioRunning) {
      ch.ioRunning = true;
      ch.ioConnected = false;
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
  } else {
    if (which.io) {
      ch.ioRunning = false;
      ch.ioConnected = false;
    }
    if (which.sql) ch.sqlRunning = false;
  }
  return { kind: "ok" };
}

function boolValue(c: Cursor): boolean {
  const t = c.next();
  const u = t.type === "string" ? t.text.toUpperCase() : t.upper;
  if (["ON", "1", "TRUE"].includes(u)) return true;
  if (["OFF", "0", "FALSE"].includes(u)) return false;
  throw new SqlError(1231, "42000", `Variable can't be set to the value of '${t.text}'`);
}

function setStatement(c: Cursor, sess: SqlSession): StmtResult {
  const s = sess.server;
  do {
    let global = c.accept("GLOBAL") || c.accept("PERSIST");
    const t = c.next();
    let name = t.text.toLowerCase();
    if (t.type === "sysvar") {
      global = global || name.startsWith("global.");
      name = name.replace(/^(global|session|local)\./, "");
    }
    if (!global) {
      while (!c.atEnd() && c.peek().text !== ",") c.next();
      continue;
    }
    c.expect("=");
    if (name === "read_only") {
      s.readOnly = boolValue(c);
      if (!s.readOnly) s.superReadOnly = false;
    } else if (name === "super_read_only" && s.flavour !== "mariadb") {
      s.superReadOnly = boolValue(c);
      if (s.superReadOnly) s.readOnly = true;
    } else if (name === "sql_slave_skip_counter" || (name === "sql_replica_skip_counter" && s.flavour === "mysql8")) {
      const n = Number(c.next().text);
      if (s.replica) s.replica.skipCounter = Number.isFinite(n) ? n : 0;
    } else if (findVariable(sess.world, s, name)) {
      c.next();
    } else throw new SqlError(1193, "HY000", `Unknown system variable '${name}'`);
  } while (c.accept(","));
  if (!c.atEnd()) throw c.error();
  return { kind: "ok" };
}

function changeSource(c: Cursor, sess: SqlSession): StmtResult {
  const s = sess.server;
  const f = s.flavour;
  if (c.accept("REPLICATION", "SOURCE", "TO")) {
    if (f !== "mysql8") throw c.error();
  } else c.expect("MASTER", "TO");
  const opts = new Map<string, string>();
  do {
    const key = c.next();
    if (key.type !== "ident") throw c.error();
    c.expect("=");
    const v = c.next();
    opts.set(key.upper.replace(/^SOURCE_/, "MASTER_"), v.text);
  } while (c.accept(","));
  if (c.accept("FOR", "CHANNEL")) c.next();
  if (!c.atEnd()) throw c.error();
  const ch = s.replica;
  if (ch && (ch.ioRunning || ch.sqlRunning)) throw runningReplicaError(f, "change");
  const next = ch ?? { ...newChannel("", sess.world.now()), ioRunning: false, sqlRunning: false };
  const host = opts.get("MASTER_HOST");
  if (host !== undefined && host !== next.sourceHost) {
    next.sourceHost = host;
    next.readFile = 0;
    next.readPos = 0;
    next.execFile = 0;
    next.execPos = 0;
    next.relay = [];
    next.relaySpace = 0;
  }
  const user = opts.get("MASTER_USER");
  if (user !== undefined) next.sourceUser = user;
  const port = opts.get("MASTER_PORT");
  if (port !== undefined) next.sourcePort = Number(port);
  const retry = opts.get("MASTER_CONNECT_RETRY");
  if (retry !== undefined) next.connectRetry = Number(retry);
  const auto = opts.get("MASTER_AUTO_POSITION");
  if (auto !== undefined) next.autoPosition = auto === "1";
  const file = opts.get("MASTER_LOG_FILE");
  const pos = opts.get("MASTER_LOG_POS");
  if (file !== undefined || pos !== undefined) {
    const idx = file !== undefined ? Number(/\.(\d+)$/.exec(file)?.[1] ?? "0") : next.readFile;
    const p = pos !== undefined ? Number(pos) : binlogStart(f);
    next.readFile = idx;
    next.readPos = p;
    next.execFile = idx;
    next.execPos = p;
    next.relay = [];
    next.relaySpace = 0;
  }
  next.ioConnected = false;
  next.lastIoAttempt = Number.NEGATIVE_INFINITY;
  s.replica = next;
  return { kind: "ok" };
}

function resetStatement(c: Cursor, sess: SqlSession): StmtResult {
  const s = sess.server;
  const f = s.flavour;
  if (c.accept("MASTER") || c.accept("BINARY", "LOGS", "AND", "GTIDS")) {
    s.binlogFile = 1;
    s.binlogPos = binlogStart(f);
    s.binlog = [];
    return { kind: "ok" };
  }
  if (c.accept("REPLICA")) {
    if (f === "mysql57") throw c.error();
  } else c.expect("SLAVE");
  const all = c.accept("ALL");
  if (c.accept("FOR", "CHANNEL")) c.next();
  if (!c.atEnd()) throw c.error();
  const ch = s.replica;
  if (!ch) return { kind: "ok" };
  if (ch.ioRunning || ch.sqlRunning) throw runningReplicaError(f, "reset");
  if (all) {
    s.replica = null;
    return { kind: "ok" };
  }
  Object.assign(ch, {
    readFile: 0,
    readPos: 0,
    execFile: 0,
    execPos: 0,
    relay: [],
    relaySpace: 0,
    relayFile: ch.relayFile + 1,
    relayPos: 4,
    lastIoErrno: 0,
    lastIoError: "",
    lastIoErrorAt: null,
    lastSqlErrno: 0,
    lastSqlError: "",
    lastSqlErrorAt: null,
  });
  return { kind: "ok" };
}

function dmlStatement(sess: SqlSession, sql: string): StmtResult {
  const s = sess.server;
  if (s.superReadOnly) {
    throw new SqlError(1290, "HY000", "The MySQL server is running with the --super-read-only option so it cannot execute this statement");
  }
  const cfg = /^UPDATE\s+(?:moodle\.)?mdl_config\s+SET\s+value\s*=\s*'([^']*)'\s+WHERE\s+name\s*=\s*'([^']*)'/i.exec(sql);
  if (cfg?.[1] !== undefined && cfg[2] !== undefined) s.commit({ kind: "config", name: cfg[2], value: cfg[1] });
  else s.commit({ kind: "dml", table: /\b(?:INTO|UPDATE|FROM)\s+([\w.`]+)/i.exec(sql)?.[1] ?? "unknown" });
  if (/^\s*(INSERT|REPLACE)/i.test(sql)) s.comInsert += 1;
  else if (/^\s*DELETE/i.test(sql)) s.comDelete += 1;
  else s.comUpdate += 1;
  return { kind: "ok" };
}

/** run one SQL statement (without its terminator) against the session's server */
export function runStatement(sess: SqlSession, sql: string): StmtResult {
  const f = sess.server.flavour;
  const c = new Cursor(sql, tokenize(sql, f), f);
  sess.server.questions += 1;
  if (c.accept("SELECT")) return parseSelect(c, sess);
  if (c.accept("SHOW")) return showStatement(c, sess);
  if (c.accept("STOP")) return startStop(c, sess, false);
  if (c.accept("START")) {
    if (c.accept("TRANSACTION")) return { kind: "ok" };
    return startStop(c, sess, true);
  }
  if (c.accept("SET")) return setStatement(c, sess);
  if (c.accept("CHANGE")) return changeSource(c, sess);
  if (c.accept("RESET")) return resetStatement(c, sess);
  if (c.accept("USE")) {
    const db = c.next().text;
    if (!DATABASES.includes(db.toLowerCase())) throw new SqlError(1049, "42000", `Unknown database '${db}'`);
    sess.database = db.toLowerCase();
    return { kind: "ok" };
  }
  if (c.accept("FLUSH")) {
    if (c.accept("BINARY", "LOGS") || c.accept("LOGS")) {
      sess.server.binlogFile += 1;
      sess.server.binlogPos = binlogStart(f);
    }
    return { kind: "ok" };
  }
  if (c.accept("BEGIN") || c.accept("COMMIT") || c.accept("ROLLBACK") || c.accept("DO")) return { kind: "ok" };
  const head = c.peek().upper;
  if (["INSERT", "UPDATE", "DELETE", "REPLACE"].includes(head)) return dmlStatement(sess, sql);
  throw c.error();
}

