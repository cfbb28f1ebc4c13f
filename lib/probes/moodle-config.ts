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
}

// Only these settings are read; credentials (dbpass, passwords in dboptions) never leave the parser.
const KEYS: Record<string, keyof MoodleConfig> = {
  dbtype: "dbtype",
  dbhost: "dbhost",
  dbname: "dbname",
  prefix: "prefix",
  wwwroot: "wwwroot",
  dataroot: "dataroot",
  session_handler_class: "sessionHandlerClass",
  session_file_save_path: "sessionFileSavePath",
};

const ASSIGN = /^\s*\$CFG->(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*;/;

/** config.php with every password-looking assignment blanked, for "could not read" results. */
export function redactConfig(text: string): string {
  return text.replace(/^(.*(?:pass|secret|key)\w*['"]?\s*(?:=>|=)\s*).*$/gim, "$1<redacted>");
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
    };
    for (const line of text.split("\n")) {
      const m = ASSIGN.exec(line);
      const key = m?.[1] ? KEYS[m[1]] : undefined;
      if (!m || !key) continue;
      // PHP: single quotes unescape only \\ and \'; double quotes also \" and \$ (enough for paths and class names).
      config[key] = m[2] !== undefined ? m[2].replace(/\\([\\'])/g, "$1") : (m[3] ?? "").replace(/\\([\\"$])/g, "$1");
    }
    if (config.dataroot === null) cannotRead("config.php sets no $CFG->dataroot");
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
