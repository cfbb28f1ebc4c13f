import { describe, expect, it } from "vitest";
import type { ServerVerdict } from "@/lib/cluster/findings-types";
import type { ClusterState } from "@/lib/cluster/state";
import { verdictOf } from "@/lib/cluster/verdict";
import { labClusterSpec } from "@/test/support/cluster-spec";
import { channel, db, fs, healthyCluster, lag, lb, peerOf, r0, silence, web } from "@/test/support/cluster-state";

const cluster = labClusterSpec();

function realServer(s: ClusterState, balancer: string, hostName: string) {
  const real = lb(s, balancer).realServers.find((r) => r.host === hostName);
  if (!real) throw new Error(`${hostName} not in ${balancer}'s pool`);
  return real;
}

function configured(s: ClusterState, balancer: string, address: string) {
  const real = lb(s, balancer).config?.reals.find((r) => r.address === address);
  if (!real) throw new Error(`${address} not in ${balancer}'s ldirectord.cf`);
  return real;
}

const silenceAll = (state: ClusterState, names: string[]) => names.reduce((s, name) => silence(s, name), state);

function broken(edit: (s: ClusterState) => void): ClusterState {
  const s = healthyCluster();
  edit(s);
  return s;
}

function verdicts(state: ClusterState, drained?: string[]): { A: ServerVerdict; B: ServerVerdict; redundant: boolean } {
  const v = verdictOf(state, cluster, { drainedHosts: drained });
  const [A, B] = v.servers;
  if (A?.server !== "A" || B?.server !== "B") throw new Error("verdicts not in the inventory's server order");
  return { A, B, redundant: v.redundant };
}

/** The other side of a cut link: lb2 took the VIP, fs2 went Primary, db2 lost its source. */
function linkCut(s: ClusterState): void {
  lb(s, "lb2").holdsVip = true;
  s.vipHolders = ["lb1", "lb2"];
  lb(s, "lb1").ha.peerStatus = "dead";
  lb(s, "lb2").ha.peerStatus = "dead";
  r0(s, "fs2").role = "Primary";
  for (const name of ["fs1", "fs2"]) Object.assign(peerOf(s, name), { connection: "Connecting", disk: "DUnknown", role: "Unknown", replication: "Off" });
  Object.assign(channel(s), { ioRunning: "Connecting", secondsBehind: null });
  db(s, "db2").heartbeatLagSeconds = 20;
}

function serverASilent(): ClusterState {
  return silenceAll(healthyCluster(), ["lb1", "web1", "fs1", "db1"]);
}

/** What heartbeat and an operator do once server A is gone: B holds the VIP, the files and the writes. */
function failedOverToB(): ClusterState {
  const s = serverASilent();
  lb(s, "lb2").holdsVip = true;
  s.vipHolders = ["lb2"];
  Object.assign(r0(s, "fs2"), { role: "Primary" });
  Object.assign(peerOf(s, "fs2"), { connection: "Connecting", disk: "DUnknown", role: "Unknown", replication: "Off" });
  Object.assign(fs(s, "fs2"), { holdsNfsAddress: true, exports: [{ path: "/srv/moodledata", client: "192.168.10.0/24", options: ["rw"], readOnly: false }] });
  Object.assign(db(s, "db2"), { readOnly: false, superReadOnly: false });
  Object.assign(channel(s), { ioRunning: "Connecting", secondsBehind: null });
  return s;
}

interface Case {
  name: string;
  state: () => ClusterState;
  drained?: string[];
  /** reasons expected when server A fails (B must carry); null when B carries everything */
  A: string[] | null;
  B: string[] | null;
}

const CASES: Case[] = [
  { name: "web2 drained", state: healthyCluster, drained: ["web2"], A: ["web2 is drained"], B: null },
  { name: "web1 drained", state: healthyCluster, drained: ["web1"], A: null, B: ["web1 is drained"] },
  {
    name: "db2 45 s behind (heartbeat)",
    state: () => broken((s) => lag(s, 45, 44)),
    A: ["db2 is 45 s behind: up to 45 s of writes would be lost"],
    B: null,
  },
  {
    name: "db2 behind by Seconds_Behind when no heartbeat is read",
    state: () => broken((s) => lag(s, null, 12)),
    A: ["db2 is 12 s behind: up to 12 s of writes would be lost"],
    B: null,
  },
  { name: "db2 under a second behind", state: () => broken((s) => lag(s, 0.8, 1)), A: null, B: null },
  { name: "db2's lag unknown", state: () => broken((s) => lag(s, null, null)), A: ["db2's replication lag is unknown"], B: null },
  {
    name: "db2's replication unreadable",
    state: () => broken((s) => (db(s, "db2").replication = null)),
    A: ["db2's replication state is unknown"],
    B: null,
  },
  {
    name: "db2 replication broken",
    state: () =>
      broken((s) =>
        Object.assign(channel(s), {
          ioRunning: "No",
          sqlRunning: "No",
          secondsBehind: null,
          lastSqlErrno: 1062,
          lastSqlError: "Could not execute Write_rows event on table moodle.mdl_log; Duplicate entry\nmore",
        }),
      ),
    A: [
      "db2's replication IO thread is stopped: it no longer receives db1's writes",
      "db2's replication SQL thread is stopped: db1's writes are not applied",
      "db2 reports replication SQL error 1062: Could not execute Write_rows event on table moodle.mdl_log; Duplicate entry",
    ],
    B: null,
  },
  {
    name: "db2 replicating from somewhere else",
    state: () => broken((s) => (channel(s).sourceHost = "192.168.10.99")),
    A: ["db2 replicates from 192.168.10.99, not from db1"],
    B: null,
  },
  {
    name: "neither database replicating",
    state: () =>
      broken((s) => {
        db(s, "db2").replication = { isReplica: false, channel: null };
        db(s, "db2").readOnly = false;
      }),
    A: ["db2 is not a replica of db1: whatever Moodle writes to db1 exists nowhere else"],
    B: ["db1 is not a replica of db2: whatever Moodle writes to db2 exists nowhere else"],
  },
  {
    name: "db2 the source and db1 its replica",
    state: () =>
      broken((s) => {
        const replica = db(s, "db2").replication;
        Object.assign(db(s, "db1"), { readOnly: true, replication: replica, heartbeatLagSeconds: 0.2 });
        Object.assign(db(s, "db2"), { readOnly: false, replication: { isReplica: false, channel: null }, heartbeatLagSeconds: null });
        channel(s, "db1").sourceHost = "192.168.10.28";
      }),
    A: null,
    B: null,
  },
  {
    name: "fs2 Inconsistent",
    state: () => broken((s) => (r0(s, "fs2").disk = "Inconsistent")),
    A: ["fs2 is Inconsistent: it holds no complete copy of moodledata"],
    B: null,
  },
  {
    name: "fs2 resyncing from fs1",
    state: () =>
      broken((s) => {
        Object.assign(r0(s, "fs2"), { disk: "Inconsistent", etaSeconds: 190 });
        Object.assign(peerOf(s, "fs2"), { replication: "SyncTarget", donePercent: 42 });
        Object.assign(peerOf(s, "fs1"), { replication: "SyncSource", disk: "Inconsistent", donePercent: 42 });
      }),
    A: ["fs2 is still resyncing from fs1: 58 % left, about 3 min"],
    B: null,
  },
  {
    name: "fs2 disconnected from the Primary fs1",
    state: () =>
      broken((s) => {
        for (const name of ["fs1", "fs2"]) Object.assign(peerOf(s, name), { connection: "StandAlone", disk: null, role: null, replication: null });
      }),
    A: ["fs2 has been disconnected from fs1: files written since then would be lost"],
    B: null,
  },
  { name: "lb2 silent", state: () => silence(healthyCluster(), "lb2"), A: ["lb2 is not answering"], B: null },
  {
    name: "heartbeat stopped on lb2",
    state: () => broken((s) => (lb(s, "lb2").ha.running = false)),
    A: ["heartbeat is stopped on lb2: it would not take the VIP"],
    B: null,
  },
  {
    name: "lb2's pool has web2 at weight 0",
    state: () => broken((s) => (realServer(s, "lb2", "web2").weight = 0)),
    A: ["lb2 would take the VIP but its pool has web2 at weight 0"],
    B: null,
  },
  {
    name: "lb1's pool lacks web1",
    state: () => broken((s) => (lb(s, "lb1").realServers = lb(s, "lb1").realServers.filter((r) => r.host !== "web1"))),
    A: null,
    B: ["lb1 holds the VIP but its pool lacks web1"],
  },
  {
    name: "lb2 without the virtual service",
    state: () => broken((s) => Object.assign(lb(s, "lb2"), { service: null, realServers: [] })),
    A: ["lb2 would take the VIP but has no virtual service for 203.0.113.10:80"],
    B: null,
  },
  {
    name: "lb2's ldirectord.cf starving web2",
    state: () => broken((s) => (configured(s, "lb2", "192.168.10.21").weight = 0)),
    A: ["lb2's ldirectord.cf gives web2 weight 0: a restarted ldirectord would take it out of the pool"],
    B: null,
  },
  { name: "Apache down on web2", state: () => broken((s) => (web(s, "web2").apache.active = false)), A: ["Apache is not running on web2"], B: null },
  {
    name: "moodledata not mounted on web2",
    state: () => broken((s) => (web(s, "web2").nfs = { mounted: false, source: null, fstype: null })),
    A: ["web2 has not mounted moodledata"],
    B: null,
  },
  {
    name: "web2 mounting fs1's own address",
    state: () => broken((s) => (web(s, "web2").nfs = { mounted: true, source: "192.168.10.15:/srv/moodledata", fstype: "nfs4" })),
    A: ["web2 mounts moodledata from fs1's own address 192.168.10.15: it would lose it with server A"],
    B: null,
  },
  {
    name: "web nodes serving different code",
    state: () => broken((s) => (web(s, "web2").codeFingerprint = "sha1:99aa00")),
    A: ["web2 serves different code from web1"],
    B: ["web1 serves different code from web2"],
  },
  {
    name: "web nodes on different Moodle versions",
    state: () => broken((s) => (web(s, "web2").moodle = { version: "2024100700.00", release: "4.5", branch: "405" })),
    A: ["web2 runs Moodle 2024100700.00 but web1 runs 2024042202.02"],
    B: ["web1 runs Moodle 2024042202.02 but web2 runs 2024100700.00"],
  },
  {
    name: "everything on B broken at once",
    state: () =>
      broken((s) => {
        lb(s, "lb2").ha.running = false;
        web(s, "web2").apache.active = false;
        r0(s, "fs2").disk = "Outdated";
        channel(s).sqlRunning = "No";
      }),
    A: [
      "heartbeat is stopped on lb2: it would not take the VIP",
      "Apache is not running on web2",
      "fs2 is Outdated: its copy of moodledata is older than its peer's",
      "db2's replication SQL thread is stopped: db1's writes are not applied",
    ],
    B: null,
  },
  {
    name: "the link between the servers cut",
    state: () => broken(linkCut),
    A: [
      "fs2 has been disconnected from fs1: files written since then would be lost",
      "db2 cannot reach db1 (IO thread Connecting): it receives no writes",
      "db2 is 20 s behind: up to 20 s of writes would be lost",
    ],
    B: ["fs1 has been disconnected from fs2: files written since then would be lost"],
  },
  {
    name: "server A silent and nothing failed over",
    state: serverASilent,
    A: [
      "lb2 has not taken the VIP although lb1 is not answering",
      "fs2 has not been promoted to DRBD Primary although fs1 is not answering: moodledata is not served",
      "fs2 does not export /srv/moodledata",
      "fs2 does not hold the NFS address 192.168.10.30",
      "db2 is still a read-only replica although db1 is not answering: Moodle cannot write until it is promoted",
    ],
    B: ["nothing on server A is answering"],
  },
  { name: "server A silent and B carrying everything", state: failedOverToB, A: null, B: ["nothing on server A is answering"] },
  {
    name: "server B silent",
    state: () => silenceAll(healthyCluster(), ["lb2", "web2", "fs2", "db2"]),
    A: ["nothing on server B is answering"],
    B: null,
  },
];

describe("verdictOf", () => {
  it("calls a healthy cluster fully redundant", () => {
    expect(verdictOf(healthyCluster(), cluster)).toEqual({
      redundant: true,
      servers: [
        { server: "A", label: "Server A", survives: true, reasons: [] },
        { server: "B", label: "Server B", survives: true, reasons: [] },
      ],
    });
  });

  // issue 9, defect 22: keepalived preempts by default; the verdict says what the return of lb1 does
  it("says that lb1's return pulls the VIP back under keepalived's default preemption, and nothing with nopreempt", () => {
    const ka = { ...cluster, balancer: { ...cluster.balancer, ha: "keepalived" as const } };
    const withVrrp = (nopreempt: boolean) => {
      const s = healthyCluster();
      for (const [name, priority] of [["lb1", 150], ["lb2", 100]] as const) {
        const b = s.balancers.find((x) => x.name === name);
        if (!b) throw new Error(name);
        b.ha = { stack: "keepalived", running: true, peerStatus: null, detail: null, nodes: null, vrrp: { instance: "VI_1", state: name === "lb1" ? "MASTER" : "BACKUP", since: null, priority, configured: { initialState: "BACKUP", priority, nopreempt: nopreempt && name === "lb1", preemptDelay: 0, advertInt: 1 } } };
      }
      return s;
    };
    const preempting = verdictOf(withVrrp(false), ka);
    expect(preempting.redundant).toBe(true);
    expect(preempting.servers[0]?.notes).toEqual([
      "when lb1 comes back, the VIP moves to it again: keepalived preempts: lb1's priority 150 is above lb2's 100, so lb1 takes the VIP back about 3.4 s after it starts (a second move; sticky clients lose their pins again)",
    ]);
    expect(preempting.servers[1]?.notes).toBeUndefined();
    expect(verdictOf(withVrrp(true), ka).servers[0]?.notes).toBeUndefined();
  });

  it("says a standby in FAULT or with an ldirectord.cf ldirectord refuses would not carry the VIP", () => {
    const s = healthyCluster();
    const lb2 = s.balancers.find((b) => b.name === "lb2");
    if (!lb2?.config) throw new Error("lb2");
    lb2.ha = { ...lb2.ha, stack: "keepalived", vrrp: { instance: "VI_1", state: "FAULT", since: null, priority: 100, configured: null } };
    lb2.config.refusedAt = { line: 4, text: "  real=192.168.10.21:80 gate 1", reason: "Unknown command" };
    expect(verdictOf(s, cluster).servers[0]?.reasons).toEqual([
      "keepalived on lb2 is in FAULT: it would not take the VIP",
      "ldirectord refuses lb2's ldirectord.cf (line 4): it would not start there, so the VIP would lead nowhere",
    ]);
  });

  it.each(CASES)("$name", ({ state, drained, A, B }) => {
    const v = verdicts(state(), drained);
    expect(v.A.reasons).toEqual(A ?? []);
    expect(v.A.survives).toBe(A === null);
    expect(v.B.reasons).toEqual(B ?? []);
    expect(v.B.survives).toBe(B === null);
    expect(v.redundant).toBe(A === null && B === null);
  });

  it("comes back to yes when the breakage is cleared", () => {
    const s = healthyCluster();
    r0(s, "fs2").disk = "Inconsistent";
    lag(s, 45, 45);
    expect(verdicts(s).A.survives).toBe(false);
    r0(s, "fs2").disk = "UpToDate";
    lag(s, 0.3, 0);
    expect(verdictOf(s, cluster).redundant).toBe(true);
  });

  it("uses the inventory's labels", () => {
    const labelled = labClusterSpec({ servers: [{ name: "A", label: "Rack 1" }, { name: "B", label: "Rack 2" }] });
    const state = silenceAll(healthyCluster(), ["lb2", "web2", "fs2", "db2"]);
    expect(verdictOf(state, labelled).servers).toEqual([
      { server: "A", label: "Rack 1", survives: false, reasons: ["nothing on Rack 2 is answering"] },
      { server: "B", label: "Rack 2", survives: true, reasons: [] },
    ]);
  });

  it("says so when a server carries no database at all", () => {
    const s = healthyCluster();
    s.databases = s.databases.filter((d) => d.name !== "db2");
    s.hosts = s.hosts.filter((h) => h.name !== "db2");
    expect(verdicts(s).A.reasons).toEqual(["no VM on server B is a database: db1's data exists nowhere else"]);
  });

  it("writes every reason as one line", () => {
    for (const c of CASES) {
      for (const s of verdictOf(c.state(), cluster, { drainedHosts: c.drained }).servers) {
        for (const reason of s.reasons) expect(reason).not.toMatch(/\n/);
      }
    }
  });
});
