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

const LINE = /^(\S+) (\S+) (\S+) (\S+)\/(\S+) (\S+)$/;

export function parseLoadavg(stdout: string): Parsed<LoadAvg> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    if (lines.length !== 1) cannotRead(`expected one line, got ${lines.length}`);
    const line = lines[0] ?? "";
    const m = LINE.exec(line.trim()) ?? cannotRead(`not a /proc/loadavg line: ${quoteLine(line)}`);
    const [, l1, l5, l15, running, total, lastPid] = m;
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
