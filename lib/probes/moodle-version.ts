import { shellQuote } from "@/lib/ssh/quote";
import { MAX_LINE } from "@/lib/probes/partial";
import { cannotRead, readOutput, withoutTrailingSlashes } from "@/lib/probes/read";
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

const blank = (c: string | undefined): boolean => c === " " || c === "\t";

/**
 * `$name = value;` at the start of a line (never inside a comment), or undefined: the first line that is
 * blanks, `$name`, blanks, `=`, blanks, then a value up to the first `;` (its trailing blanks dropped).
 * Read by hand in one pass per line: as a pattern (`[ \t]*([^;]+?)[ \t]*;`) a line of spaces took minutes.
 */
function assignment(lines: readonly string[], name: string): string | undefined {
  for (const line of lines) {
    let i = 0;
    while (blank(line[i])) i++;
    if (line[i] !== "$" || !line.startsWith(name, i + 1)) continue;
    i += 1 + name.length;
    while (blank(line[i])) i++;
    if (line[i] !== "=") continue;
    i++;
    while (blank(line[i])) i++;
    const end = line.indexOf(";", i);
    if (end === -1) continue;
    let last = end;
    while (last > i && blank(line[last - 1])) last--;
    if (last > i) return line.slice(i, last);
  }
  return undefined;
}

function phpString(value: string | undefined, name: string): string {
  const m = /^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$/.exec(value ?? "");
  if (!m) return cannotRead(`$${name} is not a quoted string: ${JSON.stringify(value ?? "missing")}`);
  return (m[1] ?? m[2] ?? "").replace(/\\(['"\\])/g, "$1");
}

export function parseMoodleVersion(stdout: string): Parsed<MoodleVersion> {
  return readOutput(stdout, (text) => {
    if (!text.trimStart().startsWith("<?php")) cannotRead("not a PHP file");
    const lines = text.split("\n");
    const long = lines.findIndex((line) => line.length > MAX_LINE);
    if (long !== -1) cannotRead(`line ${long + 1} is too long to read (${lines[long]?.length ?? 0} characters)`);
    const version = assignment(lines, "version") ?? cannotRead("no $version assignment");
    if (!/^\d{10}(\.\d+)?$/.test(version)) cannotRead(`$version is not YYYYMMDDRR[.XX]: ${JSON.stringify(version)}`);
    const branch = assignment(lines, "branch");
    const maturity = assignment(lines, "maturity");
    const level = maturity?.replace(/^MATURITY_/, "");
    if (level !== undefined && !isMaturity(level)) cannotRead(`unknown $maturity ${JSON.stringify(maturity)}`);
    return {
      version,
      release: phpString(assignment(lines, "release") ?? cannotRead("no $release assignment"), "release"),
      branch: branch === undefined ? null : phpString(branch, "branch"),
      maturity: level ?? null,
    };
  });
}

export const moodleVersionProbe: Probe<MoodleVersion, MoodleVersionParams> = {
  name: "moodle-version",
  roles: ["web"],
  readOnly: true,
  command: ({ dirroot }) => `cat ${shellQuote(`${withoutTrailingSlashes(dirroot)}/version.php`)}`,
  parse: parseMoodleVersion,
};
