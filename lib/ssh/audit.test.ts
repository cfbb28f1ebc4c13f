import { describe, expect, it } from "vitest";
import { type AuditEntry, RecentExecs } from "@/lib/ssh/audit";

function entry(n: number, stdout: string): AuditEntry {
  return { at: new Date(n), clusterId: "c", host: "web1", command: `cmd ${n}`, purpose: { kind: "probe" }, actor: null, exitCode: 0, outcome: "ok", durationMs: 1, stdout };
}

describe("RecentExecs", () => {
  it("keeps at most its number of entries, newest last", () => {
    const ring = new RecentExecs(3, 1_000_000);
    for (let i = 0; i < 5; i++) ring.record(entry(i, "x"));
    expect(ring.list().map((e) => e.command)).toEqual(["cmd 2", "cmd 3", "cmd 4"]);
  });

  it("is bounded in bytes of output: big outputs push the oldest out", () => {
    const ring = new RecentExecs(500, 10_000);
    for (let i = 0; i < 10; i++) ring.record(entry(i, "y".repeat(3_000)));
    expect(ring.bytes()).toBeLessThanOrEqual(10_000);
    expect(ring.list().map((e) => e.command)).toEqual(["cmd 7", "cmd 8", "cmd 9"]);
  });

  it("an entry larger than the whole budget keeps its command and outcome, not its output", () => {
    const ring = new RecentExecs(500, 10_000);
    ring.record(entry(1, "small"));
    ring.record(entry(2, "z".repeat(1_000_000)));
    const list = ring.list();
    expect(list.map((e) => [e.command, e.stdout])).toEqual([
      ["cmd 1", "small"],
      ["cmd 2", undefined],
    ]);
    expect(ring.bytes()).toBeLessThan(100);
  });
});
