import { shellQuote } from "@/lib/ssh/quote";
import { cannotRead, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export type MoodleMaturity = "ALPHA" | "BETA" | "RC" | "STABLE";

export interface MoodleVersion {
  /** $version exactly as written, e.g. "2018051715.04": a different value means a database upgrade */
  version: string;
  /** $release, e.g. "3.5.15+ (Build: 20201211)" */
  release: string;
  /** $branch, e.g. "35"; null on Moodle older than 2.x */
  branch: string | null;
  maturity: MoodleMaturity | null;
}

export interface MoodleVersionParams {
  /** Moodle's code directory on the web node (from the inventory) */
  dirroot: string;
}

const MATURITIES: readonly string[] = ["ALPHA", "BETA", "RC", "STABLE"];

function isMaturity(word: string): word is MoodleMaturity {
  return MATURITIES.includes(word);
}

/** `$name = value;` at the start of a line (never inside a comment), or undefined. */
function assignment(text: string, name: string): string | undefined {
  const m = new RegExp(`^[ \\t]*\\$${name}[ \\t]*=[ \\t]*([^;\\n]+?)[ \\t]*;`, "m").exec(text);
  return m?.[1];
}

function phpString(value: string | undefined, name: string): string {
  const m = /^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$/.exec(value ?? "");
  if (!m) return cannotRead(`$${name} is not a quoted string: ${JSON.stringify(value ?? "missing")}`);
  return (m[1] ?? m[2] ?? "").replace(/\\(['"\\])/g, "$1");
}

export function parseMoodleVersion(stdout: string): Parsed<MoodleVersion> {
  return readOutput(stdout, (text) => {
    if (!/^\s*<\?php/.test(text)) cannotRead("not a PHP file");
    const version = assignment(text, "version") ?? cannotRead("no $version assignment");
    if (!/^\d{10}(\.\d+)?$/.test(version)) cannotRead(`$version is not YYYYMMDDRR[.XX]: ${JSON.stringify(version)}`);
    const branch = assignment(text, "branch");
    const maturity = assignment(text, "maturity");
    const level = maturity?.replace(/^MATURITY_/, "");
    if (level !== undefined && !isMaturity(level)) cannotRead(`unknown $maturity ${JSON.stringify(maturity)}`);
    return {
      version,
      release: phpString(assignment(text, "release") ?? cannotRead("no $release assignment"), "release"),
      branch: branch === undefined ? null : phpString(branch, "branch"),
      maturity: level ?? null,
    };
  });
}

export const moodleVersionProbe: Probe<MoodleVersion, MoodleVersionParams> = {
  name: "moodle-version",
  roles: ["web"],
  readOnly: true,
  command: ({ dirroot }) => `cat ${shellQuote(`${dirroot.replace(/\/+$/, "")}/version.php`)}`,
  parse: parseMoodleVersion,
};
