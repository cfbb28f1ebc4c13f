import { needInt, roundTo } from "@/lib/probes/numbers";
import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface MemInfo {
  totalKb: number;
  freeKb: number;
  /** MemAvailable, or Free + Buffers + Cached on kernels older than 3.14 (see availableEstimated) */
  availableKb: number;
  availableEstimated: boolean;
  buffersKb: number;
  cachedKb: number;
  swapTotalKb: number;
  swapFreeKb: number;
  /** share of memory not available to new work, 0-100 with one decimal */
  usedPercent: number;
}

const LINE = /^([A-Za-z0-9_()]+):\s+(\S+)(?:\s+(kB))?$/;

export function parseMeminfo(stdout: string): Parsed<MemInfo> {
  return readOutput(stdout, (text) => {
    const fields = new Map<string, string>();
    for (const line of contentLines(text)) {
      const m = LINE.exec(line.trim()) ?? cannotRead(`not a /proc/meminfo line: ${quoteLine(line)}`);
      const [, key, value] = m;
      if (key !== undefined && value !== undefined) fields.set(key, value);
    }
    const kb = (key: string): number => {
      if (!fields.has(key)) cannotRead(`${key} is missing`);
      return needInt(fields.get(key), key);
    };
    const totalKb = kb("MemTotal");
    if (totalKb === 0) cannotRead("MemTotal is 0");
    const freeKb = kb("MemFree");
    const buffersKb = kb("Buffers");
    const cachedKb = kb("Cached");
    const availableEstimated = !fields.has("MemAvailable");
    const availableKb = availableEstimated ? freeKb + buffersKb + cachedKb : kb("MemAvailable");
    return {
      totalKb,
      freeKb,
      availableKb,
      availableEstimated,
      buffersKb,
      cachedKb,
      swapTotalKb: kb("SwapTotal"),
      swapFreeKb: kb("SwapFree"),
      usedPercent: roundTo(((totalKb - Math.min(availableKb, totalKb)) / totalKb) * 100, 1),
    };
  });
}

export const meminfoProbe: Probe<MemInfo> = {
  name: "meminfo",
  roles: "all",
  readOnly: true,
  command: () => "cat /proc/meminfo",
  parse: parseMeminfo,
};
