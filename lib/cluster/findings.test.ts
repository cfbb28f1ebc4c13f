import { describe, expect, it } from "vitest";
import { findingsOf, RULES } from "@/lib/cluster/findings";
import { LVS_UNREADABLE } from "@/lib/cluster/findings-facts";
import type { Finding, Severity } from "@/lib/cluster/findings-types";
import type { ClusterState, VrrpStateName } from "@/lib/cluster/state";
import { labClusterSpec } from "@/test/support/cluster-spec";
import { channel, db, first, fs, healthyCluster, host, lag, lb, peerOf, r0, silence, T0, web } from "@/test/support/cluster-state";

const cluster = labClusterSpec();

const setWeight = (s: ClusterState, balancer: string, hostName: string, weight: number) => {
  const r = lb(s, balancer).realServers.find((x) => x.host === hostName);
  if (!r) throw new Error(`${hostName} not in ${balancer}'s pool`);
  r.weight = weight;
};

function keepalived(s: ClusterState, balancer: string, state: VrrpStateName | null): void {
  lb(s, balancer).ha = {
    stack: "keepalived",
    running: true,
    peerStatus: null,
    detail: state,
    nodes: null,
    vrrp: { instance: "VI_1", state, since: state === null ? null : Date.UTC(2026, 11, 3, 12, 0, 0), priority: 100, configured: null },
  };
}

function refuse(s: ClusterState, balancer: string): void {
  const config = lb(s, balancer).config;
  if (config) config.refusedAt = { line: 4, text: "\t\treal=192.168.10.21:80 gate 1", reason: "Unknown command \t\treal=192.168.10.21:80 gate 1" };
}

function broken(edit: (s: ClusterState) => void): ClusterState {
  const s = healthyCluster();
  edit(s);
  return s;
}

interface Case {
  name: string;
  state: () => ClusterState;
  drained?: string[];
  id: string;
  severity: Severity;
  message: string;
}

const CASES: Case[] = [
  // hosts
  { name: "a VM not answering", state: () => silence(healthyCluster(), "db2"), id: "host-down:db2", severity: "critical", message: "db2 is not answering: no SSH answer within 4000 ms" },
  {
    name: "a refused host key",
    state: () => broken((s) => Object.assign(host(s, "web1"), { keyRejected: true, reachable: false, error: "host key mismatch" })),
    id: "host-key-rejected:web1",
    severity: "critical",
    message: "web1's host key was refused",
  },
  {
    name: "stale readings",
    state: () => broken((s) => Object.assign(host(s, "lb2"), { stale: true, lastSeenAt: T0 - 25_000 })),
    id: "host-stale:lb2",
    severity: "warning",
    message: "lb2's readings are 25 s old (stale after 10 s)",
  },
  {
    name: "a probe that could not be read",
    state: () => broken((s) => host(s, "fs1").problems.push({ probe: "df", problem: "could not read: no header line" })),
    id: "probe-unreadable:fs1",
    severity: "warning",
    message: "could not read df on fs1: no header line",
  },
  {
    name: "a clock off by 2.5 s",
    state: () => broken((s) => (host(s, "db1").clockOffsetSeconds = 2.5)),
    id: "clock-offset:db1",
    severity: "warning",
    message: "db1's clock is 2.5 s ahead of the console's (Moodle wants nodes within 1 s)",
  },
  {
    name: "a disk over the threshold",
    state: () => broken((s) => (first(host(s, "fs1").disks).usedPercent = 93)),
    id: "disk-full:fs1",
    severity: "warning",
    message: "/ on fs1 is 93 % full (threshold 90 %)",
  },
  {
    name: "a disk at 98 %",
    state: () => broken((s) => (first(host(s, "db1").disks).usedPercent = 98)),
    id: "disk-full:db1",
    severity: "critical",
    message: "/ on db1 is 98 % full",
  },
  // balancers
  {
    name: "the VIP on no balancer",
    state: () =>
      broken((s) => {
        s.vipHolders = [];
        lb(s, "lb1").holdsVip = false;
      }),
    id: "vip-unheld:cluster",
    severity: "critical",
    message: "no balancer holds the VIP 203.0.113.10: Moodle is unreachable",
  },
  {
    name: "the VIP on neither the answering balancer nor the silent one",
    state: () => silence(healthyCluster(), "lb1"),
    id: "vip-unheld:cluster",
    severity: "critical",
    message: "lb2 does not hold the VIP 203.0.113.10 and lb1 is not answering",
  },
  {
    name: "the VIP on both balancers",
    state: () =>
      broken((s) => {
        s.vipHolders = ["lb1", "lb2"];
        lb(s, "lb2").holdsVip = true;
      }),
    id: "vip-split-brain:cluster",
    severity: "critical",
    message: "lb1 and lb2 both hold the VIP 203.0.113.10 — split brain",
  },
  {
    name: "heartbeat stopped on the VIP holder",
    state: () => broken((s) => (lb(s, "lb1").ha.running = false)),
    id: "ha-stopped:lb1",
    severity: "critical",
    message: "heartbeat is not running on lb1, which holds the VIP",
  },
  {
    name: "heartbeat stopped on the standby",
    state: () => broken((s) => (lb(s, "lb2").ha.running = false)),
    id: "ha-stopped:lb2",
    severity: "warning",
    message: "heartbeat is not running on lb2: it would not take over the VIP",
  },
  {
    name: "heartbeat's peer seen dead while it answers",
    state: () => broken((s) => (lb(s, "lb2").ha.peerStatus = "dead")),
    id: "ha-peer-dead:lb2",
    severity: "warning",
    message: "lb2's heartbeat sees lb1 as dead, yet lb1 answers the console",
  },
  {
    name: "heartbeat's peer seen dead while it answers but its heartbeat cannot be read",
    state: () =>
      broken((s) => {
        lb(s, "lb2").ha.peerStatus = "dead";
        lb(s, "lb1").ha.running = null;
      }),
    id: "ha-peer-dead:lb2",
    severity: "warning",
    message: "lb2's heartbeat sees lb1 as dead; lb1 answers the console, but whether its heartbeat runs could not be read",
  },
  {
    name: "keepalived in FAULT on the standby",
    state: () => broken((s) => keepalived(s, "lb2", "FAULT")),
    id: "ha-fault:lb2",
    severity: "warning",
    message: "keepalived on lb2 is in FAULT (VI_1 since 12:00:00 UTC): a track script or its interface fails, so it would not take over the VIP",
  },
  {
    name: "keepalived in FAULT on the only balancer that could hold the VIP",
    state: () =>
      broken((s) => {
        keepalived(s, "lb1", "FAULT");
        keepalived(s, "lb2", "FAULT");
        lb(s, "lb1").holdsVip = false;
        s.vipHolders = [];
      }),
    id: "ha-fault:lb1",
    severity: "critical",
    message: "keepalived on lb1 is in FAULT (VI_1 since 12:00:00 UTC): a track script or its interface fails, so it holds no VIP",
  },
  {
    name: "keepalived running with no recorded state",
    state: () => broken((s) => keepalived(s, "lb2", null)),
    id: "ha-state-unrecorded:lb2",
    severity: "warning",
    message: "keepalived runs on lb2 but no VRRP state is recorded for the VIP: install the notify script (docs/keepalived.md)",
  },
  {
    name: "ldirectord.cf that ldirectord refuses, on the standby",
    state: () => broken((s) => refuse(s, "lb2")),
    id: "ldirectord-refused:lb2",
    severity: "critical",
    message: "ldirectord refuses lb2's ldirectord.cf at line 4 (Unknown command \t\treal=192.168.10.21:80 gate 1): ldirectord would not start there after a failover",
  },
  {
    name: "ldirectord.cf that ldirectord refuses, on the VIP holder",
    state: () => broken((s) => refuse(s, "lb1")),
    id: "ldirectord-refused:lb1",
    severity: "warning",
    message: "ldirectord refuses lb1's ldirectord.cf at line 4 (Unknown command \t\treal=192.168.10.21:80 gate 1): the running ldirectord keeps its old rules",
  },
  {
    name: "no virtual service on the VIP holder",
    state: () => broken((s) => Object.assign(lb(s, "lb1"), { service: null, realServers: [], services: [] })),
    id: "service-missing:lb1",
    severity: "critical",
    message: "lb1 holds the VIP but has no virtual service for 203.0.113.10:80",
  },
  {
    name: "no virtual service on the standby",
    state: () => broken((s) => Object.assign(lb(s, "lb2"), { service: null, realServers: [], services: [] })),
    id: "service-missing:lb2",
    severity: "warning",
    message: "lb2 has no virtual service for 203.0.113.10:80",
  },
  {
    name: "weight 0 without a drain",
    state: () => broken((s) => ["lb1", "lb2"].forEach((b) => setWeight(s, b, "web1", 0))),
    id: "weight-zero:web1",
    severity: "warning",
    message: "web1 is at weight 0 on lb1 and lb2 without a drain: it gets no new clients",
  },
  {
    name: "a web node missing from a pool",
    state: () => broken((s) => (lb(s, "lb1").realServers = lb(s, "lb1").realServers.filter((r) => r.host !== "web2"))),
    id: "pool-missing-web:web2",
    severity: "warning",
    message: "web2 is missing from the pool on lb1",
  },
  {
    name: "weights differing between the balancers",
    state: () => broken((s) => setWeight(s, "lb2", "web2", 0)),
    drained: ["web2"],
    id: "weight-drift:web2",
    severity: "warning",
    message: "web2 has weight 1 on lb1 but 0 on lb2: a failover would change the pool",
  },
  {
    name: "the kernel table drifting from ldirectord.cf",
    state: () => broken((s) => Object.assign(first(lb(s, "lb1").config?.reals ?? []), { weight: 2 })),
    id: "config-drift:lb1",
    severity: "warning",
    message: "lb1's LVS table differs from ldirectord.cf: web1 is at weight 1 (config 2)",
  },
  // web
  {
    name: "Apache stopped",
    state: () => broken((s) => (web(s, "web2").apache.active = false)),
    id: "apache-down:web2",
    severity: "critical",
    message: "Apache is not running on web2",
  },
  {
    name: "Apache's state unreadable while the host answers",
    state: () => broken((s) => (web(s, "web2").apache = { active: null, status: null, requestRate: null })),
    id: "apache-down:web2",
    severity: "critical",
    message: "Apache on web2 does not answer",
  },
  {
    name: "different Moodle versions",
    state: () => broken((s) => Object.assign(web(s, "web2"), { moodle: { version: "2024100700.00", release: "4.5", branch: "405" } })),
    id: "moodle-version-mismatch:cluster",
    severity: "critical",
    message: "web nodes run different Moodle versions (web1: 2024042202.02, web2: 2024100700.00)",
  },
  {
    name: "different code, same version",
    state: () => broken((s) => (web(s, "web2").codeFingerprint = "sha1:99aa00")),
    id: "code-mismatch:cluster",
    severity: "warning",
    message: "web nodes serve different code (web1: sha1:5f1c0d, web2: sha1:99aa00)",
  },
  {
    name: "maintenance mode",
    state: () => broken((s) => s.web.forEach((w) => Object.assign(w, { maintenance: true, maintenanceCli: true }))),
    id: "maintenance-on:cluster",
    severity: "warning",
    message: "Moodle is in maintenance mode, users get its 503 page: CLI maintenance mode (climaintenance.html, seen on web1, web2)",
  },
  {
    name: "maintenance switched on from the web (mdl_config), no climaintenance.html",
    state: () => broken((s) => Object.assign(s.moodle?.settings ?? {}, { maintenanceEnabled: true })),
    id: "maintenance-on:cluster",
    severity: "warning",
    message: "users get its 503 page: switched on in Site administration (maintenance_enabled)",
  },
  {
    name: "php-fpm not running behind Apache",
    state: () => broken((s) => (web(s, "web2").php = { handler: "php-fpm", fpmService: "php8.2-fpm", fpmRunning: false })),
    id: "php-fpm-down:web2",
    severity: "critical",
    message: "Apache on web2 hands PHP to php8.2-fpm, which is not running",
  },
  {
    name: "moodledata not mounted",
    state: () => broken((s) => (web(s, "web1").nfs = { mounted: false, source: null, fstype: null })),
    id: "nfs-unmounted:web1",
    severity: "critical",
    message: "moodledata is not mounted on web1",
  },
  // storage
  {
    name: "the Primary not exporting",
    state: () => broken((s) => (fs(s, "fs1").exports = [])),
    id: "nfs-export-missing:fs1",
    severity: "critical",
    message: "fs1 is the DRBD Primary but does not export /srv/moodledata",
  },
  {
    name: "the NFS address on no file server",
    state: () => broken((s) => (fs(s, "fs1").holdsNfsAddress = false)),
    id: "nfs-address-unheld:cluster",
    severity: "critical",
    message: "no file server holds the NFS address 192.168.10.30",
  },
  {
    name: "the NFS address on both file servers",
    state: () => broken((s) => (fs(s, "fs2").holdsNfsAddress = true)),
    id: "nfs-address-split-brain:cluster",
    severity: "critical",
    message: "fs1 and fs2 both hold the NFS address 192.168.10.30 — split brain",
  },
  {
    name: "DRBD not connected",
    state: () => broken((s) => Object.assign(peerOf(s, "fs1"), { connection: "Connecting", disk: "DUnknown", role: "Unknown", replication: "Off" })),
    id: "drbd-disconnected:fs1",
    severity: "critical",
    message: "DRBD r0 on fs1 is not connected to fs2 (Connecting): moodledata is not mirrored",
  },
  {
    name: "DRBD StandAlone",
    state: () => broken((s) => Object.assign(peerOf(s, "fs2"), { connection: "StandAlone", disk: null, role: null, replication: null })),
    id: "drbd-standalone:fs2",
    severity: "critical",
    message: "DRBD r0 on fs2 is StandAlone from fs1: split brain or a manual disconnect",
  },
  {
    name: "a DRBD disk Inconsistent",
    state: () => broken((s) => (r0(s, "fs2").disk = "Inconsistent")),
    id: "drbd-disk-not-uptodate:fs2",
    severity: "critical",
    message: "DRBD r0 on fs2 is Inconsistent: it holds no complete copy of moodledata",
  },
  {
    name: "a DRBD disk Outdated, seen from the Primary while fs2 is silent",
    state: () => silence(broken((s) => (peerOf(s, "fs1").disk = "Outdated")), "fs2"),
    id: "drbd-disk-not-uptodate:fs2",
    severity: "critical",
    message: "DRBD r0 on fs2 is Outdated (as fs1 sees it)",
  },
  {
    name: "two DRBD Primaries",
    state: () => broken((s) => (r0(s, "fs2").role = "Primary")),
    id: "drbd-split-brain:cluster",
    severity: "critical",
    message: "DRBD r0: fs1 and fs2 are both Primary — split brain",
  },
  {
    name: "no DRBD Primary",
    state: () =>
      broken((s) => {
        r0(s, "fs1").role = "Secondary";
        peerOf(s, "fs2").role = "Secondary";
      }),
    id: "drbd-no-primary:cluster",
    severity: "critical",
    message: "DRBD r0 has no Primary: no file server serves moodledata",
  },
  {
    name: "a DRBD resync",
    state: () =>
      broken((s) => {
        Object.assign(peerOf(s, "fs1"), { replication: "SyncSource", disk: "Inconsistent", donePercent: 42.3 });
        Object.assign(r0(s, "fs1"), { etaSeconds: 190, outOfSyncKb: 900_000 });
        Object.assign(peerOf(s, "fs2"), { replication: "SyncTarget", donePercent: 42.3 });
        r0(s, "fs2").disk = "Inconsistent";
      }),
    id: "drbd-resync:fs2",
    severity: "warning",
    message: "DRBD r0 is resyncing fs2 from fs1: 42 % done, about 3 min left",
  },
  // databases
  {
    name: "the IO thread stopped",
    state: () => broken((s) => Object.assign(channel(s), { ioRunning: "No", secondsBehind: null })),
    id: "replication-io-stopped:db2",
    severity: "critical",
    message: "the replication IO thread is stopped on db2: it no longer receives db1's writes",
  },
  {
    name: "the IO thread connecting",
    state: () => broken((s) => Object.assign(channel(s), { ioRunning: "Connecting", secondsBehind: null })),
    id: "replication-io-connecting:db2",
    severity: "critical",
    message: "db2 cannot reach its source db1 (IO thread Connecting)",
  },
  {
    name: "the SQL thread stopped",
    state: () => broken((s) => Object.assign(channel(s), { sqlRunning: "No", secondsBehind: null })),
    id: "replication-sql-stopped:db2",
    severity: "critical",
    message: "the replication SQL thread is stopped on db2: db1's writes are not applied",
  },
  {
    name: "a replication error",
    state: () =>
      broken((s) =>
        Object.assign(channel(s), {
          sqlRunning: "No",
          lastSqlErrno: 1062,
          lastSqlError: "Error 'Duplicate entry '42' for key 'PRIMARY'' on query.\nDefault database: 'moodle'.",
        }),
      ),
    id: "replication-error:db2",
    severity: "critical",
    message: "replication on db2 reports SQL error 1062: Error 'Duplicate entry '42' for key 'PRIMARY'' on query.",
  },
  {
    name: "lag over the threshold (heartbeat)",
    state: () => broken((s) => lag(s, 45, 44)),
    id: "replication-lag:db2",
    severity: "warning",
    message: "db2 is 45 s behind db1 (threshold 30 s)",
  },
  {
    name: "lag over the threshold (Seconds_Behind, no heartbeat)",
    state: () => broken((s) => lag(s, null, 50)),
    id: "replication-lag:db2",
    severity: "warning",
    message: "db2 is 50 s behind db1",
  },
  {
    name: "lag over four times the threshold",
    state: () => broken((s) => lag(s, 130, 128)),
    id: "replication-lag:db2",
    severity: "critical",
    message: "db2 is 130 s behind db1",
  },
  {
    name: "Seconds_Behind disagreeing with the heartbeat",
    state: () => broken((s) => (db(s, "db2").heartbeatLagSeconds = 40)),
    id: "replication-lag-disagreement:db2",
    severity: "warning",
    message: "db2's Seconds_Behind says 0 s but the heartbeat table says 40 s",
  },
  {
    name: "Seconds_Behind NULL with both threads running",
    state: () => broken((s) => (channel(s).secondsBehind = null)),
    id: "replication-lag-null:db2",
    severity: "warning",
    message: "db2's Seconds_Behind is NULL although both replication threads run",
  },
  {
    name: "both databases writable",
    state: () => broken((s) => Object.assign(db(s, "db2"), { readOnly: false, superReadOnly: false })),
    id: "databases-both-writable:cluster",
    severity: "critical",
    message: "db1 and db2 are both writable (read_only OFF)",
  },
  {
    name: "the replica writable",
    state: () =>
      broken((s) => {
        db(s, "db1").readOnly = true;
        db(s, "db2").readOnly = false;
      }),
    id: "replica-writable:db2",
    severity: "warning",
    message: "db2 is a replica but writable (read_only OFF)",
  },
  {
    name: "the source gone and the replica still read-only",
    state: () => silence(healthyCluster(), "db1"),
    id: "no-writable-database:cluster",
    severity: "critical",
    message: "no database that answers accepts writes (db1 is not answering): Moodle cannot save anything until one is promoted",
  },
  {
    name: "no replica anywhere",
    state: () => broken((s) => (db(s, "db2").replication = { isReplica: false, channel: null })),
    id: "no-replica:cluster",
    severity: "critical",
    message: "no database is a replica: there is no second copy of the data",
  },
  {
    name: "a MySQL server where the inventory says MariaDB",
    state: () => broken((s) => (db(s, "db2").version = "8.0.36-0ubuntu0.22.04.1")),
    id: "database-flavour-mismatch:db2",
    severity: "warning",
    message: "db2 runs 8.0.36-0ubuntu0.22.04.1 but the inventory says database.flavour: mariadb",
  },
  {
    name: "pt-heartbeat on the source stopped",
    state: () => broken((s) => (db(s, "db1").ownHeartbeatAgeSeconds = 95)),
    id: "heartbeat-not-written:db1",
    severity: "warning",
    message: "db1's pt-heartbeat row is 95 s old: pt-heartbeat is not updating it",
  },
];

const ids = (findings: Finding[]) => findings.map((f) => f.id);

describe("findingsOf", () => {
  it("finds nothing wrong with a healthy cluster", () => {
    expect(findingsOf(healthyCluster(), cluster)).toEqual([]);
  });

  it.each(CASES)("$name → $id ($severity)", ({ state, drained, id, severity, message }) => {
    const findings = findingsOf(state(), cluster, { drainedHosts: drained });
    const found = findings.find((f) => f.id === id);
    expect(found, `${id} not in ${ids(findings).join(", ")}`).toBeDefined();
    expect(found?.severity).toBe(severity);
    expect(found?.message).toContain(message);
    expect(found?.id).toBe(`${found?.rule}:${found?.component}`);
    expect(found?.message).not.toContain("\n");
  });

  it("provokes every rule in the table", () => {
    const provoked = new Set(CASES.map((c) => c.id.split(":")[0]));
    expect(RULES.map((r) => r.rule).filter((r) => !provoked.has(r))).toEqual([]);
  });

  it("keeps a drained web node's weight 0 out of the findings", () => {
    const s = broken((x) => ["lb1", "lb2"].forEach((b) => setWeight(x, b, "web1", 0)));
    expect(findingsOf(s, cluster, { drainedHosts: ["web1"] })).toEqual([]);
  });

  it("says a web node whose Apache is down was quiesced by ldirectord, and calls that no drift", () => {
    const s = broken((x) => {
      web(x, "web1").apache.active = false;
      ["lb1", "lb2"].forEach((b) => setWeight(x, b, "web1", 0));
    });
    const findings = findingsOf(s, cluster);
    expect(ids(findings)).toEqual(["apache-down:web1", "weight-zero:web1"]);
    expect(findings[1]?.message).toBe("web1 is at weight 0 on lb1 and lb2 without a drain: it gets no new clients (ldirectord's check fails on it)");
  });

  it("raises nothing from a silent VM's last values but that it is silent", () => {
    const s = broken((x) => {
      Object.assign(channel(x), { ioRunning: "No", sqlRunning: "No", lastSqlErrno: 1062, lastSqlError: "dup" });
      Object.assign(host(x, "db2"), { clockOffsetSeconds: 9 });
      first(host(x, "db2").disks).usedPercent = 99;
      web(x, "web2").apache.active = false;
    });
    expect(ids(findingsOf(silence(silence(s, "db2"), "web2"), cluster))).toEqual(["host-down:web2", "host-down:db2"]);
  });

  it("says nothing when the inputs are unknown", () => {
    const s = broken((x) => {
      Object.assign(web(x, "web1"), { moodle: null, codeFingerprint: null, maintenance: null, nfs: null });
      Object.assign(db(x, "db2"), { readOnly: null, replication: null, heartbeatLagSeconds: null });
      host(x, "fs1").clockOffsetSeconds = null;
      first(host(x, "fs1").disks).usedPercent = null;
      lb(x, "lb2").ha = { stack: "heartbeat", running: null, peerStatus: null, detail: null, nodes: null, vrrp: null };
      fs(x, "fs2").exports = null;
      fs(x, "fs1").exports = null;
    });
    expect(findingsOf(s, cluster)).toEqual([]);
  });

  it("does not call an unreadable LVS table a missing service", () => {
    const s = broken((x) => Object.assign(lb(x, "lb2"), { service: null, realServers: [], services: [], problem: LVS_UNREADABLE }));
    expect(findingsOf(s, cluster)).toEqual([]);
  });

  it("merges two full disks on one VM into one finding at the worse severity", () => {
    const s = broken((x) => {
      host(x, "fs1").disks.push({ filesystem: "/dev/drbd0", sizeKb: 1, usedKb: 1, availableKb: 0, usedPercent: 99, mount: "/srv/moodledata" });
      first(host(x, "fs1").disks).usedPercent = 91;
    });
    const [disk, ...rest] = findingsOf(s, cluster);
    expect(rest).toEqual([]);
    expect(disk).toMatchObject({ id: "disk-full:fs1", severity: "critical", hosts: ["fs1"] });
    expect(disk?.message).toBe("/ on fs1 is 91 % full (threshold 90 %); /srv/moodledata on fs1 is 99 % full (threshold 90 %)");
  });

  it("sorts critical before warning, then by tier and component", () => {
    const s = broken((x) => {
      host(x, "web2").clockOffsetSeconds = -3;
      db(x, "db2").heartbeatLagSeconds = 45;
      channel(x).secondsBehind = 45;
      web(x, "web2").apache.active = false;
      r0(x, "fs2").disk = "Outdated";
      lb(x, "lb2").ha.running = false;
    });
    expect(ids(findingsOf(s, cluster))).toEqual([
      "apache-down:web2",
      "drbd-disk-not-uptodate:fs2",
      "clock-offset:web2",
      "ha-stopped:lb2",
      "replication-lag:db2",
    ]);
  });

  it("names every rule a finding comes from and every host it is about", () => {
    const s = silence(broken((x) => (lb(x, "lb2").holdsVip = true)), "db1");
    for (const f of findingsOf(s, cluster)) {
      expect(f.hosts.length).toBeGreaterThan(0);
      expect(RULES.map((r) => r.rule)).toContain(f.rule);
    }
  });

  // issue 9, defect 19: heartbeat stopped (or crashed) on lb1 prints "Heartbeat is stopped" with exit 1; the survivor's
  // "lb1 dead" is then no broken link
  it("says heartbeat is not running on lb1, not that the link is broken, when the survivor sees it dead", () => {
    const s = broken((x) => {
      lb(x, "lb1").ha.running = false;
      lb(x, "lb2").ha.peerStatus = "dead";
    });
    const found = findingsOf(s, cluster);
    expect(ids(found)).toContain("ha-stopped:lb1");
    expect(ids(found)).not.toContain("ha-peer-dead:lb2");
    expect(found.find((f) => f.id === "ha-stopped:lb1")?.message).toBe("heartbeat is not running on lb1, which holds the VIP: failover is broken");
  });

  it("flags a virtual service missing on a second port", () => {
    const twoPorts = { ...cluster, balancer: { ...cluster.balancer, ports: [80, 443] } };
    const found = findingsOf(healthyCluster(), twoPorts).find((f) => f.id === "service-missing:lb1");
    expect(found?.message).toBe("lb1 holds the VIP but has no virtual service for 203.0.113.10:443: Moodle gets no traffic there");
  });

  it("flags a cut link between the servers on every tier", () => {
    const s = broken((x) => {
      lb(x, "lb2").holdsVip = true;
      x.vipHolders = ["lb1", "lb2"];
      lb(x, "lb1").ha.peerStatus = "dead";
      lb(x, "lb2").ha.peerStatus = "dead";
      r0(x, "fs2").role = "Primary";
      fs(x, "fs2").holdsNfsAddress = true;
      for (const name of ["fs1", "fs2"]) Object.assign(peerOf(x, name), { connection: "Connecting", disk: "DUnknown", role: "Unknown", replication: "Off" });
      Object.assign(channel(x), { ioRunning: "Connecting", secondsBehind: null, lastIoErrno: 2003, lastIoError: "error connecting to master 'repl@192.168.10.18:3306'" });
      db(x, "db2").heartbeatLagSeconds = 20;
    });
    const found = ids(findingsOf(s, cluster));
    for (const id of [
      "vip-split-brain:cluster",
      "ha-peer-dead:lb1",
      "ha-peer-dead:lb2",
      "drbd-split-brain:cluster",
      "drbd-disconnected:fs1",
      "drbd-disconnected:fs2",
      "nfs-address-split-brain:cluster",
      "replication-io-connecting:db2",
      "replication-error:db2",
    ]) {
      expect(found).toContain(id);
    }
    expect(found).not.toContain("replication-lag:db2");
  });
});
