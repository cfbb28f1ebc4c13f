import { describe, expect, it } from "vitest";
import {
  aggregateOf,
  bucketStart,
  downsample,
  mergeAggregate,
  pruneCutoffs,
  resolutionFor,
  rollupRows,
  shouldPrune,
  stepMsFor,
} from "@/lib/cluster/rollup";

const T = Date.UTC(2026, 10, 22, 12, 0, 0);

describe("bucketStart", () => {
  it.each([
    [T, 60, T],
    [T + 59_999, 60, T],
    [T + 60_000, 60, T + 60_000],
    [T + 599_999, 600, T],
    [T + 12_345, 0, T + 12_345],
  ])("%i at %i s → %i", (at, resolution, expected) => {
    expect(bucketStart(at, resolution)).toBe(expected);
  });
});

describe("mergeAggregate", () => {
  it("weights the average by count and keeps the extremes", () => {
    const a = { value: 2, min: 1, max: 3, count: 3 };
    const merged = mergeAggregate(a, aggregateOf(10));
    expect(merged).toEqual({ value: 4, min: 1, max: 10, count: 4 });
  });

  it("is the same whichever way the samples are folded", () => {
    const values = [3, 9, 1, 4, 7, 7, 0.5];
    const oneByOne = values.map(aggregateOf).reduce(mergeAggregate);
    const halves = mergeAggregate(values.slice(0, 3).map(aggregateOf).reduce(mergeAggregate), values.slice(3).map(aggregateOf).reduce(mergeAggregate));
    const avg = values.reduce((s, v) => s + v, 0) / values.length;
    for (const agg of [oneByOne, halves]) {
      expect(agg.value).toBeCloseTo(avg, 10);
      expect(agg).toMatchObject({ min: 0.5, max: 9, count: 7 });
    }
  });

  it("an empty aggregate changes nothing", () => {
    const a = { value: 5, min: 5, max: 5, count: 1 };
    expect(mergeAggregate(a, { value: 0, min: 0, max: 0, count: 0 })).toEqual(a);
  });
});

describe("rollupRows and downsample", () => {
  it("one sample lands raw, in its minute and in its ten minutes", () => {
    const rows = rollupRows(T + 75_000, [{ series: "host.load1", subject: "web1", value: 0.5 }]);
    expect(rows.map((r) => [r.resolution, r.bucket - T, r.count])).toEqual([
      [0, 75_000, 1],
      [60, 60_000, 1],
      [600, 0, 1],
    ]);
  });

  it("the same subject twice in one set is one row per resolution", () => {
    const rows = rollupRows(T, [
      { series: "web.sessions", subject: "cluster", value: 4 },
      { series: "web.sessions", subject: "cluster", value: 8 },
    ]);
    expect(rows.map((r) => [r.resolution, r.value, r.count])).toEqual([
      [0, 6, 2],
      [60, 6, 2],
      [600, 6, 2],
    ]);
  });

  it("folds samples every 10 s into minute buckets per subject", () => {
    const raw = Array.from({ length: 12 }, (_, i) => ({ t: T + i * 10_000, subject: i % 2 ? "web2" : "web1", value: i }));
    const minutes = downsample(raw, 60);
    expect(minutes.map((m) => [m.t - T, m.subject, m.aggregate])).toEqual([
      [0, "web1", { value: 2, min: 0, max: 4, count: 3 }],
      [0, "web2", { value: 3, min: 1, max: 5, count: 3 }],
      [60_000, "web1", { value: 8, min: 6, max: 10, count: 3 }],
      [60_000, "web2", { value: 9, min: 7, max: 11, count: 3 }],
    ]);
  });
});

describe("retention", () => {
  it("raw 2 h, minutes 2 days, ten minutes 35 days", () => {
    expect(pruneCutoffs(T).map((c) => [c.resolution, (T - c.before) / 3_600_000])).toEqual([
      [0, 2],
      [60, 48],
      [600, 35 * 24],
    ]);
  });

  it.each([
    [null, T, true],
    [T, T + 59_999, false],
    [T, T + 60_000, true],
    [T, T - 5_000, true],
  ])("last pruned %s, now %i → %s", (last, now, expected) => {
    expect(shouldPrune(last, now)).toBe(expected);
  });
});

describe("ranges", () => {
  it("an hour reads raw samples, a day ten-minute buckets", () => {
    expect([resolutionFor("1h"), stepMsFor(resolutionFor("1h"))]).toEqual([0, 10_000]);
    expect([resolutionFor("1d"), stepMsFor(resolutionFor("1d"))]).toEqual([600, 600_000]);
  });
});
