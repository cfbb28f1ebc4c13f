import { describe, expect, it } from "vitest";
import { keepalivedStateCommand, keepalivedStateProbe, parseKeepalivedState } from "@/lib/probes/keepalived-state";
import { slowestParse } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

// Captured: the probe's own command run as an unprivileged account beside keepalived 2.2.7 (Debian 12) with the
// documented notify script, in two network namespaces (lbx1 priority 150, lbx2 priority 100; SOURCES.md).
const captured = (name: string) => valueOf(parseKeepalivedState(fixture("keepalived", `keepalived-state-probe-2.2.7-CAPTURED-${name}.txt`)));

describe("keepalived-state", () => {
  it("asks whether the pid file's process is keepalived, then prints the notify records", () => {
    expect(keepalivedStateProbe.command({ pidFile: "/run/keepalived.pid", stateDir: "/run/keepalived-state" })).toBe(
      `p=$(cat /run/keepalived.pid 2>/dev/null); if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = keepalived ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$p/status"; then echo "keepalived running $p"; else echo "keepalived not running"; fi; cat /run/keepalived-state/* 2>/dev/null; true`,
    );
    expect(keepalivedStateCommand({ pidFile: "/run/a b.pid", stateDir: "/run/it's" })).toContain(`cat '/run/it'\\''s'/*`);
  });

  it.each([
    ["master", true, "MASTER", 150],
    ["backup", true, "BACKUP", 100],
    ["fault", true, "FAULT", 150],
    ["backup-became-master", true, "MASTER", 100],
    ["preempted-back", true, "MASTER", 150],
    ["stopped-after-stop", false, "STOP", 100],
    ["killed-9", false, "MASTER", 150],
  ] as const)("reads %s", (name, running, state, priority) => {
    const value = captured(name);
    expect(value.running).toBe(running);
    expect(value.records).toEqual([{ kind: "instance", name: "VI_1", state, priority, since: expect.any(Number) }]);
    expect(value.unread).toEqual([]);
  });

  it("keeps the newest record of an instance, reads groups, and names lines it does not know", () => {
    const value = valueOf(parseKeepalivedState("keepalived running 12\n20 INSTANCE VI_1 MASTER 150\n10 INSTANCE VI_1 BACKUP 150\n30 GROUP G1 FAULT\nhello\n40 INSTANCE VI_2 DANCING 1\n"));
    expect(value).toMatchObject({ running: true, pid: 12 });
    expect(value.records).toEqual([
      { kind: "instance", name: "VI_1", state: "MASTER", priority: 150, since: 20 },
      { kind: "group", name: "G1", state: "FAULT", priority: null, since: 30 },
    ]);
    expect(value.unread.map((u) => u.line)).toEqual([5, 6]);
  });

  it("reads a running keepalived without records (no notify script) as running, with nothing recorded", () => {
    expect(valueOf(parseKeepalivedState("keepalived running 4242\n"))).toEqual({ running: true, pid: 4242, records: [], unread: [] });
  });

  it("answers hostile input in linear time", () => {
    expect(slowestParse(parseKeepalivedState, fixture("keepalived", "keepalived-state-probe-2.2.7-CAPTURED-master.txt")).ms).toBeLessThan(2_000);
  });

  it.each([...garbage("keepalived"), ["a record without the status line", "1796325317 INSTANCE VI_1 MASTER 150\n"]])("refuses %s", (_name, input) => {
    expect(parseKeepalivedState(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
