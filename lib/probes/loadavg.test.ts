import { describe, expect, it } from "vitest";
import { hostileLines, slowestOf } from "@/lib/probes/hostile";
import { loadavgProbe, parseLoadavg } from "@/lib/probes/loadavg";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("loadavg", () => {
  it("runs cat /proc/loadavg", () => {
    expect(loadavgProbe.command()).toBe("cat /proc/loadavg");
  });

  it.each([
    ["node_exporter.txt", { load1: 0.21, load5: 0.37, load15: 0.39, running: 1, total: 719, lastPid: 19737 }],
    ["diamond.txt", { load1: 0, load5: 0.32, load15: 0.56, running: 1, total: 235, lastPid: 24672 }],
    ["jc-linux-proc.txt", { load1: 0, load5: 0.01, load15: 0.03, running: 2, total: 111, lastPid: 2039 }],
  ])("reads %s", (file, expected) => {
    expect(valueOf(parseLoadavg(fixture("proc-loadavg", file)))).toEqual(expected);
  });

  it.each([
    ...garbage("cat"),
    ["truncated", "0.21 0.37 0.39 1/7"],
    ["letters for numbers", "a.21 0.37 0.39 1/719 19737\n"],
    ["missing field", "0.21 0.37 1/719 19737\n"],
    ["two lines", "0.21 0.37 0.39 1/719 19737\n0.21 0.37 0.39 1/719 19737\n"],
    ["cat error", "cat: /proc/loadavg: No such file or directory\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseLoadavg(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});

// Issue 10, hole 2: within the line cap a backtracking pattern is still quadratic per line, and a line
// over it must not reach a pattern at all. Budgets against blow-up, not benchmarks.
describe("loadavg on hostile lines", () => {
  it("reads a megabyte of long lines, and 256 KiB lines, in linear time", () => {
    const slowest = slowestOf(parseLoadavg, hostileLines(["0.00 0.01 0.05 1/", "0.00 "]));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });
});
