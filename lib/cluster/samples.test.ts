import { describe, expect, it } from "vitest";
import { type SampleValue, samplesOf } from "@/lib/cluster/samples";
import type { ClusterState } from "@/lib/cluster/state";
import { healthyCluster, replicaChannel, silence } from "@/test/support/cluster-state";

function find<T extends { name: string }>(list: T[], name: string): T {
  const x = list.find((y) => y.name === name);
  if (!x) throw new Error(`no ${name}`);
  return x;
}

const of = (samples: SampleValue[], series: SampleValue["series"]) =>
  Object.fromEntries(samples.filter((s) => s.series === series).map((s) => [s.subject, s.value]));

describe("samplesOf", () => {
  it("a healthy cluster: database sessions on the source, connections on the VIP holder, lag, DRBD, load", () => {
    const samples = samplesOf(healthyCluster());
    expect(of(samples, "web.sessions")).toEqual({ cluster: 38 });
    expect(of(samples, "web.connections")).toEqual({ web1: 34, web2: 34 });
    expect(of(samples, "db.lag.seconds-behind")).toEqual({ db2: 0 });
    expect(of(samples, "db.lag.heartbeat")).toEqual({ db2: 0.4 });
    expect(of(samples, "drbd.resync.percent")).toEqual({ fs1: 100, fs2: 100 });
    expect(Object.keys(of(samples, "host.load1")).sort()).toEqual(["db1", "db2", "fs1", "fs2", "lb1", "lb2", "web1", "web2"]);
  });

  it("file sessions per web node", () => {
    const s = healthyCluster();
    for (const w of s.web) w.sessionHandler = "file";
    find(s.web, "web1").fileSessions = 12;
    find(s.web, "web2").fileSessions = null;
    expect(of(samplesOf(s), "web.sessions")).toEqual({ web1: 12 });
  });

  it("file sessions in the dataroot both nodes share over NFS: once, for the cluster", () => {
    const s = healthyCluster();
    for (const w of s.web) {
      w.sessionHandler = "file";
      w.sessionStore = { kind: "file", className: "\\core\\session\\file", decidedBy: "Moodle's default", location: "/var/moodledata/sessions", inDataroot: true };
      w.fileSessions = 40;
    }
    expect(of(samplesOf(s), "web.sessions")).toEqual({ cluster: 40 });
  });

  it("connections come from the VIP holder's table; a node missing from it has none", () => {
    const s = healthyCluster();
    s.vipHolders = ["lb2"];
    const lb2 = find(s.balancers, "lb2");
    lb2.realServers = lb2.realServers.filter((r) => r.host === "web2").map((r) => ({ ...r, activeConns: 7, inactiveConns: 1 }));
    expect(of(samplesOf(s), "web.connections")).toEqual({ web1: 0, web2: 8 });
    s.vipHolders = [];
    expect(of(samplesOf(s), "web.connections")).toEqual({});
  });

  it("a running resync reports its progress, the slowest resource wins; a disconnected node reports nothing", () => {
    const s = healthyCluster();
    const r0 = find(s.storage, "fs1").drbd[0];
    if (!r0?.peers[0]) throw new Error("no r0");
    r0.peers[0] = { ...r0.peers[0], replication: "SyncSource", disk: "Inconsistent", donePercent: 42.5 };
    find(s.storage, "fs1").drbd.push({ ...r0, resource: "r1", peers: [{ ...r0.peers[0], donePercent: 80 }] });
    const fs2 = find(s.storage, "fs2").drbd[0]?.peers[0];
    if (!fs2) throw new Error("no peer");
    fs2.connection = "Connecting";
    fs2.replication = "Off";
    expect(of(samplesOf(s), "drbd.resync.percent")).toEqual({ fs1: 42.5 });
  });

  it("unknown values are left out, never stored as 0", () => {
    let s: ClusterState = healthyCluster();
    find(s.hosts, "web2").load = null;
    find(s.databases, "db2").heartbeatLagSeconds = null;
    find(s.databases, "db2").replication = { isReplica: true, channel: replicaChannel({ secondsBehind: null }) };
    find(s.databases, "db1").databaseSessions = null;
    s = silence(silence(s, "lb1"), "fs2");
    const samples = samplesOf(s);
    expect(samples.every((x) => Number.isFinite(x.value))).toBe(true);
    expect(of(samples, "web.sessions")).toEqual({});
    expect(of(samples, "db.lag.heartbeat")).toEqual({});
    expect(of(samples, "db.lag.seconds-behind")).toEqual({});
    expect(of(samples, "web.connections")).toEqual({});
    expect(of(samples, "drbd.resync.percent")).toEqual({ fs1: 100 });
    expect(Object.keys(of(samples, "host.load1")).sort()).toEqual(["db1", "db2", "fs1", "lb2", "web1"]);
  });

  it("a silent source database means no database session count", () => {
    expect(of(samplesOf(silence(healthyCluster(), "db1")), "web.sessions")).toEqual({});
  });
});
