import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface HostClock {
  /** the host's clock, milliseconds since the epoch */
  epochMs: number;
}

export function parseClock(stdout: string): Parsed<HostClock> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    const line = lines.length === 1 ? (lines[0] ?? "").trim() : cannotRead(`expected one line, got ${lines.length}`);
    const m = /^(\d{9,11})\.(\d{1,9})$/.exec(line) ?? cannotRead(`not seconds.nanoseconds: ${quoteLine(line)}`);
    return { epochMs: Number(m[1]) * 1000 + Number(`0.${m[2]}`) * 1000 };
  });
}

export const clockProbe: Probe<HostClock> = {
  name: "clock",
  roles: "all",
  readOnly: true,
  command: () => "date +%s.%N",
  parse: parseClock,
};
