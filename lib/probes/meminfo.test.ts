import { describe, expect, it } from "vitest";
import { meminfoProbe, parseMeminfo } from "@/lib/probes/meminfo";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("meminfo", () => {
  it("runs cat /proc/meminfo", () => {
    expect(meminfoProbe.command()).toBe("cat /proc/meminfo");
  });

  it("reads MemAvailable when the kernel has it", () => {
    expect(valueOf(parseMeminfo(fixture("proc-meminfo", "jc-linux-proc.txt")))).toEqual({
      totalKb: 3997272,
      freeKb: 2760316,
      availableKb: 3386876,
      availableEstimated: false,
      buffersKb: 40452,
      cachedKb: 684856,
      swapTotalKb: 3996668,
      swapFreeKb: 3996668,
      usedPercent: 15.3,
    });
    const diamond = valueOf(parseMeminfo(fixture("proc-meminfo", "diamond.txt")));
    expect(diamond).toMatchObject({ totalKb: 49554212, availableKb: 35194496, availableEstimated: false, swapTotalKb: 262143996 });
    expect(diamond.usedPercent).toBe(29);
  });

  it("estimates available memory on old kernels and says so", () => {
    const old = valueOf(parseMeminfo(fixture("proc-meminfo", "node_exporter.txt")));
    expect(old).toMatchObject({ totalKb: 3742148, freeKb: 225472, buffersKb: 22040, cachedKb: 930888, swapFreeKb: 3155360 });
    expect(old.availableEstimated).toBe(true);
    expect(old.availableKb).toBe(225472 + 22040 + 930888);
    expect(old.usedPercent).toBe(68.5);

    const pmp = valueOf(parseMeminfo(fixture("proc-meminfo", "pmp-cacti-meminfo-001.txt")));
    expect(pmp).toMatchObject({ totalKb: 502412, availableKb: 38228 + 20216 + 67376, availableEstimated: true, swapTotalKb: 1015800, swapFreeKb: 738288 });
  });

  it.each([
    ...garbage("cat"),
    ["truncated after two lines", "MemTotal:        3997272 kB\nMemFree:         2760316 kB\n"],
    ["letters for numbers", fixture("proc-meminfo", "jc-linux-proc.txt").replace("2760316", "27x0316")],
    ["cut mid-line", "MemTotal:        3997272 kB\nMemFree:         27603"],
    ["zero total", fixture("proc-meminfo", "jc-linux-proc.txt").replace("3997272", "0")],
  ])("refuses %s", (_name, input) => {
    expect(parseMeminfo(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
