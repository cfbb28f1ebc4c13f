import { mysqlCommand } from "@/lib/probes/mysql-replica-status";
import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

/**
 * Moodle's own settings from its mdl_config table (the admin pages write them there; config.php can
 * override each): the ones that decide where sessions live and whether users get the maintenance page.
 */
export interface MoodleSettings {
  /** "Use database for session information": Moodle then keeps sessions in mdl_sessions (unless config.php names a handler) */
  dbsessions: boolean;
  /** maintenance switched on from Site administration > Server > Maintenance mode: every page answers 503 to users */
  maintenanceEnabled: boolean;
  /** a maintenance message that is not blank: it replaces the text of the page the CLI maintenance mode writes */
  maintenanceMessage: boolean;
  /** maintenance announced with --enablelater: when it starts (epoch seconds), null when none */
  maintenanceLater: number | null;
  /** $CFG->sessiontimeout in seconds (Moodle's default: 8 hours) */
  sessionTimeoutSeconds: number;
  /** the code version the database was last upgraded to; null when the row is missing */
  version: string | null;
  release: string | null;
}

const NAMES = ["dbsessions", "maintenance_enabled", "maintenance_later", "maintenance_message", "sessiontimeout", "version", "release"] as const;

/** lib/setup.php's default when the admin never changed it (admin/settings/server.php: sessiontimeout 8 h) */
const DEFAULT_SESSION_TIMEOUT = 8 * 3600;
const MAX_LINE = 64 * 1024;

/** mysql's batch mode writes a tab, newline and backslash inside a value as \t, \n and \\ */
function unescape(value: string): string {
  return value.replace(/\\([tn0\\])/g, (_m, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c === "0" ? "\0" : "\\"));
}

function blankHtml(value: string): boolean {
  return value.replace(/<[^<>]{0,2000}>/g, "").replace(/&nbsp;/gi, "").trim() === "";
}

export function parseMoodleSettings(stdout: string): Parsed<MoodleSettings> {
  const empty = (): Map<string, string> => new Map();
  const rows = (text: string): Map<string, string> => {
    const lines = contentLines(text);
    if (lines[0] !== "name\tvalue") cannotRead(`expected the name/value header, got ${quoteLine(lines[0] ?? "")}`);
    const found = new Map<string, string>();
    for (const line of lines.slice(1)) {
      if (line.length > MAX_LINE) cannotRead("a setting line is too long");
      const tab = line.indexOf("\t");
      const name = tab > 0 ? line.slice(0, tab) : cannotRead(`not a name/value row: ${quoteLine(line)}`);
      if (!(NAMES as readonly string[]).includes(name)) cannotRead(`a setting that was not asked for: ${quoteLine(name)}`);
      found.set(name, unescape(line.slice(tab + 1)));
    }
    return found;
  };
  return readOutput(
    stdout,
    (text) => settingsOf(rows(text)),
    // no row at all: every setting is at Moodle's default
    { whenEmpty: () => settingsOf(empty()) },
  );
}

function settingsOf(found: ReadonlyMap<string, string>): MoodleSettings {
  const truthy = (name: string) => !["", "0"].includes(found.get(name) ?? "");
  const whole = (name: string): number | null => {
    const v = found.get(name);
    if (v === undefined || v === "") return null;
    if (!/^\d{1,12}$/.test(v)) cannotRead(`${name} is not a whole number: ${quoteLine(v)}`);
    return Number(v);
  };
  return {
    dbsessions: truthy("dbsessions"),
    maintenanceEnabled: truthy("maintenance_enabled"),
    maintenanceMessage: !blankHtml(found.get("maintenance_message") ?? ""),
    maintenanceLater: whole("maintenance_later"),
    sessionTimeoutSeconds: whole("sessiontimeout") ?? DEFAULT_SESSION_TIMEOUT,
    version: found.get("version") ?? null,
    release: found.get("release") ?? null,
  };
}

export interface MoodleSettingsParams {
  defaultsFile: string;
  database: string;
  tablePrefix: string;
}

export const moodleSettingsProbe: Probe<MoodleSettings, MoodleSettingsParams> = {
  name: "moodle-settings",
  roles: ["db"],
  readOnly: true,
  command: ({ defaultsFile, database, tablePrefix }) => {
    if (!/^\w+$/.test(database) || !/^\w*$/.test(tablePrefix)) throw new Error(`not a database and table prefix: ${database} ${tablePrefix}`);
    return mysqlCommand(defaultsFile, `SELECT name, value FROM ${database}.${tablePrefix}config WHERE name IN (${NAMES.map((n) => `'${n}'`).join(", ")})`);
  },
  parse: parseMoodleSettings,
};
