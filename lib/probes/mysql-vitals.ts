import { needInt } from "@/lib/probes/numbers";
import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface MysqlVitals {
  readOnly: boolean;
  superReadOnly: boolean | null;
  threadsConnected: number;
  /** this server's clock minus the newest pt-heartbeat row it holds, seconds; null when the table is empty */
  heartbeatAgeSeconds: number | null;
  /** live Moodle sessions in <prefix>sessions; null when the query was not asked */
  moodleSessions: number | null;
}

function flag(word: string | undefined, what: string): boolean {
  if (word === "1" || word === "ON") return true;
  if (word === "0" || word === "OFF") return false;
  return cannotRead(`${what} is not 0/1: ${quoteLine(word ?? "")}`);
}

/**
 * `mysql -B -N` with four or five statements, one answer line each:
 * read_only<TAB>super_read_only, Threads_connected<TAB>n, heartbeat age, [session count].
 */
export function parseMysqlVitals(stdout: string): Parsed<MysqlVitals> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    if (lines.length < 3 || lines.length > 4) cannotRead(`expected 3 or 4 result lines, got ${lines.length}`);
    const [ro, threads, lag, sessions] = lines.map((l) => l.split("\t"));
    const superRo = ro?.[1];
    const threadsRow = threads ?? [];
    if (threadsRow[0]?.toLowerCase() !== "threads_connected") cannotRead(`second line is not Threads_connected: ${quoteLine(lines[1] ?? "")}`);
    const lagWord = lag?.[0] ?? "";
    let heartbeatAgeSeconds: number | null = null;
    if (lagWord !== "NULL") {
      if (!/^-?\d+(\.\d+)?$/.test(lagWord)) cannotRead(`heartbeat age is not a number: ${quoteLine(lagWord)}`);
      heartbeatAgeSeconds = Number(lagWord);
    }
    const sessionWord = sessions?.[0];
    return {
      readOnly: flag(ro?.[0], "read_only"),
      superReadOnly: superRo === undefined || superRo === "NULL" ? null : flag(superRo, "super_read_only"),
      threadsConnected: needInt(threadsRow[1], "Threads_connected"),
      heartbeatAgeSeconds,
      moodleSessions: sessionWord === undefined ? null : needInt(sessionWord, "session count"),
    };
  });
}

export interface MysqlVitalsParams {
  defaultsFile: string;
  /** schema.table of pt-heartbeat */
  heartbeatTable: string;
  /** e.g. moodle.mdl_sessions; omitted on servers that do not hold Moodle's sessions */
  sessionsTable?: string;
  sessionTimeoutSeconds?: number;
}

function identifier(name: string): string {
  if (!/^\w+(\.\w+)?$/.test(name)) throw new Error(`not a table name: ${name}`);
  return name;
}

export const mysqlVitalsProbe: Probe<MysqlVitals, MysqlVitalsParams> = {
  name: "mysql-vitals",
  roles: ["db"],
  readOnly: true,
  command: ({ defaultsFile, heartbeatTable, sessionsTable, sessionTimeoutSeconds = 28_800 }) => {
    const sql = [
      "SELECT @@global.read_only, @@global.super_read_only",
      "SHOW GLOBAL STATUS LIKE 'Threads_connected'",
      `SELECT TIMESTAMPDIFF(MICROSECOND, MAX(ts), UTC_TIMESTAMP(6))/1000000 FROM ${identifier(heartbeatTable)}`,
      ...(sessionsTable
        ? [`SELECT COUNT(*) FROM ${identifier(sessionsTable)} WHERE timemodified > UNIX_TIMESTAMP() - ${Math.round(sessionTimeoutSeconds)}`]
        : []),
    ].join("; ");
    return `mysql --defaults-file=${shellQuote(defaultsFile)} -B -N -e ${shellQuote(sql)}`;
  },
  parse: parseMysqlVitals,
};
