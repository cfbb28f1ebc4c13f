import { cannotRead, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import { type Parsed, type Probe, unreadable } from "@/lib/probes/types";

export interface MoodleConfig {
  dbtype: string | null;
  dbhost: string | null;
  dbname: string | null;
  prefix: string | null;
  wwwroot: string | null;
  dataroot: string | null;
  /** $CFG->session_handler_class, null when config.php leaves Moodle's default (file sessions in the dataroot) */
  sessionHandlerClass: string | null;
  sessionFileSavePath: string | null;
  /**
   * Settings config.php assigns in a way only PHP can evaluate (from $_ENV, a function call, or
   * inside an if): their value above is null because it is unknown, not because it is unset.
   */
  computed: (keyof Omit<MoodleConfig, "computed">)[];
}

// Only these settings are read; credentials (dbpass, passwords in dboptions) never leave the parser.
const KEYS: Record<string, keyof Omit<MoodleConfig, "computed">> = {
  dbtype: "dbtype",
  dbhost: "dbhost",
  dbname: "dbname",
  prefix: "prefix",
  wwwroot: "wwwroot",
  dataroot: "dataroot",
  session_handler_class: "sessionHandlerClass",
  session_file_save_path: "sessionFileSavePath",
};

const ASSIGN = /^(\s*)\$CFG->(\w+)\s*=\s*(.*)$/;
const LITERAL = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\$]|\\.)*)")\s*;/;

/** config.php with every password-looking assignment blanked, for "could not read" results. */
export function redactConfig(text: string): string {
  return text.replace(/^(.*(?:pass|secret|key)\w*['"]?\s*(?:=>|=)\s*).*$/gim, "$1<redacted>");
}

/**
 * One `$CFG->name = ...;` line of config.php, for the settings read here: its literal value, or null
 * when PHP would have to compute it (an expression, a variable, an assignment inside a block).
 */
export function readAssignment(line: string): { key: keyof Omit<MoodleConfig, "computed">; value: string | null } | null {
  const m = ASSIGN.exec(line);
  const key = m?.[2] ? KEYS[m[2]] : undefined;
  if (!m || !key) return null;
  const literal = LITERAL.exec(m[3] ?? "");
  // An indented assignment sits inside a block (if, function): whether it applies is PHP's to decide.
  if (!literal || (m[1] ?? "") !== "") return { key, value: null };
  // PHP: single quotes unescape only \\ and \'; double quotes also \" (a "$" would interpolate: not a literal).
  return { key, value: literal[1] !== undefined ? literal[1].replace(/\\([\\'])/g, "$1") : (literal[2] ?? "").replace(/\\([\\"])/g, "$1") };
}

export function parseMoodleConfig(stdout: string): Parsed<MoodleConfig> {
  const result = readOutput(stdout, (text) => {
    if (!/^\s*<\?php/.test(text)) cannotRead("not a PHP file (no <?php opening tag)");
    if (!/\$CFG\s*=\s*new\s+stdClass/.test(text) && !/\$CFG->/.test(text)) cannotRead("no $CFG settings: not Moodle's config.php");
    const config: MoodleConfig = {
      dbtype: null,
      dbhost: null,
      dbname: null,
      prefix: null,
      wwwroot: null,
      dataroot: null,
      sessionHandlerClass: null,
      sessionFileSavePath: null,
      computed: [],
    };
    const computed = new Set<keyof Omit<MoodleConfig, "computed">>();
    for (const line of text.split("\n")) {
      const a = readAssignment(line);
      if (!a) continue;
      if (a.value === null) computed.add(a.key);
      else config[a.key] = a.value;
    }
    for (const key of computed) config[key] = null;
    config.computed = [...computed];
    if (config.dataroot === null && !computed.has("dataroot")) cannotRead("config.php sets no $CFG->dataroot");
    return config;
  });
  return result.ok ? result : unreadable(result.reason, redactConfig(result.raw));
}

export interface MoodleConfigParams {
  dirroot: string;
}

export const moodleConfigProbe: Probe<MoodleConfig, MoodleConfigParams> = {
  name: "moodle-config",
  roles: ["web"],
  readOnly: true,
  command: ({ dirroot }) => `cat ${shellQuote(`${dirroot.replace(/\/+$/, "")}/config.php`)}`,
  parse: parseMoodleConfig,
};
