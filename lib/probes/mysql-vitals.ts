import type { DatabaseFlavour } from "@/lib/inventory/schema";
import { parseGtidPos } from "@/lib/probes/mysql-gtid";
import { cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface HeartbeatRow {
  /** the server_id of the pt-heartbeat that writes this row */
  serverId: number;
  /** this server's UTC clock minus the row's ts, seconds */
  ageSeconds: number;
}

export interface MysqlVitals {
  readOnly: boolean | null;
  /** MySQL only: MariaDB has no such variable */
  superReadOnly: boolean | null;
  threadsConnected: number | null;
  /** what the server says it is: the port it listens on, its server_id, @@version */
  server: { port: number; serverId: number; version: string } | null;
  /** MariaDB's GTID positions ("0-1-105" form; "" when empty) */
  gtid: { binlogPos: string; currentPos: string; slavePos: string } | null;
  /** MySQL's @@global.gtid_executed */
  gtidExecuted: string | null;
  /** every pt-heartbeat row; [] when the table is empty, null when it could not be read */
  heartbeats: HeartbeatRow[] | null;
  /** live Moodle sessions in <prefix>sessions; null when not asked or not readable */
  moodleSessions: number | null;
  /** MariaDB: sessions of accounts read_only does not stop (READ_ONLY ADMIN), the console's own left out */
  readOnlyAdmins: { sessions: number; accounts: string[] } | null;
  /** answers the server refused (a missing table or grant) or gave in a form not understood */
  unanswered: { answer: string; error: string }[];
}

/** the view (created with the grants, lib/commands/workflow-database.ts) that lists READ_ONLY ADMIN sessions */
export const READ_ONLY_ADMIN_VIEW = "clusterdeck.read_only_admin_sessions";

const MAX_LINES = 200;
const MAX_LINE = 8_192;
const RULE = "--------------";
const ERROR_LINE = /^ERROR (\d{1,5})(?: \([0-9A-Z]{5}\))?(?: at line \d+)?: (.{0,400})/;
const LABEL_OF_QUERY = /^(?:SELECT '([a-z_]{1,40})'|SHOW GLOBAL STATUS LIKE '([A-Za-z_]{1,40})')/;
const INT = /^\d{1,20}$/;
const DECIMAL = /^-?\d{1,12}(\.\d{1,9})?$/;

type Answers = Map<string, string[]>;

function flag(cells: string[]): boolean {
  const [word] = cells;
  if (word === "1" || word === "ON") return true;
  if (word === "0" || word === "OFF") return false;
  return cannotRead(`not 0 or 1: ${quoteLine(word ?? "")}`);
}

function int(word: string | undefined, what: string): number {
  if (word === undefined || !INT.test(word)) return cannotRead(`${what} is not a whole number: ${quoteLine(word ?? "")}`);
  return Number(word);
}

/** mysql -B escapes \n, \t, \\ and NUL in values */
function unescape(cell: string): string {
  return cell.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c === "0" ? "\0" : c));
}

function cellsOf(answers: Answers, label: string, count: number): string[] | null {
  const cells = answers.get(label);
  if (cells === undefined) return null;
  if (cells.length !== count) cannotRead(`expected ${count} value${count === 1 ? "" : "s"}, got ${cells.length}`);
  return cells;
}

function heartbeats(cells: string[]): HeartbeatRow[] {
  const [list = ""] = cells;
  if (list === "NULL" || list === "") return [];
  return list.split(" ", 65).map((pair) => {
    const [id, age] = pair.split(":");
    if (age === undefined || !DECIMAL.test(age)) return cannotRead(`heartbeat row is not server_id:age: ${quoteLine(pair)}`);
    return { serverId: int(id, "heartbeat server_id"), ageSeconds: Number(age) };
  });
}

function gtidPositions(cells: string[]): NonNullable<MysqlVitals["gtid"]> {
  const [binlogPos = "", currentPos = "", slavePos = ""] = cells.map((c) => (c === "NULL" ? "" : c));
  for (const pos of [binlogPos, currentPos, slavePos]) {
    if (parseGtidPos(pos) === null) cannotRead(`not a GTID position: ${quoteLine(pos)}`);
  }
  return { binlogPos, currentPos, slavePos };
}

/**
 * `mysql -B -N -e '<labelled statements>' --force 2>&1`: one line per statement, led by its label, in any
 * order, with the client's ERROR lines (and MariaDB's echo of the failed statement) among them. A refused
 * statement blanks only its own answer: the rest is kept, the refusal listed in `unanswered`.
 */
export function parseMysqlVitals(stdout: string): Parsed<MysqlVitals> {
  return readOutput(stdout, (text) => {
    const lines = text.split("\n", MAX_LINES + 1);
    if (lines.length > MAX_LINES) cannotRead(`more than ${MAX_LINES} lines`);
    const answers: Answers = new Map();
    const unanswered: MysqlVitals["unanswered"] = [];
    let echo: string[] | null = null;
    let failedLabel: string | null = null;
    let firstError: string | null = null;
    for (const line of lines) {
      if (line.length > MAX_LINE) cannotRead(`a line of ${line.length} characters`);
      if (line === RULE) {
        if (echo === null) echo = [];
        else {
          const m = LABEL_OF_QUERY.exec(echo[0] ?? "");
          failedLabel = m ? (m[1] ?? m[2]?.toLowerCase() ?? "?") : "?";
          echo = null;
        }
        continue;
      }
      if (echo !== null) {
        echo.push(line);
        continue;
      }
      if (line.trim() === "") continue;
      const error = ERROR_LINE.exec(line);
      if (error) {
        firstError ??= line.trim();
        unanswered.push({ answer: failedLabel ?? "?", error: `ERROR ${error[1]}: ${error[2] ?? ""}`.trimEnd() });
        failedLabel = null;
        continue;
      }
      const [label = "", ...cells] = line.split("\t");
      const key = label === "Threads_connected" ? "threads_connected" : label;
      if (!KNOWN.has(key)) cannotRead(`not an answer of this probe: ${quoteLine(line)}`);
      if (answers.has(key)) cannotRead(`two answers for ${key}`);
      answers.set(key, cells);
    }
    if (echo !== null) cannotRead("the client's echo of a failed statement is cut short");
    if (answers.size === 0) cannotRead(firstError ?? "no answers");

    const read = <T>(label: string, count: number, value: (cells: string[]) => T): T | null => {
      try {
        const cells = cellsOf(answers, label, count);
        return cells === null ? null : value(cells);
      } catch (error) {
        unanswered.push({ answer: label, error: error instanceof Error ? error.message : String(error) });
        return null;
      }
    };
    return {
      readOnly: read("read_only", 1, flag),
      superReadOnly: read("super_read_only", 1, flag),
      threadsConnected: read("threads_connected", 1, ([n]) => int(n, "Threads_connected")),
      server: read("server", 3, ([port, id, version = ""]) => {
        if (version === "" || version.length > 200) cannotRead(`not a version: ${quoteLine(version)}`);
        return { port: int(port, "port"), serverId: int(id, "server_id"), version };
      }),
      gtid: read("gtid", 3, gtidPositions),
      gtidExecuted: read("gtid_executed", 1, ([set = ""]) => unescape(set).replace(/\s+/g, "")),
      heartbeats: read("heartbeat", 1, heartbeats),
      moodleSessions: read("moodle_sessions", 1, ([n]) => int(n, "session count")),
      readOnlyAdmins: read("read_only_admins", 2, ([n, list = ""]) => ({
        sessions: int(n, "session count"),
        accounts: list === "NULL" || list === "" ? [] : list.split(" ", 50),
      })),
      unanswered,
    };
  });
}

const KNOWN = new Set(["read_only", "super_read_only", "threads_connected", "server", "gtid", "gtid_executed", "heartbeat", "moodle_sessions", "read_only_admins"]);

export interface MysqlVitalsParams {
  defaultsFile: string;
  flavour: DatabaseFlavour;
  /** schema.table of pt-heartbeat */
  heartbeatTable: string;
  /** e.g. moodle.mdl_sessions; omitted on servers that do not hold Moodle's sessions */
  sessionsTable?: string;
  sessionTimeoutSeconds?: number;
}

function identifier(name: string): string {
  if (!/^\w{1,64}(\.\w{1,64})?$/.test(name)) throw new Error(`not a table name: ${name}`);
  return name;
}

/**
 * Sessions of accounts holding READ_ONLY ADMIN, which MariaDB 10.11 lets write under read_only (SUPER
 * alone no longer does). The console's own account needs that privilege to set read_only: its sessions
 * are left out. Accounts are matched by user name, so one with several hosts is listed if any has it.
 */
export function readOnlyAdminsStatement(): string {
  return `SELECT 'read_only_admins', COUNT(*), GROUP_CONCAT(DISTINCT CONCAT(user, '@', SUBSTRING_INDEX(host, ':', 1)) ORDER BY CONCAT(user, '@', SUBSTRING_INDEX(host, ':', 1)) SEPARATOR ' ' LIMIT 20) FROM ${READ_ONLY_ADMIN_VIEW} WHERE id <> CONNECTION_ID() AND user <> SUBSTRING_INDEX(USER(), '@', 1)`;
}

export function vitalsStatements(p: MysqlVitalsParams): string[] {
  const mariadb = p.flavour === "mariadb";
  return [
    "SELECT 'read_only', @@global.read_only",
    ...(mariadb ? [] : ["SELECT 'super_read_only', @@global.super_read_only"]),
    "SELECT 'server', @@global.port, @@global.server_id, @@global.version",
    "SHOW GLOBAL STATUS LIKE 'Threads_connected'",
    mariadb ? "SELECT 'gtid', @@global.gtid_binlog_pos, @@global.gtid_current_pos, @@global.gtid_slave_pos" : "SELECT 'gtid_executed', @@global.gtid_executed",
    // every writer's row: the reader picks the current source's (a promoted replica leaves a frozen row behind)
    `SELECT 'heartbeat', GROUP_CONCAT(CONCAT(server_id, ':', TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) / 1000000) ORDER BY server_id SEPARATOR ' ') FROM ${identifier(p.heartbeatTable)}`,
    ...(p.sessionsTable
      ? [`SELECT 'moodle_sessions', COUNT(*) FROM ${identifier(p.sessionsTable)} WHERE timemodified > UNIX_TIMESTAMP() - ${Math.round(p.sessionTimeoutSeconds ?? 28_800)}`]
      : []),
    ...(mariadb ? [readOnlyAdminsStatement()] : []),
  ];
}

/**
 * `--force` after `-e`: the client's `-e` turns --force off, and a later option turns it back on
 * (client/mysql.cc, both flavours), so one refused statement does not stop the rest. The ERROR lines
 * go to stdout with the answers so that the parser can say which answer each one blanked.
 */
export function labelledQuery(defaultsFile: string, statements: string[]): string {
  return `mysql --defaults-file=${shellQuote(defaultsFile)} -B -N -e ${shellQuote(statements.join("; "))} --force 2>&1`;
}

export const mysqlVitalsProbe: Probe<MysqlVitals, MysqlVitalsParams> = {
  name: "mysql-vitals",
  roles: ["db"],
  readOnly: true,
  command: (p) => labelledQuery(p.defaultsFile, vitalsStatements(p)),
  parse: parseMysqlVitals,
};
