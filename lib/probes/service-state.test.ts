import { describe, expect, it } from "vitest";
import { parseServiceState, serviceStateProbe } from "@/lib/probes/service-state";
import { garbage, valueOf } from "@/lib/probes/test-support";

describe("service-state", () => {
  it.each([
    ["active\n", "active", true],
    ["inactive\n", "inactive", false],
    ["failed\n", "failed", false],
    ["reloading\n", "reloading", true],
  ] as const)("reads %j", (text, state, active) => {
    expect(valueOf(parseServiceState(text))).toEqual({ state, active, unread: [] });
  });

  it("reads the first word and names the lines after it", () => {
    expect(valueOf(parseServiceState("active\ninactive\n"))).toEqual({
      state: "active",
      active: true,
      unread: [{ line: 2, text: "inactive", reason: "more than the one state word" }],
    });
  });

  it("asks systemctl about the named unit only", () => {
    expect(serviceStateProbe.command({ service: "apache2" })).toBe("systemctl is-active apache2");
    expect(serviceStateProbe.command({ service: "a b" })).toBe("systemctl is-active 'a b'");
  });

  // Without systemd as PID 1 (containers), systemctl prints nothing on stdout and explains on stderr
  // ("System has not been booted with systemd as init system"), exit 1: the collector reports that
  // exit as a failed probe, and an empty answer here is unreadable, never "inactive".
  it.each([...garbage("systemctl"), ["unknown word", "running\n"]])("refuses %s", (_n, text) => {
    const result = parseServiceState(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.raw).toBe(text);
  });
});
