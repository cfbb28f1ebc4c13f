import { needDecimal, needInt } from "@/lib/probes/numbers";
import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  /** runnable scheduling entities right now */
  running: number;
  /** scheduling entities that exist */
  total: number;
  lastPid: number;
}

/**
 * "0.00 0.01 0.05 1/123 4567": five words, one space apart, the fourth split at its last `/`. Read as words:
 * the pattern /^(\S+) (\S+) (\S+) (\S+)\/(\S+) (\S+)$/ backtracked (a 256 KiB line took minutes).
 */
function fields(line: string): string[] | null {
  const words = line.split(" ");
  if (words.length !== 5 || words.some((w) => w === "" || /\s/.test(w))) return null;
  const [l1 = "", l5 = "", l15 = "", counts = "", lastPid = ""] = words;
  const slash = counts.lastIndexOf("/");
  if (slash <= 0 || slash === counts.length - 1) return null;
  return [l1, l5, l15, counts.slice(0, slash), counts.slice(slash + 1), lastPid];
}

export function parseLoadavg(stdout: string): Parsed<LoadAvg> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    if (lines.length !== 1) cannotRead(`expected one line, got ${lines.length}`);
    const line = lines[0] ?? "";
    const [l1, l5, l15, running, total, lastPid] = fields(line.trim()) ?? cannotRead(`not a /proc/loadavg line: ${quoteLine(line)}`);
    return {
      load1: needDecimal(l1, "1-minute load"),
      load5: needDecimal(l5, "5-minute load"),
      load15: needDecimal(l15, "15-minute load"),
      running: needInt(running, "running count"),
      total: needInt(total, "entity count"),
      lastPid: needInt(lastPid, "last pid"),
    };
  });
}

export const loadavgProbe: Probe<LoadAvg> = {
  name: "loadavg",
  roles: "all",
  readOnly: true,
  command: () => "cat /proc/loadavg",
  parse: parseLoadavg,
};
