import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { fail, ok, splitLongOption } from "../shared/exec";
import { parseSqlDatetime } from "../shared/time";
import type { ClientOptions } from "./client-options";
import { ClientUsageError, parseClientArgs } from "./client-options";
import type { DatabaseCluster } from "./cluster";
import { openSession } from "./mysql-tool";
import { runStatement } from "./sql";
import { SqlError } from "./sql-lexer";

/** minutes east of UTC of `zone` at `ms` (the zone's rules from the platform's tz database) */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(ms);
  } catch {
    return 0;
  }
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? "0");
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

interface HeartbeatArgs {
  mode: "check" | "monitor" | null;
  utc: boolean;
  masterServerId: number | null;
  database: string | null;
  table: string;
  client: string[];
}

function parseArgs(args: readonly string[]): HeartbeatArgs {
  const o: HeartbeatArgs = { mode: null, utc: false, masterServerId: null, database: null, table: "heartbeat", client: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    const [name, inline] = splitLongOption(a);
    const value = (): string => inline ?? args[++i] ?? "";
    if (a === "--check") o.mode = "check";
    else if (a === "--monitor") o.mode ??= "monitor";
    else if (a === "--utc") o.utc = true;
    else if (name === "--master-server-id") o.masterServerId = Number(value());
    else if (name === "--database" || a === "-D") o.database = value();
    else if (name === "--table") o.table = value();
    else if (name === "--defaults-file" || a === "-F") o.client.push(`--defaults-file=${value()}`);
    else if (name === "--host" || a === "-h") o.client.push(`--host=${value()}`);
    else if (name === "--user" || a === "-u") o.client.push(`--user=${value()}`);
    else if (name === "--password" || a === "-p") o.client.push(`--password=${value()}`);
    else if (name === "--socket" || a === "-S") o.client.push(`--socket=${value()}`);
    else if (name === "--port" || a === "-P") o.client.push(`--port=${value()}`);
    else if (name === "--run-time" || name === "--interval" || name === "--frames") value();
  }
  return o;
}

/**
 * pt-heartbeat --check|--monitor (percona-toolkit 3.2.1): the delay of the heartbeat row of
 * --master-server-id. Without --utc it reads `ts` as local time (TZ of the process) and compares it
 * with the local clock, so a row written with --utc is off by the zone's offset; with --utc both are UTC.
 */
export function ptHeartbeatTool(cluster: DatabaseCluster): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): ExecResult {
      const args = parseArgs(ctx.argv.slice(1));
      if (!args.mode) {
        return fail(
          "Usage: pt-heartbeat [OPTIONS] [DSN] --update|--monitor|--check|--stop\n\nErrors in command-line arguments:\n  * Specify at least one of --stop, --update, --monitor or --check\n\npt-heartbeat measures replication lag on a MySQL or PostgreSQL server.  You can\nuse it to update a master or monitor a replica.  If possible, MySQL connection\noptions are read from your .my.cnf file.  For more details, please use the\n--help option, or try 'perldoc /usr/bin/pt-heartbeat' for complete\ndocumentation.\n",
          1,
        );
      }
      const [hbDb = "percona"] = ctx.world.settings.heartbeatTable.split(".");
      const db = args.database ?? hbDb;
      let o: ClientOptions;
      try {
        o = parseClientArgs({ ...ctx, argv: ["pt-heartbeat", ...args.client] }, "pt-heartbeat", ["client"]);
      } catch (e) {
        if (e instanceof ClientUsageError) return fail(`${e.message}\n`, e.code);
        throw e;
      }
      const opened = openSession(cluster, ctx, o);
      if (!opened.ok) {
        const message = opened.result.stderr.trim().replace(/^ERROR \d+ \(\w+\): /, "");
        const file = args.client.find((a) => a.startsWith("--defaults-file="))?.slice("--defaults-file=".length);
        const dsn = [db, file ? `mysql_read_default_file=${file}` : "", o.host ? `host=${o.host}` : "", "mysql_read_default_group=client"].filter(Boolean).join(";");
        const errno = Number(/\((-?\d+)\)$/.exec(message)?.[1] ?? "1");
        return fail(`DBI connect('${dsn}','',...) failed: ${message} at /usr/bin/pt-heartbeat line 2907.\n`, errno > 0 ? errno : 1);
      }
      const sess = opened.session;
      if (args.masterServerId === null) {
        return fail(
          `The --master-server-id option must be specified because the heartbeat table \`${db}\`.\`${args.table}\` uses the server_id column for --update or --check but the server's master could not be automatically determined.\nPlease read the DESCRIPTION section of the pt-heartbeat POD.\n`,
          11,
        );
      }
      let ts: string | null;
      try {
        const r = runStatement({ ...sess, database: db }, `SELECT ts FROM ${db}.${args.table} WHERE server_id = ${Math.trunc(args.masterServerId)} LIMIT 1`);
        ts = r.kind === "rows" ? (r.rows[0]?.[0] ?? null) : null;
      } catch (e) {
        if (!(e instanceof SqlError)) throw e;
        return fail(`DBD::mysql::db selectrow_arrayref failed: ${e.message} [for Statement "SHOW CREATE TABLE \`${db}\`.\`${args.table}\`"] at /usr/bin/pt-heartbeat line 6034.\n`, 11);
      }
      const stored = ts === null ? Number.NaN : (parseSqlDatetime(ts) ?? Number.NaN);
      if (Number.isNaN(stored)) return fail(`No row found in heartbeat table for server_id ${args.masterServerId}.\n`, 1);
      const now = ctx.world.now();
      // without --utc, ts is read as local time and compared with the local clock
      const shift = args.utc ? 0 : zoneOffsetMinutes(ctx.env.TZ ?? "UTC", now) * 60_000;
      const delay = Math.max(0, (now + shift - stored) / 1000);
      if (args.mode === "check") return ok(`${delay.toFixed(2)}\n`);
      const d = `${delay.toFixed(2)}s`;
      return ok(`${d.padStart(5)} [ ${d.padStart(6)}, ${d.padStart(6)}, ${d.padStart(6)} ]\n`);
    },
  };
}
