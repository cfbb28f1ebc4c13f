import { describe, expect, it } from "vitest";
import { lateBudgetMs } from "@/lib/cluster/collector";

describe("when a poll counts as late", () => {
  it.each([
    [[], 2, 2000, "no history yet: a whole poll interval"],
    [[50, 60, 55], 2, 400, "a quick host: at least 0.4 s, so jitter is not lateness"],
    [[300, 320, 900], 2, 840, "twice the usual answer time and 0.2 s"],
    [[1500, 1600, 1700], 2, 2000, "never more than a poll interval"],
    [[50, 60, 5000], 5, 400, "one slow answer does not move the median"],
  ])("%j at %i s -> %i ms (%s)", (latencies, interval, expected) => {
    expect(lateBudgetMs(latencies, interval)).toBe(expected);
  });
});
