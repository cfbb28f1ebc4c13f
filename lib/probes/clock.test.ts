import { describe, expect, it } from "vitest";
import { parseClock } from "@/lib/probes/clock";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("clock", () => {
  it("reads GNU date's real output (captured on the development machine)", () => {
    expect(valueOf(parseClock(fixture("clock", "date-s-N-CAPTURED.txt"))).epochMs).toBeCloseTo(1795330532438.691, 2);
  });

  it("reads date +%s.%N", () => {
    expect(valueOf(parseClock("1795325540.466926025\n")).epochMs).toBeCloseTo(1795325540466.926, 2);
  });

  it.each([...garbage("date"), ["no fraction", "1795325540\n"], ["default format", "Sun Nov 22 05:33:22 UTC 2026\n"], ["%N unsupported", "1795325540.N\n"]])(
    "refuses %s",
    (_n, text) => {
      expect(parseClock(text).ok).toBe(false);
    },
  );
});
