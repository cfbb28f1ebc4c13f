import { needDecimal, needInt } from "@/lib/probes/numbers";
import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface Uptime {
  /** the host's wall-clock time as printed, e.g. "10:25:20" */
  time: string;
  upSeconds: number;
  /** null when this uptime build prints no user count */
  users: number | null;
  load1: number;
  load5: number;
  load15: number;
}

// "10:00:00 up 2 days, 19:32,  3 users,  load average: 0.00, 0.01, 0.05", read in parts: as one pattern
// (/^(\S+)\s+up\s+(.+?),\s+(?:(\S+)\s+users?,\s+)?load averages?:\s+.../) it backtracked, a 256 KiB line took 19 s.
const HEAD = /^(\S+)\s+up\s+/;
const LOADS = /^:\s+([^,\s]+),?\s+([^,\s]+),?\s+([^,\s]+)$/;
const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/** time, span, users (or undefined), the three loads; null when the line is not uptime's */
function readLine(line: string): [string, string, string | undefined, string, string, string] | null {
  const head = HEAD.exec(line);
  if (!head) return null;
  const start = head[0].length;
  const at = line.lastIndexOf("load average");
  if (at < start) return null;
  const loads = LOADS.exec(line.slice(line.startsWith("load averages", at) ? at + 13 : at + 12));
  if (!loads) return null;
  // `,` then whitespace, ending at `end`: where the comma is, or null
  const commaBefore = (end: number): number | null => {
    let e = end;
    while (e > start && isSpace(line[e - 1])) e--;
    return e < end && line[e - 1] === "," ? e - 1 : null;
  };
  const last = commaBefore(at);
  if (last === null) return null;
  // the span is as short as it can be: "(\S+)\s+users?,\s+" is taken from it when it is there
  let spanEnd = last;
  let users: string | undefined;
  const word = line.endsWith("users", last) ? 5 : line.endsWith("user", last) ? 4 : 0;
  if (word > 0) {
    let s = last - word;
    const afterCount = s;
    while (s > start && isSpace(line[s - 1])) s--;
    let t = s;
    while (t > start && !isSpace(line[t - 1])) t--;
    const comma = s < afterCount && t < s ? commaBefore(t) : null;
    if (comma !== null && comma > start) {
      users = line.slice(t, s);
      spanEnd = comma;
    }
  }
  if (spanEnd <= start) return null;
  return [head[1] ?? "", line.slice(start, spanEnd), users, loads[1] ?? "", loads[2] ?? "", loads[3] ?? ""];
}

const UNIT_SECONDS: Record<string, number> = { day: 86400, hr: 3600, hour: 3600, min: 60, sec: 1 };

/** "2 days, 19:32", "50 min", " 4:50", "1 day, 3 hrs" -> seconds */
function upSeconds(span: string): number {
  let seconds = 0;
  for (const part of span.split(",").map((p) => p.trim())) {
    const clock = /^(\d+):(\d{2})$/.exec(part);
    const unit = /^(\d+)\s+(day|hr|hour|min|sec)s?$/.exec(part);
    if (clock) seconds += needInt(clock[1], "hours") * 3600 + needInt(clock[2], "minutes") * 60;
    else if (unit) seconds += needInt(unit[1], "uptime") * (UNIT_SECONDS[unit[2] ?? ""] ?? 0);
    else cannotRead(`unknown uptime part ${quoteLine(part)}`);
  }
  return seconds;
}

export function parseUptime(stdout: string): Parsed<Uptime> {
  return readOutput(stdout, (text) => {
    // `w` prints the same line followed by its user table; only the first line matters
    const first = contentLines(text)[0] ?? "";
    const [time, span, users, l1, l5, l15] = readLine(first.trim()) ?? cannotRead(`not an uptime line: ${quoteLine(first)}`);
    return {
      time: time ?? "",
      upSeconds: upSeconds(span ?? ""),
      users: users === undefined ? null : needInt(users, "user count"),
      load1: needDecimal(l1, "1-minute load"),
      load5: needDecimal(l5, "5-minute load"),
      load15: needDecimal(l15, "15-minute load"),
    };
  });
}

export const uptimeProbe: Probe<Uptime> = {
  name: "uptime",
  roles: "all",
  readOnly: true,
  command: () => "LC_ALL=C uptime",
  parse: parseUptime,
};
