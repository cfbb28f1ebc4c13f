import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { fail, ok } from "../shared/exec";
import type { ClientOptions } from "./client-options";
import { ClientUsageError, parseClientArgs } from "./client-options";
import type { DatabaseCluster, Reach } from "./cluster";
import { formatBatch, formatTable, formatVertical } from "./mysql-format";
import type { SqlSession } from "./sql";
import { runStatement } from "./sql";
import { SqlError } from "./sql-lexer";

export interface SqlChunk {
  sql: string;
  vertical: boolean;
  line: number;
}

/** split client input into statements at `;`, `\g` and `\G`, outside quotes and comments */
export function splitStatements(input: string): SqlChunk[] {
  const out: SqlChunk[] = [];
  let cur = "";
  let quote: string | null = null;
  let line = 1;
  let startLine = 1;
  const flush = (vertical: boolean): void => {
    if (cur.trim() !== "") out.push({ sql: cur.trim(), vertical, line: startLine });
    cur = "";
  };
  for (let i = 0; i < input.length; i++) {
    const ch = input[i] ?? "";
    if (cur.trim() === "") startLine = line;
    if (ch === "\n") line++;
    if (quote) {
      cur += ch;
      if (ch === "\\") {
        cur += input[i + 1] ?? "";
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
      while (i < input.length && input[i] !== "\n") i++;
      line++;
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
    cur += ch;
  }
  flush(false);
  return out;
}

export function connectError(flavour: string, host: string | null, reach: Extract<Reach, { ok: false }>): string {
  const socket = flavour === "mariadb" ? "/run/mysqld/mysqld.sock" : "/var/run/mysqld/mysqld.sock";
  if (reach.errno === 2002) {
    return flavour === "mariadb"
      ? `ERROR 2002 (HY000): Can't connect to local server through socket '${socket}' (2)`
      : `ERROR 2002 (HY000): Can't connect to local MySQL server through socket '${socket}' (2)`;
  }
  if (reach.errno === 2005) return `ERROR 2005 (HY000): Unknown MySQL server host '${host ?? ""}' (-2)`;
  if (flavour === "mariadb") return `ERROR 2002 (HY000): Can't connect to server on '${host ?? ""}' (${reach.code})`;
  const where = flavour === "mysql8" ? `${host ?? ""}:3306` : (host ?? "");
  return `ERROR 2003 (HY000): Can't connect to MySQL server on '${where}' (${reach.code})`;
}

function render(o: ClientOptions, tty: boolean, vertical: boolean, rs: Parameters<typeof formatTable>[0]): string {
  if (vertical || o.vertical) return formatVertical(rs);
  if (o.table || (tty && !o.batch && o.silent === 0)) return formatTable(rs);
  const silent = o.silent + (o.batch || !tty ? 1 : 0);
  return formatBatch(rs, { headers: !o.skipColumnNames && silent < 2, raw: o.raw });
}

export function mysqlTool(cluster: DatabaseCluster): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): ExecResult {
      let o: ClientOptions;
      try {
        o = parseClientArgs(ctx, "mysql", ["client", "mysql"]);
      } catch (e) {
        if (e instanceof ClientUsageError) return fail(`${e.message}\n`, 1);
        throw e;
      }
      const flavour = ctx.world.settings.mysqlFlavour;
      const reach = cluster.reach(ctx.vm, o.host);
      if (!reach.ok) return fail(`${connectError(flavour, o.host, reach)}\n`, 1);
      const server = reach.server;
      server.connections += 1;
      const sess: SqlSession = {
        world: ctx.world,
        cluster,
        server,
        database: o.database ?? o.positional[0] ?? null,
        user: o.user,
      };
      const input = o.execute ?? ctx.stdin;
      const tty = ctx.env.SSH_TTY !== undefined && o.execute !== null;
      let stdout = "";
      let stderr = "";
      let code = 0;
      for (const chunk of splitStatements(input)) {
        try {
          const r = runStatement(sess, chunk.sql);
          if (r.kind === "rows") stdout += render(o, tty, chunk.vertical, r);
        } catch (e) {
          if (!(e instanceof SqlError)) throw e;
          stderr += `ERROR ${e.errno} (${e.sqlstate}) at line ${chunk.line}: ${e.message}\n`;
          code = 1;
          if (!o.force) break;
        }
      }
      return { stdout, stderr, code };
    },
  };
}

export function mysqladminTool(cluster: DatabaseCluster): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): ExecResult {
      let o: ClientOptions;
      try {
        o = parseClientArgs(ctx, "mysqladmin", ["client", "mysqladmin"]);
      } catch (e) {
        if (e instanceof ClientUsageError) return fail(`${e.message}\n`, 1);
        throw e;
      }
      const flavour = ctx.world.settings.mysqlFlavour;
      const reach = cluster.reach(ctx.vm, o.host);
      const command = o.positional[0] ?? "";
      if (!reach.ok) {
        const err = connectError(flavour, o.host, reach).replace(/^ERROR \d+ \(HY000\): /, "");
        const socketHint =
          reach.errno === 2002
            ? "Check that mysqld is running and that the socket: '/var/run/mysqld/mysqld.sock' exists!\n"
            : "Check that mysqld is running on " + (o.host ?? "localhost") + " and that the port is 3306.\nYou can check this by doing 'telnet " + (o.host ?? "localhost") + " 3306'\n";
        return fail(`mysqladmin: connect to server at '${o.host ?? "localhost"}' failed\nerror: '${err}'\n${socketHint}`, 1);
      }
      const s = reach.server;
      const sess: SqlSession = { world: ctx.world, cluster, server: s, database: null, user: o.user };
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
          return ok(
            `Uptime: ${uptime}  Threads: ${status.get("Threads_connected") ?? "1"}  Questions: ${questions}  ` +
              `Slow queries: 0  Opens: ${status.get("Opened_tables") ?? "0"}  Flush tables: 3  ` +
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
          return fail(`mysqladmin: Unknown command: '${command}'\n`, 1);
      }
    },
  };
}
