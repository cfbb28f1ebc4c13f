import { describe, expect, it } from "vitest";
import { RateLimiter } from "@/lib/rate-limit";

describe("rate limiter", () => {
  it("allows a burst, then one call per interval, per key", () => {
    const limiter = new RateLimiter({ burst: 3, intervalMs: 1000 });
    const t = 1_000_000;
    expect([0, 1, 2].map(() => limiter.take("olga", t))).toEqual([0, 0, 0]);
    expect(limiter.take("olga", t)).toBe(1000);
    expect(limiter.take("otto", t)).toBe(0);
    expect(limiter.take("olga", t + 500)).toBe(500);
    expect(limiter.take("olga", t + 1000)).toBe(0);
    expect(limiter.take("olga", t + 1000)).toBe(1000);
  });

  it("forgets idle keys and never holds more than maxKeys", () => {
    const limiter = new RateLimiter({ burst: 2, intervalMs: 100, maxKeys: 50 });
    for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`, 1_000 + i);
    expect(limiter.size).toBeLessThanOrEqual(50);
    limiter.take("late", 10_000_000);
    expect(limiter.size).toBe(1);
  });
});
