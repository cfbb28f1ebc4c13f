import { anyOnDb, dbDenied, hasGlobal, hasOn, needAnyOf, tableDenied } from "./accounts";
import { readOnlyBypass } from "./cluster";
import { parseGtid } from "./gtid";
import { replicaStatus } from "./replica-status";
import type { SessionRow } from "./server";
import { fileName } from "./server";
import { findVariable, globalStatus, globalVariables, masterStatus, versionString } from "./server-vars";
import { KNOWN_TABLES, createOrDropUser, grantStatement, readOnlyError, showGrantsStatement } from "./sql-accounts";
import type { EvalEnv, Expr } from "./sql-expr";
import { evaluate, hasAggregate, likeMatch, parseExpr } from "./sql-expr";
import { Cursor, SqlError, tokenize } from "./sql-lexer";
import { changeSource, resetStatement, runningReplicaError, startStop } from "./sql-replication";
import type { Column, SqlSession, StmtResult } from "./sql-session";
import { OK } from "./sql-session";
import type { SqlValue } from "./values";
import { NULL, compare, int, isNumeric, render, str, truthy } from "./values";

export type { Column, SqlSession, StmtResult };

const DATABASES = ["clusterdeck", "information_schema", "moodle", "mysql", "percona", "performance_schema", "sys"];

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
    user: `${sess.user}@${sess.clientHost}`,
    connectionId: sess.threadId,
  };
}

/** SELECT, INSERT... on a table: the account needs that privilege on it (ERROR 1142 names the table) */
function checkTable(sess: SqlSession, command: string, db: string, table: string): void {
  if (db === "information_schema") return;
  if (!hasOn(sess.account, command, db, table)) throw tableDenied(command, sess.user, sess.clientHost, db, table);
}

function tableRows(sess: SqlSession, db: string | null, table: string): Row[] {
  const [hbDb, hbTable] = sess.world.settings.heartbeatTable.split(".");
  const data = sess.server.data;
  if (db === null) throw new SqlError(1046, "3D000", "No database selected");
  checkTable(sess, "SELECT", db, table);
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
  if (db === "clusterdeck" && table === "read_only_admin_sessions") {
    // the console's view (SQL SECURITY DEFINER): sessions of accounts holding READ_ONLY ADMIN
    return hasGlobal(sess.account, readOnlyBypass(sess.server.flavour))
      ? [{ id: int(sess.threadId), user: str(sess.user), host: str(sess.clientHost), command: str("Query"), seconds: int(0) }]
      : [];
  }
  if (db === "mysql" && table === "proc") return [];
  if (db === "mysql" && table === "user") {
    return data.accounts.map((a) => ({ Host: str(a.host), User: str(a.user), Super_priv: str(a.global.has("SUPER") ? "Y" : "N") }));
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
    const { db, table } = tableName(c, sess);
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
  const monitor = f === "mariadb" ? ["SUPER", "SLAVE MONITOR"] : ["SUPER", "REPLICATION CLIENT"];
  const binlogMonitor = f === "mariadb" ? ["SUPER", "BINLOG MONITOR"] : ["SUPER", "REPLICATION CLIENT"];
  if (f === "mariadb" && c.accept("ALL", "SLAVES", "STATUS")) {
    if (!c.atEnd()) throw c.error();
    needAnyOf(sess.account, monitor);
    const st = replicaStatus(sess.world, sess.cluster, s, "all");
    if (!st) return textRows([], []);
    return textRows(st.columns, [st.row]);
  }
  if ((f !== "mysql57" && c.accept("REPLICA", "STATUS")) || c.accept("SLAVE", "STATUS")) {
    const word = c.tokens[c.pos - 2]?.upper === "REPLICA" ? "replica" : "slave";
    if (c.accept("FOR", "CHANNEL")) c.next();
    if (!c.atEnd()) throw c.error();
    needAnyOf(sess.account, monitor);
    const st = replicaStatus(sess.world, sess.cluster, s, word);
    if (!st) return textRows([], []);
    return textRows(st.columns, [st.row]);
  }
  if ((f !== "mysql57" && c.accept("REPLICA", "HOSTS")) || c.accept("SLAVE", "HOSTS") || (f === "mysql8" && c.accept("REPLICAS"))) {
    if (!c.atEnd()) throw c.error();
    needAnyOf(sess.account, f === "mariadb" ? ["REPLICATION MASTER ADMIN"] : ["REPLICATION SLAVE"]);
    const rows = Object.values(sess.cluster.servers)
      .filter((o) => o !== s && o.running && o.replica?.ioConnected && sess.cluster.sourceOfChannel(o.replica) === s)
      .map((o) => [String(o.serverId), sess.world.vm(o.vm).clusterAddress, "3306", String(s.serverId)]);
    return textRows(["Server_id", "Host", "Port", "Master_id"], rows, ["Server_id", "Port", "Master_id"]);
  }
  // SHOW BINARY LOG STATUS is MySQL 8.2+; MariaDB 10.11's parser stops at LOG
  if (f === "mariadb" && c.peek().upper === "BINARY" && c.peek(1).upper === "LOG") {
    c.next();
    throw c.error();
  }
  if (c.accept("MASTER", "STATUS") || (f === "mysql8" && c.accept("BINARY", "LOG", "STATUS"))) {
    if (!c.atEnd()) throw c.error();
    needAnyOf(sess.account, binlogMonitor);
    const m = masterStatus(s);
    return textRows(m.columns, [m.row], ["Position"]);
  }
  if (c.accept("GRANTS")) return showGrantsStatement(c, sess);
  if (c.accept("BINARY", "LOGS") || c.accept("MASTER", "LOGS")) {
    needAnyOf(sess.account, binlogMonitor);
    const rows: string[][] = [];
    for (let i = Math.max(1, s.binlogFile - 3); i <= s.binlogFile; i++) {
      const size = i === s.binlogFile ? s.binlogPos : 1_073_741_824 - (i % 7) * 1_234_567;
      rows.push(f === "mysql8" ? [fileName(f, i), String(size), "No"] : [fileName(f, i), String(size)]);
    }
    return textRows(f === "mysql8" ? ["Log_name", "File_size", "Encrypted"] : ["Log_name", "File_size"], rows, ["File_size"]);
  }
  if (c.accept("DATABASES")) {
    const visible = DATABASES.filter((d) => d === "information_schema" || hasGlobal(sess.account, "SHOW DATABASES") || anyOnDb(sess.account, d));
    return textRows(["Database"], visible.map((d) => [d]));
  }
  if (c.accept("WARNINGS")) return textRows([], []);
  c.accept("FULL");
  if (c.accept("PROCESSLIST")) return processList(sess);
  throw c.error();
}

function boolValue(c: Cursor, name: string): boolean {
  const t = c.next();
  const u = t.type === "string" ? t.text.toUpperCase() : t.upper;
  if (["ON", "1", "TRUE"].includes(u)) return true;
  if (["OFF", "0", "FALSE"].includes(u)) return false;
  throw new SqlError(1231, "42000", `Variable '${name}' can't be set to the value of '${t.text}'`);
}

/** what SET GLOBAL of a variable needs, as the server lists it in ERROR 1227 (MariaDB 10.11.19 checked one by one) */
function setPrivileges(f: string, name: string): string[] {
  if (f === "mariadb") {
    if (name === "read_only") return ["READ_ONLY ADMIN"];
    if (name === "sql_slave_skip_counter") return ["SUPER"];
    if (name.startsWith("gtid_") || name.startsWith("slave_") || name === "relay_log_purge") return ["SUPER", "REPLICATION SLAVE ADMIN"];
    if (name === "max_connections") return ["SUPER", "CONNECTION ADMIN"];
    return ["SUPER"];
  }
  return f === "mysql8" ? ["SUPER", "SYSTEM_VARIABLES_ADMIN"] : ["SUPER"];
}

function setStatement(c: Cursor, sess: SqlSession): StmtResult {
  const s = sess.server;
  const f = s.flavour;
  do {
    if (c.accept("@")) {
      // a user variable: the session's own, nothing the lab keeps
      if (c.next().type !== "ident") throw c.error();
      c.expect("=");
      parseExpr(c);
      continue;
    }
    let global = c.accept("GLOBAL") || c.accept("PERSIST");
    const t = c.next();
    if (t.type !== "ident" && t.type !== "sysvar") throw c.error();
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
    const superRo = name === "super_read_only" && f !== "mariadb";
    if (!superRo && !findVariable(sess.world, s, name)) throw new SqlError(1193, "HY000", `Unknown system variable '${name}'`);
    needAnyOf(sess.account, setPrivileges(f, name));
    if (name === "read_only") {
      s.readOnly = boolValue(c, name);
      if (!s.readOnly) s.superReadOnly = false;
    } else if (superRo) {
      s.superReadOnly = boolValue(c, name);
      if (s.superReadOnly) s.readOnly = true;
    } else if (name === "sql_slave_skip_counter" || (name === "sql_replica_skip_counter" && f === "mysql8")) {
      const n = Number(c.next().text);
      if (s.replica) s.replica.skipCounter = Number.isFinite(n) ? n : 0;
    } else if (name === "gtid_slave_pos" && f === "mariadb") {
      const text = (render(evaluate(parseExpr(c), env(sess))) ?? "").trim();
      if (s.replica && (s.replica.ioRunning || s.replica.sqlRunning)) throw runningReplicaError(f, "change");
      const gtid = text === "" ? null : parseGtid(text.split(",").pop() ?? "");
      if (text !== "" && gtid === null) throw new SqlError(1941, "HY000", "Could not parse GTID list");
      s.slavePos = gtid;
    } else parseExpr(c);
  } while (c.accept(","));
  if (!c.atEnd()) throw c.error();
  return OK;
}

/** `table` or `db.table`; the session's database where none is named */
function tableName(c: Cursor, sess: SqlSession): { db: string | null; table: string } {
  const first = c.next();
  if (first.type !== "ident") throw c.error();
  if (!c.accept(".")) return { db: sess.database, table: first.text };
  return { db: first.text, table: c.next().text };
}

/** INSERT, UPDATE, DELETE, REPLACE: the table privilege first, then read_only as the account meets it */
function dmlTarget(c: Cursor, sess: SqlSession): { command: string; db: string; table: string } {
  const verb = c.next().upper;
  if (verb === "INSERT" || verb === "REPLACE") c.accept("INTO");
  else if (verb === "DELETE") c.expect("FROM");
  const { db, table } = tableName(c, sess);
  if (db === null) throw new SqlError(1046, "3D000", "No database selected");
  return { command: verb === "REPLACE" ? "INSERT" : verb, db: db.toLowerCase(), table: table.toLowerCase() };
}

function dmlStatement(c: Cursor, sess: SqlSession, sql: string): StmtResult {
  const s = sess.server;
  const target = dmlTarget(c, sess);
  checkTable(sess, target.command, target.db, target.table);
  const tables = KNOWN_TABLES[target.db] ?? (`${target.db}.${target.table}` === sess.world.settings.heartbeatTable ? [target.table] : []);
  if (!tables.includes(target.table)) throw new SqlError(1146, "42S02", `Table '${target.db}.${target.table}' doesn't exist`);
  if (s.superReadOnly || (s.readOnly && !hasGlobal(sess.account, readOnlyBypass(s.flavour)))) throw readOnlyError(s.flavour, s.superReadOnly);
  const cfg = /^UPDATE\s+(?:moodle\.)?mdl_config\s+SET\s+value\s*=\s*'([^']*)'\s+WHERE\s+name\s*=\s*'([^']*)'/i.exec(sql);
  const session = target.command === "INSERT" && target.table === "mdl_sessions" ? insertedRow(c, sess) : null;
  if (cfg?.[1] !== undefined && cfg[2] !== undefined) s.commit({ kind: "config", name: cfg[2], value: cfg[1] });
  else if (session) s.commit({ kind: "session-insert", row: session });
  else s.commit({ kind: "dml", table: /\b(?:INTO|UPDATE|FROM)\s+([\w.`]+)/i.exec(sql)?.[1] ?? "unknown" });
  if (/^\s*(INSERT|REPLACE)/i.test(sql)) s.comInsert += 1;
  else if (/^\s*DELETE/i.test(sql)) s.comDelete += 1;
  else s.comUpdate += 1;
  return { kind: "ok", affected: 1 };
}

/** the row of `INSERT INTO mdl_sessions (cols) VALUES (literals)`; null for any other form */
function insertedRow(c: Cursor, sess: SqlSession): SessionRow | null {
  if (!c.accept("(")) return null;
  const cols: string[] = [];
  do cols.push(c.next().text.toLowerCase());
  while (c.accept(","));
  if (!c.accept(")") || !c.accept("VALUES") || !c.accept("(")) return null;
  const vals: SqlValue[] = [];
  do vals.push(evaluate(parseExpr(c), env(sess)));
  while (c.accept(","));
  if (!c.accept(")") || !c.atEnd()) return null;
  const get = (name: string): SqlValue => vals[cols.indexOf(name)] ?? NULL;
  const num = (name: string, d: number): number => Number(render(get(name)) ?? d) || d;
  const text = (name: string): string => render(get(name)) ?? "";
  const now = Math.floor(sess.world.now() / 1000);
  const data = sess.server.data;
  return {
    id: num("id", data.nextSessionId),
    sid: text("sid"),
    userid: num("userid", 0),
    timecreated: num("timecreated", now),
    timemodified: num("timemodified", now),
    firstip: text("firstip"),
    lastip: text("lastip"),
  };
}

/** SHOW PROCESSLIST: an account without PROCESS sees only its own threads */
function processList(sess: SqlSession): StmtResult {
  const s = sess.server;
  const f = s.flavour;
  const mariadb = f === "mariadb";
  const word = mariadb || f === "mysql57" ? "master" : "source";
  const replicaWord = mariadb || f === "mysql57" ? "Slave" : "Replica";
  const all = hasGlobal(sess.account, "PROCESS");
  const rows: (string | null)[][] = [];
  if (all) {
    if (!mariadb) rows.push(["5", "event_scheduler", "localhost", null, "Daemon", "86400", "Waiting on empty queue", null]);
    if (s.replica?.ioRunning) rows.push(["12", "system user", "", null, mariadb ? "Slave_IO" : "Connect", "3600", s.replica.ioConnected ? `Waiting for ${word} to send event` : `Connecting to ${word}`, null]);
    if (s.replica?.sqlRunning) rows.push(["13", "system user", "", null, mariadb ? "Slave_SQL" : "Query", "0", `${replicaWord} has read all relay log; waiting for more updates`, null]);
    let id = 20;
    for (const o of Object.values(sess.cluster.servers)) {
      if (o === s || !o.running || !o.replica?.ioConnected || sess.cluster.sourceOfChannel(o.replica) !== s) continue;
      rows.push([String(id++), o.replica.sourceUser, `${sess.world.vm(o.vm).clusterAddress}:4${o.serverId}812`, null, "Binlog Dump", "3600", `${mariadb ? "Master" : "Source"} has sent all binlog to ${mariadb ? "slave" : "replica"}; waiting for more updates`, null]);
    }
    for (let i = 0; i < sess.cluster.webConnections[s.vm]; i++) {
      rows.push([String(100 + i), "moodle", `192.168.10.${i % 2 === 0 ? 11 : 21}:5${String(1000 + i)}`, "moodle", "Sleep", "0", "", null]);
    }
  }
  rows.push([String(sess.threadId), sess.user, sess.clientHost, sess.database, "Query", "0", mariadb ? "starting" : "init", "SHOW PROCESSLIST"]);
  const columns = ["Id", "User", "Host", "db", "Command", "Time", "State", "Info"];
  if (mariadb) {
    columns.push("Progress");
    for (const r of rows) r.push("0.000");
  }
  return { kind: "rows", columns: columns.map((name) => ({ name, numeric: name === "Id" || name === "Time" || name === "Progress" })), rows };
}

/** USE db, as the server answers COM_INIT_DB */
export function selectDatabase(sess: SqlSession, db: string): void {
  const name = db.toLowerCase();
  if (name !== "information_schema" && !anyOnDb(sess.account, name) && !hasGlobal(sess.account, "SELECT")) {
    throw dbDenied(sess.user, sess.clientHost, db);
  }
  if (!DATABASES.includes(name)) throw new SqlError(1049, "42000", `Unknown database '${db}'`);
  sess.database = name;
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
    if (c.accept("TRANSACTION")) return OK;
    return startStop(c, sess, true);
  }
  if (c.accept("SET")) return setStatement(c, sess);
  if (c.accept("CHANGE")) return changeSource(c, sess);
  if (c.accept("RESET")) return resetStatement(c, sess);
  if (c.accept("CREATE", "USER")) return createOrDropUser(c, sess, true);
  if (c.accept("DROP", "USER")) return createOrDropUser(c, sess, false);
  if (c.accept("GRANT")) return grantStatement(c, sess, false);
  if (c.accept("REVOKE")) return grantStatement(c, sess, true);
  if (c.accept("USE")) {
    selectDatabase(sess, c.next().text);
    return OK;
  }
  if (c.accept("FLUSH")) {
    c.accept("LOCAL");
    const rotate = c.accept("BINARY", "LOGS") || c.accept("LOGS");
    if (rotate) needAnyOf(sess.account, ["RELOAD"]);
    if (rotate) sess.server.rotate();
    return OK;
  }
  if (c.accept("BEGIN") || c.accept("COMMIT") || c.accept("ROLLBACK") || c.accept("DO")) return OK;
  const head = c.peek().upper;
  if (["INSERT", "UPDATE", "DELETE", "REPLACE"].includes(head)) return dmlStatement(c, sess, sql);
  throw c.error();
}
