import { describe, expect, it } from "vitest";
import { measure } from "@/lib/drills/probe";

const T = 1_000_000;

describe("drill measurements", () => {
  it("sums the time nobody held the VIP, sample to sample", () => {
    const vip = [
      { at: T, holders: ["lb1"] },
      { at: T + 500, holders: [] },
      { at: T + 1000, holders: [] },
      { at: T + 1500, holders: ["lb2"] },
      { at: T + 2000, holders: [] },
      { at: T + 2500, holders: ["lb2"] },
    ];
    expect(measure([], vip, T + 3000).noVipSeconds).toBe(1.5);
  });

  it("counts the longest stretch without a served request, from the last success to the next", () => {
    const site = [200, 200, null, 503, null, 200, 200, 502, 200].map((status, i) => ({ at: T + i * 1000, status }));
    // served at 1 s, next served at 5 s: 4 s apart, one of them the normal interval
    expect(measure(site, [], T + 9000)).toEqual({ noVipSeconds: 0, unservedSeconds: 3, requests: 9, failedRequests: 4 });
  });

  it("a site still down at the end counts until now; one never down counts zero", () => {
    const down = [200, null, null].map((status, i) => ({ at: T + i * 1000, status }));
    expect(measure(down, [], T + 10_000).unservedSeconds).toBe(9);
    const up = [200, 200, 200].map((status, i) => ({ at: T + i * 1000, status }));
    expect(measure(up, [], T + 3000).unservedSeconds).toBe(0);
  });
});
