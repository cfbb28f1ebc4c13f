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

const LINE =
  /^(\S+)\s+up\s+(.+?),\s+(?:(\S+)\s+users?,\s+)?load averages?:\s+([^,\s]+),?\s+([^,\s]+),?\s+([^,\s]+)$/;

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
    const m = LINE.exec(first.trim()) ?? cannotRead(`not an uptime line: ${quoteLine(first)}`);
    const [, time, span, users, l1, l5, l15] = m;
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
