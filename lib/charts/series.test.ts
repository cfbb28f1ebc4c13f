import { describe, expect, it } from "vitest";
import { chartRows, clockLabel, lineColour, relabel, timeDomain, timeTicks } from "@/lib/charts/series";
import type { SeriesPoint } from "@/lib/cluster/samples";

const T = Date.UTC(2026, 10, 22, 12, 0, 0);
const p = (seconds: number, subject: string, value: number): SeriesPoint => ({ t: T + seconds * 1000, subject, value, min: value, max: value });

describe("chartRows", () => {
  it("one row per instant, a key per subject in natural order", () => {
    const { rows, lines } = chartRows([p(0, "web2", 5), p(0, "web10", 1), p(0, "web1", 3), p(10, "web1", 4), p(10, "web2", 6), p(10, "web10", 2)], 10_000);
    expect(lines).toEqual(["web1", "web2", "web10"]);
    expect(rows).toEqual([
      { t: T, web1: 3, web2: 5, web10: 1 },
      { t: T + 10_000, web1: 4, web2: 6, web10: 2 },
    ]);
  });

  it("a subject missing at an instant is null there, not zero", () => {
    const { rows } = chartRows([p(0, "web1", 3), p(0, "web2", 5), p(10, "web1", 4), p(20, "web1", 4), p(20, "web2", 0)], 10_000);
    expect(rows.map((r) => r.web2)).toEqual([5, null, 0]);
  });

  it("a stretch with no samples at all becomes a break in every line", () => {
    const { rows } = chartRows([p(0, "db2", 1), p(10, "db2", 2), p(300, "db2", 3), p(310, "db2", 3)], 10_000);
    expect(rows.map((r) => [(r.t - T) / 1000, r.db2])).toEqual([
      [0, 1],
      [10, 2],
      [20, null],
      [300, 3],
      [310, 3],
    ]);
  });

  it("a slightly late sample is not a gap", () => {
    const { rows } = chartRows([p(0, "fs1", 100), p(24, "fs1", 100)], 10_000);
    expect(rows).toHaveLength(2);
  });

  it("no points: no rows, no lines", () => {
    expect(chartRows([], 10_000)).toEqual({ rows: [], lines: [] });
  });

  it("two figures of the same subject side by side", () => {
    const points = [...relabel([p(0, "db2", 0.4)], (s) => `${s} heartbeat`), ...relabel([p(0, "db2", 0)], (s) => `${s} Seconds_Behind`)];
    expect(chartRows(points, 10_000).rows).toEqual([{ t: T, "db2 heartbeat": 0.4, "db2 Seconds_Behind": 0 }]);
  });
});

describe("axis", () => {
  it("the domain is the whole range up to now", () => {
    expect(timeDomain("1h", T)).toEqual([T - 3_600_000, T]);
    expect(timeDomain("1d", T)).toEqual([T - 86_400_000, T]);
  });

  it("ticks on round local times: 10 min over an hour, 3 h over a day", () => {
    const hour = timeTicks([T - 3_600_000 + 5 * 60_000, T + 5 * 60_000], "1h", 0);
    expect(hour.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(["11:10", "11:20", "11:30", "11:40", "11:50", "12:00"]);
    const day = timeTicks([T - 86_400_000, T], "1d", -120);
    expect(day.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(["13:00", "16:00", "19:00", "22:00", "01:00", "04:00", "07:00", "10:00"]);
  });

  it("labels are HH:MM", () => {
    expect(clockLabel(new Date(2026, 0, 2, 7, 5, 59).getTime())).toBe("07:05");
  });

  it("colours cycle and never come back empty", () => {
    expect(lineColour(0)).toBe(lineColour(8));
    expect(lineColour(3)).toMatch(/^#[0-9a-f]{6}$/);
  });
});
