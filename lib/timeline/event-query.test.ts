import { describe, expect, it } from "vitest";
import { MAX_DATE_MS, parseEventQuery } from "@/lib/timeline/event-query";
import { incidentIdOf } from "@/lib/timeline/incident-ref";

// Values that reach the database as dates or ids must be ones it can hold: anything else is the
// caller's mistake (400), never a crash in the query (500).
describe("timeline query bounds", () => {
  it.each([
    ["from", "99999999999999999999"],
    ["from", "+275760-09-13T00:00:00Z"],
    ["to", "10000-01-01T00:00:00Z"],
    ["from", "-1"],
    ["from", "May 3"],
    ["from", `${"9".repeat(20)}x`],
    ["cursor", "99999999999999999999.1"],
    ["cursor", "1700000000000.99999999999"],
    ["cursor", "1700000000000.4294967296"],
    ["cursor", "1.2.3"],
  ])("refuses %s=%s", (key, value) => {
    expect(parseEventQuery({ [key]: value }).success).toBe(false);
  });

  it("accepts the edges of what it can hold", () => {
    expect(parseEventQuery({ from: "2026-12-04T05:07", to: "2026-12-05" }).success).toBe(true);
    const q = parseEventQuery({ from: "0", to: String(MAX_DATE_MS), cursor: `${MAX_DATE_MS}.${2 ** 31 - 1}` });
    expect(q.success && q.data).toMatchObject({ from: 0, to: MAX_DATE_MS });
  });

  it("names an incident only by a number a row can have", () => {
    expect(incidentIdOf("42")).toBe(42);
    for (const bad of ["0", "2147483648", "999999999999", "1e3", "-1", "4x"]) {
      expect(() => incidentIdOf(bad)).toThrow(/no incident/);
    }
  });
});
