import { describe, expect, it } from "vitest";
import type { Finding } from "@/lib/cluster/findings-types";
import {
  codeDrift,
  dualPrimaries,
  findingsAbout,
  formatBytes,
  formatCount,
  formatKb,
  formatLag,
  findingsOfTier,
  fullestDisk,
  hostsOfServer,
  lagReading,
  nfsHolders,
  realServerDrift,
  remainingSeconds,
  resyncOf,
  maintenanceSource,
  sessionCounts,
  sortFindings,
  sourceDatabase,
  versionsDiffer,
  vipLine,
  vmStatus,
  vmTone,
  worstSeverity,
  yesNo,
  readingsSince,
} from "@/lib/cluster/view-helpers";
import { T0, healthyCluster, replicaChannel, silence } from "@/test/support/cluster-state";

function finding(rule: string, severity: Finding["severity"], tier: Finding["tier"], component: string, hosts = [component]): Finding {
  return { id: `${rule}:${component}`, rule, severity, tier, component, hosts, message: `${rule} on ${component}` };
}

const at = <T>(xs: readonly T[], i: number): T => {
  const x = xs[i];
  if (x === undefined) throw new Error(`no element ${i}`);
  return x;
};

describe("findings", () => {
  const findings = [
    finding("disk-full", "warning", "host", "fs2"),
    finding("replication-broken", "critical", "database", "db2"),
    finding("vip-nowhere", "critical", "balancer", "cluster", ["lb1", "lb2"]),
    finding("clock-ok", "ok", "host", "web1"),
  ];

  it("puts critical first, then by tier", () => {
    expect(sortFindings(findings).map((f) => f.rule)).toEqual(["vip-nowhere", "replication-broken", "disk-full", "clock-ok"]);
  });

  it("picks the worst severity, ok for none", () => {
    expect(worstSeverity(findings)).toBe("critical");
    expect(worstSeverity([])).toBe("ok");
    expect(worstSeverity([at(findings, 0)])).toBe("warning");
  });

  it("filters by tier and by the VMs a finding is about", () => {
    expect(findingsOfTier(findings, "host").map((f) => f.rule)).toEqual(["disk-full", "clock-ok"]);
    expect(findingsAbout(findings, "lb2").map((f) => f.rule)).toEqual(["vip-nowhere"]);
  });

  it.each([
    ["db2", "critical"],
    ["fs2", "warning"],
    ["web1", "ok"],
    ["web2", "ok"],
  ] as const)("colours %s %s", (vm, tone) => {
    const state = healthyCluster();
    const host = state.hosts.find((h) => h.name === vm);
    if (!host) throw new Error(vm);
    expect(vmTone(host, findings, vm)).toBe(tone);
  });

  it("greys a silent VM whatever its findings say", () => {
    const state = silence(healthyCluster(), "db2");
    const db2 = state.hosts.find((h) => h.name === "db2");
    if (!db2) throw new Error("db2");
    expect(vmTone(db2, findings, "db2")).toBe("stale");
  });
});

describe("VMs", () => {
  it("orders each server's VMs lb, web, fs, db", () => {
    expect(hostsOfServer(healthyCluster(), "B").map((h) => h.name)).toEqual(["lb2", "web2", "fs2", "db2"]);
  });

  it.each([
    ["answering", (s: ReturnType<typeof healthyCluster>) => s, "up"],
    ["silent", (s: ReturnType<typeof healthyCluster>) => silence(s, "web1"), "down"],
    [
      "never reached",
      (s: ReturnType<typeof healthyCluster>) => ({ ...s, hosts: s.hosts.map((h) => (h.name === "web1" ? { ...h, reachable: false, lastSeenAt: null, error: null } : h)) }),
      "unknown",
    ],
    [
      "stale but reachable",
      (s: ReturnType<typeof healthyCluster>) => ({ ...s, hosts: s.hosts.map((h) => (h.name === "web1" ? { ...h, stale: true } : h)) }),
      "stale",
    ],
    [
      "key refused",
      (s: ReturnType<typeof healthyCluster>) => ({ ...s, hosts: s.hosts.map((h) => (h.name === "web1" ? { ...h, keyRejected: true, reachable: false } : h)) }),
      "key-rejected",
    ],
  ] as const)("says a %s VM is %s", (_what, edit, status) => {
    const web1 = edit(healthyCluster()).hosts.find((h) => h.name === "web1");
    if (!web1) throw new Error("web1");
    expect(vmStatus(web1)).toBe(status);
  });

  it("finds the fullest real disk, ignoring tmpfs", () => {
    const host = at(healthyCluster().hosts, 0);
    host.disks.push({ filesystem: "tmpfs", sizeKb: 1, usedKb: 1, availableKb: 0, usedPercent: 100, mount: "/run" });
    host.disks.push({ filesystem: "/dev/vdb1", sizeKb: 10, usedKb: 9, availableKb: 1, usedPercent: 90, mount: "/srv" });
    expect(fullestDisk(host)).toEqual({ mount: "/srv", usedPercent: 90 });
    expect(fullestDisk({ ...host, disks: [] })).toBeNull();
  });

  it.each([
    [["lb1"], "VIP 203.0.113.10 on lb1", true],
    [[], "VIP 203.0.113.10 is on no balancer", false],
    [["lb1", "lb2"], "VIP 203.0.113.10 is on lb1 and lb2 at once", false],
  ])("describes the VIP held by %j", (holders, text, ok) => {
    expect(vipLine({ vip: "203.0.113.10", vipHolders: holders })).toEqual({ text, ok });
  });
});

describe("balancer drift", () => {
  it("is in step on a healthy cluster", () => {
    const lb1 = at(healthyCluster().balancers, 0);
    expect(realServerDrift(lb1).map((d) => [d.host, d.kind])).toEqual([
      ["web1", "in-step"],
      ["web2", "in-step"],
    ]);
  });

  it("flags a drained (weight 0) real server and explains quiescence", () => {
    const lb1 = at(healthyCluster().balancers, 0);
    at(lb1.realServers, 0).weight = 0;
    const row = at(realServerDrift(lb1), 0);
    expect(row).toMatchObject({ host: "web1", kind: "weight-differs", configWeight: 1, runtimeWeight: 0 });
    expect(row.note).toMatch(/drained, or quiesced/);
  });

  it("flags a configured server missing at runtime and a runtime server not configured", () => {
    const lb1 = at(healthyCluster().balancers, 0);
    const web2 = at(lb1.realServers, 1);
    lb1.realServers = [at(lb1.realServers, 0), { ...web2, address: "192.168.10.99", host: null }];
    if (!lb1.config) throw new Error("config");
    lb1.config.quiescent = false;
    const rows = realServerDrift(lb1, [{ name: "web2", clusterAddress: "192.168.10.21" }]);
    expect(rows.map((d) => [d.address, d.host, d.kind])).toEqual([
      ["192.168.10.11", "web1", "in-step"],
      ["192.168.10.21", "web2", "missing-at-runtime"],
      ["192.168.10.99", null, "not-configured"],
    ]);
    expect(at(rows, 1).note).toMatch(/health check/);
  });

  it("says unknown when ldirectord.cf could not be read", () => {
    const lb1 = at(healthyCluster().balancers, 0);
    lb1.config = null;
    expect(realServerDrift(lb1).map((d) => d.kind)).toEqual(["unknown", "unknown"]);
  });

  it.each([
    [290, 0, 290],
    [290, 10_000, 280],
    [5, 60_000, 0],
    [null, 0, null],
  ])("counts %s s down after %s ms to %s", (seconds, elapsed, left) => {
    expect(remainingSeconds(seconds, T0, T0 + elapsed)).toBe(left);
  });
});

describe("web", () => {
  it("sees no code drift on a healthy cluster", () => {
    expect(codeDrift(healthyCluster().web)).toEqual({ differ: false, common: "sha1:5f1c0d", byNode: { web1: "same", web2: "same" } });
  });

  it("marks the node serving different code, and unknown ones", () => {
    const state = healthyCluster();
    at(state.web, 1).codeFingerprint = "sha1:999999";
    expect(codeDrift(state.web)).toMatchObject({ differ: true, common: "sha1:5f1c0d", byNode: { web1: "same", web2: "differs" } });
    at(state.web, 1).codeFingerprint = null;
    expect(codeDrift(state.web).byNode).toEqual({ web1: "same", web2: "unknown" });
  });

  it("notices different Moodle versions", () => {
    const state = healthyCluster();
    expect(versionsDiffer(state.web)).toBe(false);
    const web2 = at(state.web, 1);
    if (!web2.moodle) throw new Error("moodle");
    web2.moodle.version = "2024100700";
    expect(versionsDiffer(state.web)).toBe(true);
  });

  it("counts database sessions once, from the source", () => {
    const state = healthyCluster();
    expect(sourceDatabase(state.databases)?.name).toBe("db1");
    expect(sessionCounts(state.web, state.databases)).toEqual({
      fileByNode: [
        { node: "web1", handler: "database", files: null },
        { node: "web2", handler: "database", files: null },
      ],
      sharedFolder: null,
      fileTotal: null,
      database: 38,
      databaseFrom: "db1",
    });
  });

  const fileSessions = (state: ReturnType<typeof healthyCluster>, counts: [number | null, number | null], location = "/var/moodledata/sessions") => {
    state.web.forEach((w, i) => {
      w.sessionHandler = "file";
      w.sessionStore = { kind: "file", className: "\\core\\session\\file", decidedBy: "Moodle's default", location, inDataroot: location.startsWith("/var/moodledata/") };
      w.fileSessions = counts[i] ?? null;
    });
    return state;
  };

  it("counts session files once when every node keeps them in the dataroot they share over NFS", () => {
    const state = fileSessions(healthyCluster(), [120, 121]);
    at(state.web, 1).lastSeenAt = (at(state.web, 0).lastSeenAt ?? 0) + 1000;
    expect(sessionCounts(state.web, state.databases)).toMatchObject({ sharedFolder: "/var/moodledata/sessions", fileTotal: 121 });
  });

  it("adds session files up when each node keeps its own, and says nothing when one count is missing", () => {
    expect(sessionCounts(fileSessions(healthyCluster(), [12, 30], "/var/lib/php/sessions").web, []).fileTotal).toBe(42);
    const local = fileSessions(healthyCluster(), [12, 30]);
    for (const w of local.web) w.nfs = { mounted: true, source: "/dev/sda3", fstype: "ext4" };
    expect(sessionCounts(local.web, []).fileTotal).toBe(42);
    expect(sessionCounts(fileSessions(healthyCluster(), [12, null], "/var/lib/php/sessions").web, []).fileTotal).toBeNull();
  });

  it("says why users get the maintenance page: the CLI flag or the site setting", () => {
    const state = healthyCluster();
    expect(maintenanceSource(state)).toMatchObject({ on: false, text: "off" });
    if (state.moodle) state.moodle.settings.maintenanceEnabled = true;
    expect(maintenanceSource(state)).toMatchObject({ on: true, cliOn: [], setting: true, text: "switched on in Site administration (maintenance_enabled)" });
    state.moodle = null;
    for (const w of state.web) w.maintenanceCli = true;
    expect(maintenanceSource(state)).toMatchObject({ on: true, cliOn: ["web1", "web2"], setting: null });
  });

  it("knows no source when both databases are writable", () => {
    const state = healthyCluster();
    const db2 = at(state.databases, 1);
    db2.readOnly = false;
    db2.replication = { isReplica: false, channel: null };
    expect(sourceDatabase(state.databases)).toBeNull();
    expect(sessionCounts(state.web, state.databases).database).toBeNull();
  });
});

describe("storage", () => {
  it("has no resync when in step", () => {
    expect(resyncOf(at(at(healthyCluster().storage, 0).drbd, 0))).toBeNull();
  });

  it("reads a running resync from the peer", () => {
    const r0 = at(at(healthyCluster().storage, 0).drbd, 0);
    r0.peers = [{ name: "fs2", connection: "Connected", role: "Secondary", disk: "Inconsistent", replication: "SyncSource", donePercent: 42.5 }];
    r0.outOfSyncKb = 1_200_000;
    r0.etaSeconds = 95;
    r0.speedKbps = 20_000;
    expect(resyncOf(r0)).toEqual({
      resource: "r0",
      percent: 42.5,
      etaSeconds: 95,
      speedKbps: 20_000,
      outOfSyncKb: 1_200_000,
      replication: "SyncSource",
      peer: "fs2",
    });
  });

  it("finds a resource both peers call Primary, ignoring silent peers", () => {
    const state = healthyCluster();
    expect(dualPrimaries(state.storage)).toEqual([]);
    at(at(state.storage, 1).drbd, 0).role = "Primary";
    expect(dualPrimaries(state.storage)).toEqual(["r0"]);
    expect(dualPrimaries(silence(state, "fs2").storage)).toEqual([]);
  });

  it("finds who holds the NFS address, ignoring silent hosts", () => {
    const state = healthyCluster();
    expect(nfsHolders(state.storage)).toEqual(["fs1"]);
    expect(nfsHolders(silence(state, "fs1").storage)).toEqual([]);
  });
});

describe("replication lag", () => {
  const replica = () => at(healthyCluster().databases, 1);

  it("agrees on a healthy replica", () => {
    expect(lagReading(replica())).toEqual({ secondsBehind: 0, heartbeatSeconds: 0.4, disagree: false, reason: null });
  });

  it("has nothing to compare on the source", () => {
    expect(lagReading(at(healthyCluster().databases, 0))).toMatchObject({ secondsBehind: null, heartbeatSeconds: null, disagree: false });
  });

  it.each([
    ["a NULL Seconds_Behind with a live heartbeat", null, 45, /NULL/],
    ["Seconds_Behind 0 with an old heartbeat", 0, 120, /trust the heartbeat/],
    ["Seconds_Behind far above the heartbeat", 300, 2, /only 2 s old/],
  ])("flags %s", (_what, sbm, hb, reason) => {
    const db2 = replica();
    db2.replication = { isReplica: true, channel: replicaChannel({ secondsBehind: sbm }) };
    db2.heartbeatLagSeconds = hb;
    const lag = lagReading(db2);
    expect(lag.disagree).toBe(true);
    expect(lag.reason).toMatch(reason);
  });

  it.each([
    [3, 1],
    [null, null],
    [12, null],
  ])("does not flag Seconds_Behind %s against heartbeat %s", (sbm, hb) => {
    const db2 = replica();
    db2.replication = { isReplica: true, channel: replicaChannel({ secondsBehind: sbm }) };
    db2.heartbeatLagSeconds = hb;
    expect(lagReading(db2).disagree).toBe(false);
  });
});

describe("display", () => {
  it.each([
    [formatCount(null), "—"],
    [formatCount(0), "0"],
    [formatCount(12345), "12,345"],
    [formatKb(null), "—"],
    [formatKb(512), "512 KiB"],
    [formatKb(1_200_000), "1.1 GiB"],
    [formatKb(20_000), "20 MiB"],
    [formatBytes(100), "100 B"],
    [formatBytes(null), "—"],
    [formatLag(null), "unknown"],
    [formatLag(0.4), "0.4 s"],
    [formatLag(45), "45 s"],
    [yesNo(null), "unknown"],
    [yesNo(true, "ON"), "ON"],
    [yesNo(false), "no"],
  ])("renders %s as %s", (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe("readingsSince", () => {
  it("is the oldest latest poll among the hosts that answer; silent hosts do not hold it back", () => {
    const s = healthyCluster();
    s.hosts.forEach((h, i) => Object.assign(h, { sentAt: 1_000 + i }));
    expect(readingsSince(s)).toBe(1_000);
    Object.assign(s.hosts[0] ?? {}, { reachable: false });
    expect(readingsSince(s)).toBe(1_001);
    Object.assign(s.hosts[1] ?? {}, { sentAt: null });
    expect(readingsSince(s)).toBe(0);
  });
});
