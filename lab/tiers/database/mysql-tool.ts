import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { fail, ok } from "../shared/exec";
import { authenticate } from "./accounts";
import type { ClientOptions } from "./client-options";
import { ClientUsageError, osUser, parseClientArgs } from "./client-options";
import type { DatabaseCluster, Reach } from "./cluster";
import { formatBatch, formatTable, formatVertical } from "./mysql-format";
import type { Flavour } from "./server";
import type { SqlSession, StmtResult } from "./sql";
import { runStatement, selectDatabase } from "./sql";
import { SqlError } from "./sql-lexer";

export interface SqlChunk {
  /** the statement as the client sends it (comments and the terminator removed) */
  sql: string;
  vertical: boolean;
  /** the input line the statement starts on (`ERROR ... at line N`) */
  line: number;
}

/**
 * Split client input into statements at `;`, `\g` and `\G`, outside quotes and comments, as the mysql
 * client does: `--`, `#` and `/* *\/` comments are dropped (`/*!` ones are sent), leading blanks skipped.
 */
export function splitStatements(input: string): SqlChunk[] {
  const out: SqlChunk[] = [];
  let cur = "";
  let quote: string | null = null;
  let line = 1;
  let startLine = 1;
  // blanks after a dropped comment are kept (`/* c */ SELECT` is echoed as ` SELECT`)
  let keepBlanks = false;
  const flush = (vertical: boolean): void => {
    const sql = cur.replace(/\s+$/, "");
    if (sql.trim() !== "") out.push({ sql, vertical, line: startLine });
    cur = "";
    keepBlanks = false;
  };
  for (let i = 0; i < input.length; i++) {
    const ch = input[i] ?? "";
    if (cur.trim() === "" && !/\s/.test(ch)) startLine = line;
    if (ch === "\n") line++;
    if (quote) {
      cur += ch;
      if (ch === "\\" && quote !== "`") {
        cur += input[i + 1] ?? "";
        if (input[i + 1] === "\n") line++;
        i++;
      } else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`") {
      quote = ch;
      cur += ch;
      continue;
    }
    if ((ch === "-" && input[i + 1] === "-" && /\s/.test(input[i + 2] ?? " ")) || ch === "#") {
      while (i + 1 < input.length && input[i + 1] !== "\n") i++;
      continue;
    }
    if (ch === "/" && input[i + 1] === "*" && input[i + 2] !== "!" && !(input[i + 2] === "M" && input[i + 3] === "!")) {
      const close = input.indexOf("*/", i + 2);
      const end = close < 0 ? input.length : close + 2;
      for (let k = i; k < end; k++) if (input[k] === "\n") line++;
      i = end - 1;
      keepBlanks = true;
      continue;
    }
    if (ch === ";") {
      flush(false);
      continue;
    }
    if (ch === "\\" && (input[i + 1] === "G" || input[i + 1] === "g")) {
      flush(input[i + 1] === "G");
      i++;
      continue;
    }
    if (cur === "" && /\s/.test(ch) && !keepBlanks) continue;
    cur += ch;
  }
  flush(false);
  return out;
}

/** the socket path Debian's MariaDB listens on; /var/run is a link to /run */
const SOCKETS = new Set(["/run/mysqld/mysqld.sock", "/var/run/mysqld/mysqld.sock"]);

export function connectError(flavour: Flavour, host: string | null, reach: Extract<Reach, { ok: false }>, socket: string | null = null): string {
  if (flavour === "mariadb") {
    if (reach.errno === 2002 && reach.reason === "socket") {
      return `ERROR 2002 (HY000): Can't connect to local server through socket '${socket ?? "/run/mysqld/mysqld.sock"}' (2)`;
    }
    if (reach.errno === 2005) return `ERROR 2005 (HY000): Unknown server host '${host ?? ""}' (-2)`;
    // MariaDB's client connects non-blocking: a refusal comes back as EINPROGRESS, a host that vanished times out
    return `ERROR 2002 (HY000): Can't connect to server on '${host ?? ""}' (${reach.code === 113 ? 110 : 115})`;
  }
  const path = socket ?? "/var/run/mysqld/mysqld.sock";
  if (reach.errno === 2002) return `ERROR 2002 (HY000): Can't connect to local MySQL server through socket '${path}' (2)`;
  if (reach.errno === 2005) return `ERROR 2005 (HY000): Unknown MySQL server host '${host ?? ""}' (-2)`;
  const where = flavour === "mysql8" ? `${host ?? ""}:3306` : (host ?? "");
  return `ERROR 2003 (HY000): Can't connect to MySQL server on '${where}' (${reach.code})`;
}

function render(o: ClientOptions, tty: boolean, vertical: boolean, rs: Parameters<typeof formatTable>[0]): string {
  if (vertical || o.vertical) return formatVertical(rs);
  if (o.table || (tty && !o.batch && o.silent === 0)) return formatTable(rs);
  const silent = o.silent + (o.batch || !tty ? 1 : 0);
  return formatBatch(rs, { headers: !o.skipColumnNames && silent < 2, raw: o.raw });
}

/** `-vv`'s line after each statement */
function summary(r: StmtResult): string {
  if (r.kind === "ok") return `Query OK, ${r.affected} row${r.affected === 1 ? "" : "s"} affected\n\n`;
  if (r.rows.length === 0) return "Empty set\n\n";
  return `${r.rows.length} row${r.rows.length === 1 ? "" : "s"} in set\n\n`;
}

export type Session = { ok: true; session: SqlSession } | { ok: false; result: ExecResult };

/** connect and log in as the client would: the socket or TCP, then the account's password or unix_socket */
export function openSession(cluster: DatabaseCluster, ctx: ExecContext, o: ClientOptions, prefix = ""): Session {
  const flavour = ctx.world.settings.mysqlFlavour;
  const socketPath = o.socket ?? (flavour === "mariadb" ? "/run/mysqld/mysqld.sock" : "/var/run/mysqld/mysqld.sock");
  const viaSocket = o.host === null || o.host === "localhost" || o.host === "";
  let reach = cluster.reach(ctx.vm, o.host, o.port);
  if (viaSocket && reach.ok && !SOCKETS.has(socketPath)) reach = { ok: false, errno: 2002, reason: "socket", code: 2 };
  if (!reach.ok) return { ok: false, result: fail(`${prefix}${connectError(flavour, o.host, reach, socketPath)}\n`, 1) };
  const server = reach.server;
  server.connections += 1;
  const auth = authenticate(server.data.accounts, { user: o.user, password: o.password, clientHost: reach.clientHost, osUser: osUser(ctx) });
  if (!auth.ok) return { ok: false, result: fail(`${prefix}ERROR ${auth.errno} (${auth.sqlstate}): ${auth.message}\n`, 1) };
  const session: SqlSession = {
    world: ctx.world,
    cluster,
    server,
    database: null,
    user: o.user,
    account: auth.account,
    clientHost: reach.clientHost,
    threadId: 1000 + server.connections,
  };
  const db = o.database ?? o.positional[0] ?? null;
  if (db !== null) {
    try {
      selectDatabase(session, db);
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      return { ok: false, result: fail(`${prefix}ERROR ${e.errno} (${e.sqlstate}): ${e.message}\n`, 1) };
    }
  }
  return { ok: true, session };
}

const DASHES = "--------------\n";

/**
 * The mysql client over a batch of statements (`-e` or stdin), as MariaDB's client (15.1, 10.11.19) prints:
 * a failed statement is echoed between dashed lines on stderr before `ERROR n (state) at line L: ...`
 * (on stdout before every statement with -v; never with --skip-print-query-on-error); with --force every
 * statement runs and the exit code is 0 even when some failed (`-e` turns --force off unless it comes
 * later). USE is the client's own command: its error comes without the echo.
 */
function runBatch(sess: SqlSession, o: ClientOptions, input: string, tty: boolean): ExecResult {
  const mariadb = sess.server.flavour === "mariadb";
  let stdout = "";
  let stderr = "";
  let code = 0;
  for (const chunk of splitStatements(input)) {
    const echo = `${DASHES}${chunk.sql}\n${DASHES}\n`;
    const use = /^use\s+`?([^`\s;]+)`?\s*$/i.exec(chunk.sql);
    if (mariadb && o.verbose > 0 && !use) stdout += echo;
    try {
      if (use?.[1] !== undefined) {
        selectDatabase(sess, use[1]);
        continue;
      }
      const r = runStatement(sess, chunk.sql);
      if (r.kind === "rows") stdout += render(o, tty, chunk.vertical, r);
      if (mariadb && o.verbose > 1) stdout += summary(r);
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      if (mariadb && o.verbose === 0 && o.printQueryOnError && !use) stderr += echo;
      stderr += `ERROR ${e.errno} (${e.sqlstate}) at line ${chunk.line}: ${e.message}\n`;
      code = 1;
      if (!o.force) break;
    }
  }
  if (mariadb && o.verbose > 1) stdout += "Bye\n";
  if (mariadb && o.force) code = 0;
  return { stdout, stderr, code };
}

export function mysqlTool(cluster: DatabaseCluster): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): ExecResult {
      let o: ClientOptions;
      try {
        o = parseClientArgs(ctx, ctx.argv[0] ?? "mysql", ["client", "mysql", "client-server", "client-mariadb"]);
      } catch (e) {
        if (e instanceof ClientUsageError) return fail(`${e.message}\n`, e.code);
        throw e;
      }
      const opened = openSession(cluster, ctx, o);
      if (!opened.ok) return opened.result;
      const tty = ctx.env.SSH_TTY !== undefined && o.execute !== null;
      return runBatch(opened.session, o, o.execute ?? ctx.stdin, tty);
    },
  };
}

export function mysqladminTool(cluster: DatabaseCluster): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): ExecResult {
      let o: ClientOptions;
      const program = ctx.argv[0] ?? "mysqladmin";
      try {
        o = parseClientArgs(ctx, program, ["client", "mysqladmin", "client-server", "client-mariadb"]);
      } catch (e) {
        if (e instanceof ClientUsageError) return fail(`${e.message}\n`, e.code);
        throw e;
      }
      const flavour = ctx.world.settings.mysqlFlavour;
      const command = o.positional[0] ?? "";
      const opened = openSession(cluster, ctx, { ...o, positional: [] });
      const refusedLogin = !opened.ok && /^ERROR (1045|1698) /.test(opened.result.stderr);
      if (!opened.ok) {
        const err = opened.result.stderr.trim().replace(/^ERROR \d+ \(\w+\): /, "");
        if (flavour === "mariadb") {
          // mariadb-admin 10.11.19 rings the bell first and names the default socket even for TCP
          const socket = o.socket ?? "/run/mysqld/mysqld.sock";
          const hint = refusedLogin ? "" : `Check that mariadbd is running and that the socket: '${socket}' exists!\n`;
          // a refused login still proves the server is up: ping exits 0 (10.11.19)
          return fail(`\u0007${program}: connect to server at '${o.host ?? "localhost"}' failed\nerror: '${err}'\n${hint}`, refusedLogin && command === "ping" ? 0 : 1);
        }
        const socketHint = /socket/.test(err)
          ? "Check that mysqld is running and that the socket: '/var/run/mysqld/mysqld.sock' exists!\n"
          : `Check that mysqld is running on ${o.host ?? "localhost"} and that the port is 3306.\nYou can check this by doing 'telnet ${o.host ?? "localhost"} 3306'\n`;
        return fail(`${program}: connect to server at '${o.host ?? "localhost"}' failed\nerror: '${err}'\n${socketHint}`, 1);
      }
      const sess = opened.session;
      switch (command) {
        case "ping":
          return ok("mysqld is alive\n");
        case "status": {
          const status = new Map<string, string>();
          const r = runStatement(sess, "SHOW GLOBAL STATUS");
          if (r.kind === "rows") for (const row of r.rows) status.set(row[0] ?? "", row[1] ?? "");
          const uptime = Number(status.get("Uptime") ?? "1") || 1;
          const questions = Number(status.get("Questions") ?? "0");
          const qps = (questions / uptime).toFixed(3);
          const flush = flavour === "mariadb" ? "" : "Flush tables: 3  ";
          return ok(
            `Uptime: ${uptime}  Threads: ${status.get("Threads_connected") ?? "1"}  Questions: ${questions}  ` +
              `Slow queries: 0  Opens: ${status.get("Opened_tables") ?? "0"}  ${flush}` +
              `Open tables: ${status.get("Open_tables") ?? "0"}  Queries per second avg: ${qps}\n`,
          );
        }
        case "extended-status": {
          const r = runStatement(sess, "SHOW GLOBAL STATUS");
          return ok(r.kind === "rows" ? formatTable(r) : "");
        }
        case "variables": {
          const r = runStatement(sess, "SHOW GLOBAL VARIABLES");
          return ok(r.kind === "rows" ? formatTable(r) : "");
        }
        case "processlist": {
          const r = runStatement(sess, "SHOW PROCESSLIST");
          return ok(r.kind === "rows" ? formatTable(r) : "");
        }
        default:
          return fail(`${program}: Unknown command: '${command}'\n`, 1);
      }
    },
  };
}
