import { describe, expect, it } from "vitest";
import { hostileLines, slowestOf } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";
import { parseUptime, uptimeProbe } from "@/lib/probes/uptime";

describe("uptime", () => {
  it("runs uptime in the C locale", () => {
    expect(uptimeProbe.command()).toBe("LC_ALL=C uptime");
  });

  it.each([
    ["jc-centos77-uptime.txt", { time: "10:25:20", upSeconds: 16 * 3600 + 3 * 60, users: 2, load1: 0, load5: 0.01, load15: 0.05 }],
    ["jc-ubuntu1804-uptime-days.txt", { time: "19:43:06", upSeconds: 2 * 86400 + 19 * 3600 + 32 * 60, users: 2, load1: 0, load5: 0, load15: 0 }],
    ["uptime-pmp-uptime-001.txt", { time: "13:50:25", upSeconds: 4 * 3600 + 50 * 60, users: null, load1: 0, load5: 0.03, load15: 0.06 }],
    ["w-first-line-pmp-w-001.txt", { time: "15:38:40", upSeconds: 8 * 3600 + 19 * 60, users: 2, load1: 0, load5: 0.03, load15: 1.43 }],
    ["w-first-line-pmp-w-002.txt", { time: "20:38:18", upSeconds: 2 * 86400 + 12 * 3600 + 5 * 60, users: 6, load1: 0.29, load5: 0.39, load15: 0.35 }],
    ["w-first-line-pmp-w-003.txt", { time: "17:31:39", upSeconds: 50 * 60, users: 1, load1: 0.02, load5: 0.01, load15: 0 }],
    ["w-first-line-pmp-w-004.txt", { time: "17:31:39", upSeconds: 50 * 60, users: 1, load1: 11.02, load5: 11.01, load15: 11 }],
  ])("reads %s", (file, expected) => {
    expect(valueOf(parseUptime(fixture("uptime", file)))).toEqual(expected);
  });

  it("reads the first line of full w output", () => {
    const w = ` 15:38:40 up 1 day, 10 min,  1 user,  load average: 0.10, 0.20, 0.30
USER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT
root     pts/0    10.0.0.9         15:30    0.00s  0.02s  0.00s w
`;
    expect(valueOf(parseUptime(w))).toMatchObject({ upSeconds: 86400 + 600, users: 1, load15: 0.3 });
  });

  it.each([
    ...garbage("uptime"),
    ["truncated", " 10:25:20 up 16:03,  2 users,  load aver"],
    ["letters for numbers", " 10:25:20 up 16:03,  2 users,  load average: 0.00, O.01, 0.05\n"],
    ["unknown uptime unit", " 10:25:20 up 3 fortnights,  2 users,  load average: 0.00, 0.01, 0.05\n"],
    ["users not a number", " 10:25:20 up 16:03,  two users,  load average: 0.00, 0.01, 0.05\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseUptime(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});

// Issue 10, hole 2: within the line cap a backtracking pattern is still quadratic per line, and a line
// over it must not reach a pattern at all. Budgets against blow-up, not benchmarks.
describe("uptime on hostile lines", () => {
  it("reads a megabyte of long lines, and 256 KiB lines, in linear time", () => {
    const slowest = slowestOf(parseUptime, hostileLines(["10:00:00 up", "10:00:00 up 2 days,", " 10:00:00 up 5 min,  2 users,  load average:"]));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });
});
