import { describe, expect, it } from "vitest";
import { formatCountdown, formatDuration, formatPercent, severityOfPercent } from "@/lib/format";

describe("formatting for operators", () => {
  it.each([
    [0, "0 s"],
    [59.9, "59 s"],
    [60, "1 min"],
    [3599, "59 min"],
    [3600, "1 h"],
    [3660, "1 h 1 min"],
    [86400 * 2 + 3600 * 19 + 60 * 32, "2 d 19 h"],
    [-1, "—"],
    [Number.NaN, "—"],
  ])("duration %s s reads %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it("prints countdowns as ipvsadm does", () => {
    expect(formatCountdown(296)).toBe("4:56");
    expect(formatCountdown(8015)).toBe("133:35");
    expect(formatCountdown(-3)).toBe("0:00");
  });

  it("never shows a missing value as zero", () => {
    expect(formatPercent(null)).toBe("—");
    expect(formatPercent(0)).toBe("0 %");
    expect(severityOfPercent(null, 80, 90)).toBe("");
    expect(severityOfPercent(85, 80, 90)).toBe("warn");
    expect(severityOfPercent(90, 80, 90)).toBe("crit");
  });
});
