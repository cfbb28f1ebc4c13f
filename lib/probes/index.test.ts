import { describe, expect, it } from "vitest";
import { isProbeName, probeNames, probes } from "@/lib/probes";
import { slowestParse } from "@/lib/probes/hostile";

const EXPECTED = [
  "ipvsadm", "ipvsadm-conns", "ip-addr", "cl-status", "crm-mon-xml", "ldirectord-cf", "apache-status", "moodle-version",
  "proc-drbd", "drbdadm-status", "drbd-events2", "exportfs", "mysql-replica-status", "mysql-master-status",
  "loadavg", "meminfo", "df", "uptime", "rsync-itemize",
  // issue 3's smaller probes: host clock, unit state, Moodle's config/maintenance/sessions/code, mounts, MySQL vitals
  "clock", "service-state", "moodle-config", "moodle-maintenance", "session-files", "code-fingerprint", "php-handler", "moodle-settings", "findmnt", "mysql-vitals",
  // issue 9: keepalived's own state (notify records) and its configuration (priorities, nopreempt)
  "keepalived-state", "keepalived-conf",
];

describe("probe registry", () => {
  it("holds exactly the agreed probes, each under its own name and read-only", () => {
    expect([...probeNames].sort()).toEqual([...EXPECTED].sort());
    for (const name of probeNames) {
      expect(probes[name].name).toBe(name);
      expect(probes[name].readOnly).toBe(true);
    }
  });

  it("tells probe names from other strings", () => {
    expect(isProbeName("ipvsadm")).toBe(true);
    expect(isProbeName("toString")).toBe(false);
    expect(isProbeName("rm -rf")).toBe(false);
  });

  // A megabyte of hostile shapes per parser (one line of spaces, slashes, a huge line in a sample…):
  // a backtracking pattern or a quadratic loop stalls the console's event loop on every poll.
  // rsync-itemize's trailing-space strip took 491 s on a megabyte of spaces.
  it.each([...probeNames])("%s answers hostile input in linear time", (name) => {
    const slowest = slowestParse(probes[name].parse, "Name: value 1.2.3.4:80 a=b\n");
    expect(slowest.ms, `${name} on ${slowest.name}`).toBeLessThan(3_000);
  });

  it("never lets a parser throw, whatever the input", () => {
    const inputs = ["", "\u0000", "x".repeat(100_000), "\n".repeat(1000), "<", "*** 1. row ***", "a:b:c:d", "-> 1.2.3.4:80"];
    for (const name of probeNames) {
      for (const input of inputs) {
        expect(() => probes[name].parse(input)).not.toThrow();
      }
    }
  });
});
