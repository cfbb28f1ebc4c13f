import { describe, expect, it } from "vitest";
import type { ClusterState } from "@/lib/cluster/state";
import { type EventDraft, rememberedState, transitionsOf, unpolledState } from "@/lib/cluster/transitions";
import { ClusterSpec } from "@/lib/inventory/schema";
import { T0, healthyCluster, replicaChannel, silence } from "@/test/support/cluster-state";

const spec = ClusterSpec.parse({
  id: "lab",
  servers: [{ name: "A" }, { name: "B" }],
  hosts: [{ name: "lb1", role: "lb", server: "A", address: "127.0.0.1", auth: { agent: true } }],
  balancer: { vip: "203.0.113.10" },
  thresholds: { replicationLagSeconds: 30 },
});

function find<T extends { name: string }>(list: T[], name: string): T {
  const x = list.find((y) => y.name === name);
  if (!x) throw new Error(`no ${name}`);
  return x;
}

/** A state `seconds` after T0, edited by `edit`. */
function at(seconds: number, edit: (s: ClusterState) => ClusterState | void = () => undefined): ClusterState {
  const s = healthyCluster();
  s.takenAt = T0 + seconds * 1000;
  return edit(s) ?? s;
}

/** Feeds states in order the way the recorder does, collecting every event. */
function replay(...states: ClusterState[]): EventDraft[] {
  const [first, ...rest] = states;
  if (!first) return [];
  let remembered = first;
  const events: EventDraft[] = [];
  for (const next of rest) {
    events.push(...transitionsOf(remembered, next, spec));
    remembered = rememberedState(remembered, next);
  }
  return events;
}

const kinds = (events: EventDraft[]) => events.map((e) => e.kind);
const messages = (events: EventDraft[]) => events.map((e) => e.message);

describe("transitionsOf", () => {
  it("a healthy cluster that stays healthy yields nothing", () => {
    expect(replay(at(0), at(2), at(4))).toEqual([]);
  });

  it("stamps events with the cluster and the later snapshot's time", () => {
    const [e] = replay(at(0), at(2, (s) => silence(s, "web1")));
    expect(e).toMatchObject({ at: T0 + 2000, clusterId: "lab", host: "web1", tier: "host", kind: "host.unreachable", severity: "critical" });
    expect(e?.message).toBe("web1 stopped answering: no SSH answer within 4000 ms");
  });

  it("a silent host yields host.unreachable once, nothing while silent, host.back when it answers", () => {
    const events = replay(
      at(0),
      at(2, (s) => silence(s, "web1")),
      at(4, (s) => {
        find(s.web, "web1").apache.active = null;
        find(s.web, "web1").moodle = null;
        return silence(s, "web1");
      }),
      at(6, (s) => {
        find(s.web, "web1").apache.active = false;
        find(s.web, "web1").maintenance = true;
        return silence(s, "web1");
      }),
      at(8),
    );
    expect(kinds(events)).toEqual(["host.unreachable", "host.back"]);
    expect(messages(events)).toEqual(["web1 stopped answering: no SSH answer within 4000 ms", "web1 answers again"]);
  });

  it("a host that is down when the console starts is reported once; never-polled hosts are not", () => {
    const first = at(0);
    expect(replay(unpolledState(first), first)).toEqual([]);
    const down = at(0, (s) => silence(s, "db2", "db2: connection refused"));
    expect(messages(replay(unpolledState(down), down, at(2, (s) => silence(s, "db2"))))).toEqual(["db2 stopped answering: connection refused"]);
  });

  it("the collector's first answers after a start are not changes", () => {
    const neverPolled = at(0, (s) => {
      const blank = { reachable: false, stale: true, error: null, lastSeenAt: null };
      s.vipHolders = [];
      s.hosts = s.hosts.map((h) => ({ ...h, ...blank, load: null }));
      s.balancers = s.balancers.map((b) => ({ ...b, ...blank, holdsVip: false, service: null, realServers: [] }));
      s.web = s.web.map((w) => ({ ...w, ...blank, apache: { active: null, status: null, requestRate: null }, moodle: null, maintenance: null, maintenanceCli: null }));
      s.storage = s.storage.map((x) => ({ ...x, ...blank, drbd: [] }));
      s.databases = s.databases.map((d) => ({ ...d, ...blank, replication: null, readOnly: null, heartbeatLagSeconds: null }));
      return s;
    });
    expect(replay(neverPolled, at(2), at(4))).toEqual([]);
    expect(messages(replay(neverPolled, at(2, (s) => silence(s, "lb2")), at(4, (s) => silence(s, "lb2"))))).toEqual([
      "lb2 stopped answering: no SSH answer within 4000 ms",
    ]);
  });

  it("a refused host key counts as unreachable", () => {
    const events = replay(
      at(0),
      at(2, (s) => {
        find(s.hosts, "fs2").keyRejected = true;
        find(s.storage, "fs2").drbd = [];
      }),
    );
    expect(messages(events)).toEqual(["fs2 stopped answering: its host key was refused"]);
  });
});

describe("VIP", () => {
  const holders = (...names: string[]) => (s: ClusterState) => {
    s.vipHolders = names;
    for (const b of s.balancers) b.holdsVip = names.includes(b.name);
    return s;
  };

  it.each([
    [["lb1"], ["lb2"], "lb2 took the VIP from lb1", "warning"],
    [["lb1"], [], "the VIP 203.0.113.10 is on no balancer (was on lb1)", "critical"],
    [["lb1"], ["lb1", "lb2"], "the VIP 203.0.113.10 is on both lb1 and lb2 (was on lb1)", "critical"],
    [[], ["lb2"], "lb2 took the VIP (it was on no balancer)", "warning"],
    [["lb1", "lb2"], ["lb2"], "the VIP is on lb2 only (was on lb1 and lb2)", "warning"],
  ] as const)("%j → %j: %s", (before, after, message, severity) => {
    const events = replay(at(0, holders(...before)), at(2, holders(...after)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "vip.moved", tier: "balancer", message, severity, before: [...before], after: [...after] });
  });

  it("a silent holder keeps the VIP until another balancer takes it", () => {
    const events = replay(
      at(0),
      at(2, (s) => silence(s, "lb1")),
      at(4, (s) => silence(s, "lb1")),
      at(6, (s) => holders("lb2")(silence(s, "lb1"))),
    );
    expect(messages(events)).toEqual(["lb1 stopped answering: no SSH answer within 4000 ms", "lb2 took the VIP from lb1"]);
  });

  it("a holder that comes back without the VIP leaves it on no balancer", () => {
    const events = replay(at(0), at(2, (s) => silence(s, "lb1")), at(4, holders()));
    expect(messages(events)).toEqual([
      "lb1 stopped answering: no SSH answer within 4000 ms",
      "lb1 answers again",
      "the VIP 203.0.113.10 is on no balancer (was on lb1)",
    ]);
  });
});

describe("LVS pool", () => {
  const drainWeb1 = (s: ClusterState) => {
    for (const b of s.balancers) for (const r of b.realServers) if (r.host === "web1") r.weight = 0;
  };

  it("reports a weight change per balancer per real server", () => {
    const events = replay(at(0), at(2, drainWeb1));
    expect(messages(events)).toEqual(["web1 weight 1 → 0 on lb1", "web1 weight 1 → 0 on lb2"]);
    expect(events[0]).toMatchObject({ kind: "lvs.weight-changed", host: "lb1", severity: "warning", before: { weight: 1 }, after: { weight: 0 } });
  });

  it("reports real servers leaving and joining the pool", () => {
    const removeWeb2 = (s: ClusterState) => {
      const lb1 = find(s.balancers, "lb1");
      lb1.realServers = lb1.realServers.filter((r) => r.host !== "web2");
      lb1.services = lb1.services.map((v) => ({ ...v, realServers: lb1.realServers }));
    };
    const events = replay(at(0), at(2, removeWeb2), at(4));
    expect(kinds(events)).toEqual(["lvs.real-removed", "lvs.real-added"]);
    expect(messages(events)).toEqual(["web2 left the pool on lb1", "web2 joined the pool on lb1 (weight 1)"]);
  });

  it("an unreadable LVS table or a silent balancer says nothing", () => {
    const unreadable = (s: ClusterState) => {
      const lb1 = find(s.balancers, "lb1");
      lb1.service = null;
      lb1.realServers = [];
    };
    expect(replay(at(0), at(2, unreadable), at(4))).toEqual([]);
    expect(kinds(replay(at(0), at(2, (s) => silence(s, "lb2")), at(4, (s) => (drainWeb1(s), silence(s, "lb2")))))).toEqual([
      "host.unreachable",
      "lvs.weight-changed",
    ]);
  });
});

describe("HA daemons", () => {
  it("heartbeat stopping on the VIP holder and running again; keepalived's VRRP state changes", () => {
    const stop = (s: ClusterState) => {
      find(s.balancers, "lb1").ha.running = false;
    };
    expect(replay(at(0), at(2, stop), at(4)).map((e) => [e.kind, e.severity, e.message])).toEqual([
      ["ha.state-changed", "critical", "heartbeat stopped on lb1, which holds the VIP"],
      ["ha.state-changed", "info", "heartbeat runs again on lb1"],
    ]);
    const vrrp = (state: "BACKUP" | "FAULT") => (s: ClusterState) => {
      find(s.balancers, "lb2").ha = { stack: "keepalived", running: true, peerStatus: null, detail: state, nodes: null, vrrp: { instance: "VI_1", state, since: null, priority: 100, configured: null } };
    };
    expect(replay(at(0, vrrp("BACKUP")), at(2, vrrp("FAULT"))).map((e) => [e.severity, e.message])).toEqual([["warning", "keepalived on lb2: VI_1 BACKUP → FAULT"]]);
  });

  it("reports a weight change on each port of a two-port pool", () => {
    const second = (s: ClusterState) => {
      for (const b of s.balancers) {
        b.services.push({ protocol: "TCP", address: "203.0.113.10", port: 443, scheduler: "wlc", persistent: 300, realServers: b.realServers.map((r) => ({ ...r, port: 443 })) });
      }
    };
    const drain = (s: ClusterState) => {
      second(s);
      for (const b of s.balancers) for (const v of b.services) for (const r of v.realServers) if (r.host === "web1") r.weight = 0;
    };
    expect(messages(replay(at(0, second), at(2, drain)))).toEqual([
      "web1 (port 80) weight 1 → 0 on lb1",
      "web1 (port 443) weight 1 → 0 on lb1",
      "web1 (port 80) weight 1 → 0 on lb2",
      "web1 (port 443) weight 1 → 0 on lb2",
    ]);
  });
});

describe("web", () => {
  it("Apache down and up; unknown states never flap", () => {
    const apache = (active: boolean | null) => (s: ClusterState) => {
      find(s.web, "web2").apache.active = active;
    };
    const events = replay(at(0), at(2, apache(null)), at(4), at(6, apache(null)), at(8, apache(false)), at(10, apache(null)), at(12, apache(false)), at(14));
    expect(events.map((e) => [e.kind, e.message, e.severity])).toEqual([
      ["apache.down", "Apache stopped on web2", "critical"],
      ["apache.up", "Apache runs again on web2", "info"],
    ]);
  });

  it("maintenance mode is one event for the cluster, not one per node", () => {
    const on = (s: ClusterState) => {
      for (const w of s.web) w.maintenance = true;
    };
    const events = replay(at(0), at(2, on), at(4, on), at(6));
    expect(events.map((e) => [e.kind, e.host, e.message])).toEqual([
      ["maintenance.on", null, "Moodle maintenance mode on"],
      ["maintenance.off", null, "Moodle maintenance mode off"],
    ]);
  });

  it("maintenance seen through one node while the other is silent", () => {
    const events = replay(
      at(0),
      at(2, (s) => silence(s, "web1")),
      at(4, (s) => {
        find(s.web, "web2").maintenance = true;
        return silence(s, "web1");
      }),
      at(6, (s) => {
        find(s.web, "web2").maintenance = null;
        return silence(s, "web1");
      }),
    );
    expect(kinds(events)).toEqual(["host.unreachable", "maintenance.on"]);
  });

  it("reports the code version per web node", () => {
    const upgrade = (s: ClusterState) => {
      find(s.web, "web1").moodle = { version: "2024100700.00", release: "4.5 (Build: 20241007)", branch: "405" };
    };
    const patch = (s: ClusterState) => {
      find(s.web, "web1").moodle = { version: "2024042202.03", release: "4.4.2+ (Build: 20240802)", branch: "404" };
    };
    expect(replay(at(0), at(2, upgrade)).map((e) => [e.kind, e.host, e.message])).toEqual([
      ["code.version-changed", "web1", "web1 code 4.4.2+ (Build: 20240802) → 4.5 (Build: 20241007) (version 2024042202.02 → 2024100700.00)"],
    ]);
    expect(messages(replay(at(0), at(2, patch)))).toEqual(["web1 code version 2024042202.02 → 2024042202.03"]);
  });
});

describe("DRBD", () => {
  it("reports role, disk, connection and replication changes per node per resource", () => {
    const failover = (s: ClusterState) => {
      const fs1 = find(s.storage, "fs1").drbd[0];
      const fs2 = find(s.storage, "fs2").drbd[0];
      if (!fs1 || !fs2) throw new Error("no r0");
      fs1.role = "Secondary";
      fs2.role = "Primary";
      for (const r of [fs1, fs2]) for (const p of r.peers) p.role = p.role === "Primary" ? "Secondary" : "Primary";
    };
    const events = replay(at(0), at(2, failover));
    expect(events.map((e) => [e.host, e.message, e.severity])).toEqual([
      ["fs1", "fs1 r0: role Primary → Secondary", "warning"],
      ["fs2", "fs2 r0: role Secondary → Primary", "warning"],
    ]);
    expect(events[0]?.before).toMatchObject({ resource: "r0", role: "Primary", disk: "UpToDate", connection: "Connected", replication: "Established" });
  });

  it("a split brain is critical; a resync's progress is not an event", () => {
    const standalone = (s: ClusterState) => {
      const r = find(s.storage, "fs2").drbd[0];
      const peer = r?.peers[0];
      if (!r || !peer) throw new Error("no r0");
      peer.connection = "StandAlone";
      peer.replication = "Off";
    };
    const syncing = (done: number) => (s: ClusterState) => {
      const peer = find(s.storage, "fs1").drbd[0]?.peers[0];
      if (!peer) throw new Error("no peer");
      peer.replication = "SyncSource";
      peer.disk = "Inconsistent";
      peer.donePercent = done;
    };
    const events = replay(at(0), at(2, standalone), at(4, syncing(10)), at(6, syncing(40)), at(8));
    expect(events.map((e) => [e.host, e.message, e.severity])).toEqual([
      ["fs2", "fs2 r0: connection Connected → StandAlone, replication Established → Off", "critical"],
      ["fs1", "fs1 r0: replication Established → SyncSource", "info"],
      ["fs2", "fs2 r0: connection StandAlone → Connected, replication Off → Established", "info"],
      ["fs1", "fs1 r0: replication SyncSource → Established", "info"],
    ]);
  });
});

describe("replication", () => {
  const channel = (overrides: Parameters<typeof replicaChannel>[0]) => (s: ClusterState) => {
    find(s.databases, "db2").replication = { isReplica: true, channel: replicaChannel(overrides) };
  };
  const lag = (heartbeat: number | null, behind: number | null = 0) => (s: ClusterState) => {
    find(s.databases, "db2").heartbeatLagSeconds = heartbeat;
    channel({ secondsBehind: behind })(s);
  };

  it("threads stopping and starting, IO and SQL apart", () => {
    const events = replay(
      at(0),
      at(2, channel({ sqlRunning: "No", secondsBehind: null })),
      at(4, channel({ ioRunning: "Connecting", sqlRunning: "No", secondsBehind: null })),
      at(6, channel({ ioRunning: "No", sqlRunning: "No", secondsBehind: null })),
      at(8),
    );
    expect(events.map((e) => [e.kind, e.message])).toEqual([
      ["replication.thread-stopped", "db2 replication SQL thread stopped"],
      ["replication.thread-stopped", "db2 replication IO thread is reconnecting to its source"],
      ["replication.thread-started", "db2 replication IO thread runs again"],
      ["replication.thread-started", "db2 replication SQL thread runs again"],
    ]);
  });

  it("an error is reported when its errno is new, once", () => {
    const broken = channel({ sqlRunning: "No", secondsBehind: null, lastSqlErrno: 1062, lastSqlError: "Error 'Duplicate entry '7' for key\n'PRIMARY'' on query." });
    const events = replay(at(0), at(2, broken), at(4, broken), at(6, channel({ sqlRunning: "No", lastSqlErrno: 1032, lastSqlError: "Could not execute Delete_rows" })));
    expect(events.filter((e) => e.kind === "replication.error").map((e) => e.message)).toEqual([
      "db2 replication SQL error 1062: Error 'Duplicate entry '7' for key 'PRIMARY'' on query.",
      "db2 replication SQL error 1032: Could not execute Delete_rows",
    ]);
  });

  it("lag crossing the threshold, from the heartbeat when known, else Seconds_Behind", () => {
    const events = replay(at(0), at(2, lag(45, 0)), at(4, lag(50, 0)), at(6, lag(null, 3)), at(8, lag(null, 31)), at(10, lag(29, 40)));
    expect(events.map((e) => [e.kind, e.message, e.before, e.after])).toEqual([
      ["replication.lag-over", "db2 lags 45 s behind db1 (over 30 s)", 0.4, 45],
      ["replication.lag-back", "db2 caught up: lag 3 s (under 30 s)", 50, 3],
      ["replication.lag-over", "db2 lags 31 s behind db1 (over 30 s)", 3, 31],
      ["replication.lag-back", "db2 caught up: lag 29 s (under 30 s)", 31, 29],
    ]);
  });

  it("unknown lag never flaps", () => {
    const events = replay(at(0, lag(45)), at(2, lag(null, null)), at(4, lag(46)), at(6, lag(null, null)), at(8, lag(47)));
    expect(events).toEqual([]);
    expect(kinds(replay(at(0, lag(45)), at(2, lag(null, null)), at(4, lag(null, null)), at(6, lag(1))))).toEqual(["replication.lag-back"]);
  });

  it("a promotion: the replica stops replicating and becomes writable", () => {
    const promoted = (s: ClusterState) => {
      const db2 = find(s.databases, "db2");
      db2.replication = { isReplica: false, channel: null };
      db2.heartbeatLagSeconds = null;
      db2.readOnly = false;
    };
    expect(replay(at(0), at(2, promoted), at(4, promoted)).map((e) => [e.kind, e.message])).toEqual([
      ["database.read-only-changed", "db2 is now writable (read_only OFF)"],
      ["replication.removed", "db2 is no longer a replica"],
    ]);
  });
});
