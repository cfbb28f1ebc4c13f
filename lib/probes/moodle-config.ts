import { cannotRead, contentLines, quoteLine, readOutput, withoutTrailingSlashes } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface MoodleConfig {
  dbtype: string | null;
  dbhost: string | null;
  dbname: string | null;
  prefix: string | null;
  wwwroot: string | null;
  dataroot: string | null;
  /** $CFG->session_handler_class, null when config.php leaves it to Moodle (dbsessions, else files) */
  sessionHandlerClass: string | null;
  /** $CFG->session_file_save_path, null when unset (Moodle then uses <dataroot>/sessions) */
  sessionFileSavePath: string | null;
  sessionRedisHost: string | null;
  sessionRedisPort: string | null;
  sessionMemcachedSavePath: string | null;
  /** $CFG->dbsessions set in config.php, which wins over the admin setting; null when config.php leaves it */
  dbsessions: boolean | null;
  /** config.php sets a $CFG->maintenance_message that is not blank: it replaces the maintenance page's text */
  maintenanceMessage: boolean | null;
  /**
   * Settings config.php assigns in a way only PHP can evaluate (from $_ENV, a function call, or
   * inside an if): their value above is null because it is unknown, not because it is unset.
   */
  computed: ConfigKey[];
}

export type ConfigKey = keyof Omit<MoodleConfig, "computed">;

// Only these settings are read; credentials (dbpass, passwords in dboptions) never leave the host.
const KEYS: Record<string, ConfigKey> = {
  dbtype: "dbtype",
  dbhost: "dbhost",
  dbname: "dbname",
  prefix: "prefix",
  wwwroot: "wwwroot",
  dataroot: "dataroot",
  session_handler_class: "sessionHandlerClass",
  session_file_save_path: "sessionFileSavePath",
  session_redis_host: "sessionRedisHost",
  session_redis_port: "sessionRedisPort",
  session_memcached_save_path: "sessionMemcachedSavePath",
  dbsessions: "dbsessions",
  maintenance_message: "maintenanceMessage",
};

const MAX_LINE = 4096;
// the assignment's start; the right-hand side is the rest of the line (a trailing `(.*)$` backtracked
// through the blanks before a carriage return, which `.` does not match: such a line is still no assignment)
const ASSIGN = /^([ \t]*)\$CFG->(\w{1,64})[ \t]*=[ \t]*/;
const LINE_BREAK = /[\r\u2028\u2029]/;

type Token = { kind: "string"; value: string } | { kind: "cfg"; name: string } | { kind: "word"; value: string } | { kind: "dot" } | { kind: "end" };

/** PHP tokens of an assignment's right-hand side, up to its `;`; null when it holds anything else. Linear. */
function tokens(rhs: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  while (i < rhs.length) {
    const c = rhs[i] ?? "";
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "'" || c === '"') {
      let value = "";
      let j = i + 1;
      for (; j < rhs.length && rhs[j] !== c; j++) {
        const d = rhs[j] ?? "";
        // PHP: single quotes unescape only \\ and \'; double quotes also \" (a "$" would interpolate: not a literal)
        if (d === "\\" && (rhs[j + 1] === "\\" || rhs[j + 1] === c)) value += rhs[++j];
        else if (c === '"' && (d === "$" || (d === "\\" && /[nrtvef0-7xu]/.test(rhs[j + 1] ?? "")))) return null;
        else value += d;
      }
      if (j >= rhs.length) return null;
      out.push({ kind: "string", value });
      i = j + 1;
    } else if (c === ".") {
      out.push({ kind: "dot" });
      i++;
    } else if (c === ";") {
      out.push({ kind: "end" });
      return out;
    } else {
      const m = /^\$CFG->(\w{1,64})|^[A-Za-z0-9_.\\-]{1,64}/.exec(rhs.slice(i, i + 72));
      if (!m) return null;
      out.push(m[1] !== undefined ? { kind: "cfg", name: m[1] } : { kind: "word", value: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

/**
 * The value PHP would give a right-hand side made of string literals, numbers, true/false and the
 * $CFG settings read so far, joined with `.` (config-dist's `$CFG->dataroot.'/sessions'`); null for anything else.
 */
function evaluate(rhs: string, known: ReadonlyMap<string, string>): string | null {
  const t = tokens(rhs);
  if (!t || t.at(-1)?.kind !== "end") return null;
  const parts: string[] = [];
  for (let i = 0; i < t.length - 1; i++) {
    const tok = t[i];
    if (!tok) return null;
    if (i % 2 === 1) {
      if (tok.kind !== "dot") return null;
      continue;
    }
    if (tok.kind === "string") parts.push(tok.value);
    else if (tok.kind === "cfg" && known.has(tok.name)) parts.push(known.get(tok.name) ?? "");
    else if (tok.kind === "word" && /^(\d+(\.\d+)?|true|false|null)$/i.test(tok.value) && t.length === 2) parts.push(tok.value.toLowerCase());
    else return null;
  }
  return t.length % 2 === 0 ? parts.join("") : null;
}

/**
 * One `$CFG->name = ...;` line of config.php, for the settings read here: its value, or null when PHP
 * would have to compute it (a call, a variable, an assignment inside a block). `known` holds the
 * settings assigned above it, by their PHP names, so `$CFG->dataroot.'/sessions'` is understood.
 */
export function readAssignment(line: string): { key: ConfigKey; name: string; value: string | null } | null {
  return readAssignmentAfter(line, new Map());
}

/** `$CFG->name = rhs` at the start of the line (its first MAX_LINE characters), in parts; null when it is not one */
function assignmentParts(line: string): { indent: string; name: string; rhs: string } | null {
  const head = line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
  const m = ASSIGN.exec(head);
  if (!m) return null;
  const rhs = head.slice(m[0].length);
  return LINE_BREAK.test(rhs) ? null : { indent: m[1] ?? "", name: m[2] ?? "", rhs };
}

/** readAssignment, with the values config.php assigned above the line (by their PHP names) */
export function readAssignmentAfter(line: string, known: ReadonlyMap<string, string>): { key: ConfigKey; name: string; value: string | null } | null {
  const parts = assignmentParts(line);
  const name = parts?.name ?? "";
  const key = KEYS[name];
  if (!parts || !key) return null;
  const { indent, rhs } = parts;
  // An indented assignment sits inside a block (if, function): whether it applies is PHP's to decide.
  if (indent !== "") return { key, name, value: null };
  return { key, name, value: evaluate(rhs, known) };
}

/** PHP's empty(): "", "0", false and null are empty */
function phpTruthy(value: string): boolean {
  return !["", "0", "false", "null"].includes(value.toLowerCase());
}

/** Moodle's html_is_blank(): nothing but tags and whitespace */
function htmlBlank(value: string): boolean {
  return value.replace(/<[^<>]{0,2000}>/g, "").replace(/&nbsp;/gi, "").trim() === "";
}

/**
 * What the config reader prints: the assignment lines of the settings in KEYS (grep -o, each cut at its
 * first `;`), never the rest of config.php.
 */
export function parseMoodleConfig(stdout: string): Parsed<MoodleConfig> {
  return readOutput(stdout, (text) => {
    const config: MoodleConfig = {
      dbtype: null,
      dbhost: null,
      dbname: null,
      prefix: null,
      wwwroot: null,
      dataroot: null,
      sessionHandlerClass: null,
      sessionFileSavePath: null,
      sessionRedisHost: null,
      sessionRedisPort: null,
      sessionMemcachedSavePath: null,
      dbsessions: null,
      maintenanceMessage: null,
      computed: [],
    };
    const known = new Map<string, string>();
    const computed = new Set<ConfigKey>();
    for (const line of contentLines(text)) {
      const a = readAssignmentAfter(line, known) ?? cannotRead(`not a config.php setting line: ${quoteLine(line)}`);
      if (a.key === "maintenanceMessage") {
        // a message spread over several lines is cut at the first one: set, and not blank if it shows text
        const parts = assignmentParts(line);
        const rhs = parts?.rhs ?? "";
        const opened = /^\s*['"]/.test(rhs.trim()) && parts?.indent === "";
        if (a.value !== null) config.maintenanceMessage = !htmlBlank(a.value);
        else if (opened) config.maintenanceMessage = !htmlBlank(rhs.replace(/^\s*['"]/, ""));
        else computed.add(a.key);
        continue;
      }
      if (a.value === null) {
        computed.add(a.key);
        known.delete(a.name);
        continue;
      }
      computed.delete(a.key);
      known.set(a.name, a.value);
      if (a.key === "dbsessions") config.dbsessions = phpTruthy(a.value);
      else config[a.key] = a.value;
    }
    for (const key of computed) config[key] = null;
    config.computed = [...computed];
    if (config.dataroot === null && !computed.has("dataroot")) cannotRead("config.php sets no $CFG->dataroot");
    return config;
  });
}

export interface MoodleConfigParams {
  dirroot: string;
}

/** The settings' assignments, each cut at its first `;`: a line's other statements (a password) never leave. */
export const CONFIG_PATTERN = `^[[:space:]]*\\$CFG->(${Object.keys(KEYS).join("|")})[[:space:]]*=[^;]*;?`;

/**
 * config.php is 0640 www-data as Moodle's installer writes it (admin/cli/install.php: umask(0137)), so it is
 * read as the web server's user, and only the lines of the settings above.
 */
export function configReaderCommand(dirroot: string): string {
  return `sudo -n -u www-data grep -oE ${shellQuote(CONFIG_PATTERN)} ${shellQuote(`${withoutTrailingSlashes(dirroot)}/config.php`)}`;
}

export const moodleConfigProbe: Probe<MoodleConfig, MoodleConfigParams> = {
  name: "moodle-config",
  roles: ["web"],
  readOnly: true,
  command: ({ dirroot }) => configReaderCommand(dirroot),
  parse: parseMoodleConfig,
};
