import { describe, expect, it } from "vitest";
import { stateOf } from "@/lib/cluster/derive";
import { findingsOf } from "@/lib/cluster/findings";
import type { ClusterSnapshot, HostSnapshot, ProbeReading } from "@/lib/cluster/snapshot";
import { ClusterSpec, type DatabaseFlavour } from "@/lib/inventory/schema";
import { parseMysqlMasterStatus } from "@/lib/probes/mysql-master-status";
import { parseMysqlReplicaStatus } from "@/lib/probes/mysql-replica-status";
import { parseMysqlVitals } from "@/lib/probes/mysql-vitals";
import { fixture } from "@/lib/probes/test-support";
import type { Parsed } from "@/lib/probes/types";

// The database tier's state and findings from real MariaDB 10.11 readings (lib/probes/__fixtures__).

const NOW = 1_700_000_000_000;

function cluster(flavour: DatabaseFlavour = "mariadb"): ClusterSpec {
  return ClusterSpec.parse({
    id: "t",
    servers: [{ name: "A" }, { name: "B" }],
    hosts: [
      { name: "db1", role: "db", server: "A", address: "127.0.0.1", clusterAddress: "127.0.0.1", auth: { agent: true } },
      { name: "db2", role: "db", server: "B", address: "127.0.0.2", clusterAddress: "127.0.0.2", auth: { agent: true } },
    ],
    balancer: { vip: "203.0.113.10" },
    database: { flavour },
  });
}

const reading = (result: ProbeReading["result"]): ProbeReading => ({ at: NOW, sentAt: NOW, result });
const parsed = (r: Parsed<unknown>) => reading(r);

function db(name: "db1" | "db2", files: { vitals?: string; slaves?: string; master?: string }, extra: Record<string, ProbeReading> = {}): HostSnapshot {
  const readings: Record<string, ProbeReading> = { ...extra };
  if (files.vitals) readings["mysql-vitals"] = parsed(parseMysqlVitals(fixture("mysql-vitals", `mariadb-10.11-${files.vitals}.txt`)));
  if (files.slaves) readings["mysql-replica-status"] = parsed(parseMysqlReplicaStatus(fixture("mysql-slave-status", `mariadb-10.11-all-slaves-${files.slaves}.txt`)));
  if (files.master) readings["mysql-master-status"] = parsed(parseMysqlMasterStatus(fixture("mysql-master-status", `mariadb-10.11-${files.master}.txt`)));
  return {
    name,
    role: "db",
    server: name === "db1" ? "A" : "B",
    address: "127.0.0.1",
    port: 22,
    clusterAddress: null,
    reachable: true,
    stale: false,
    error: null,
    lastSeenAt: NOW,
    lastAttemptAt: NOW,
    latencyMs: 5,
    connection: { state: "ready", lastError: null, offeredFingerprint: null, connectedSince: NOW, retryAt: null, failures: 0 },
    readings,
  };
}

const snapshot = (...hosts: HostSnapshot[]): ClusterSnapshot => ({ clusterId: "t", takenAt: NOW, hosts });

describe("the database tier from real MariaDB 10.11 readings", () => {
  it("reads read_only and the GTID positions, so the writability findings can fire again", () => {
    const s = stateOf(cluster(), snapshot(db("db1", { vitals: "source", slaves: "not-a-replica", master: "G-with-gtid-binlog-pos" }), db("db2", { vitals: "replica", slaves: "healthy-gtid" })));
    const [db1, db2] = s.databases;
    expect(db1).toMatchObject({ readOnly: false, superReadOnly: null, port: 34501, serverId: 1, version: "10.11.19-MariaDB-0+deb12u1-log", gtid: { binlogPos: "0-1-36" } });
    expect(db1?.readOnlyAdmins).toEqual({ sessions: 1, accounts: ["root@localhost"] });
    expect(db2).toMatchObject({ readOnly: true, port: 34502, serverId: 2, heartbeatLagSeconds: 0.3368 });
    expect(findingsOf(s, cluster()).filter((f) => f.tier === "database")).toEqual([]);

    const bothWritable = stateOf(cluster(), snapshot(db("db1", { vitals: "source", slaves: "not-a-replica" }), db("db2", { vitals: "new-source", slaves: "not-a-replica" })));
    expect(findingsOf(bothWritable, cluster()).map((f) => f.rule)).toContain("databases-both-writable");
  });

  it("takes a replica's lag from its current source's heartbeat row, not the newest row", () => {
    // server 1 replicates from server 2 (Master_Server_Id 2); server 1's own row is frozen at its promotion
    const s = stateOf(cluster(), snapshot(db("db2", { vitals: "new-source", slaves: "not-a-replica" }), db("db1", { vitals: "old-source-now-replica", slaves: "old-source-now-replica" })));
    const replica = s.databases.find((d) => d.name === "db1");
    expect(replica?.heartbeatLagSeconds).toBe(0.378);
    expect(replica?.ownHeartbeatAgeSeconds).toBe(5.3781);
    // the broken replica: only the source's row, and it ages
    const broken = stateOf(cluster(), snapshot(db("db2", { vitals: "replica-broken", slaves: "sql-error-1062" })));
    expect(broken.databases[0]?.heartbeatLagSeconds).toBe(1.9873);
  });

  it("says when pt-heartbeat on the source writes local time instead of UTC", () => {
    const s = stateOf(cluster(), snapshot(db("db2", { vitals: "source-heartbeat-local-time", slaves: "not-a-replica" }), db("db1", { vitals: "old-source-now-replica", slaves: "old-source-now-replica" })));
    const f = findingsOf(s, cluster()).find((x) => x.rule === "heartbeat-not-written");
    expect(f).toMatchObject({ severity: "warning", hosts: ["db2"] });
    expect(f?.message).toMatch(/^db2's pt-heartbeat row is 18000 s old, about 5 h: pt-heartbeat writes local time, not UTC \(run it with --utc\)/);
  });

  it("keeps the answers a refused statement did not blank, and lists the refusals", () => {
    const s = stateOf(cluster(), snapshot(db("db2", { vitals: "missing-grants", slaves: "healthy-gtid" })));
    expect(s.databases[0]).toMatchObject({ readOnly: true, heartbeatRead: false, heartbeatLagSeconds: null, readOnlyAdmins: null });
    expect(s.databases[0]?.queryErrors).toEqual([
      "heartbeat: ERROR 1142: SELECT command denied to user 'nogrant'@'localhost' for table `percona`.`heartbeat`",
      "read_only_admins: ERROR 1142: SELECT command denied to user 'nogrant'@'localhost' for table `clusterdeck`.`read_only_admin_sessions`",
    ]);
  });

  it("shows a failed mysql command's ERROR line, not the dashes MariaDB's client echoes first", () => {
    const stderr = fixture("mysql-client", "mariadb-10.11-old-vitals-super-read-only-1193.stderr.txt");
    const s = stateOf(cluster(), snapshot(db("db1", {}, { "mysql-vitals": reading({ ok: false, error: "failed", exitCode: 1, stderr }) })));
    expect(s.hosts[0]?.problems).toEqual([{ probe: "mysql-vitals", problem: "exit 1: ERROR 1193 (HY000) at line 1: Unknown system variable 'super_read_only'" }]);
  });

  it("says when the inventory's flavour is not what the server runs", () => {
    const s = stateOf(cluster("mysql"), snapshot(db("db1", { vitals: "source", slaves: "not-a-replica" })));
    expect(findingsOf(s, cluster("mysql")).find((f) => f.rule === "database-flavour-mismatch")?.message).toBe(
      "db1 runs 10.11.19-MariaDB-0+deb12u1-log but the inventory says database.flavour: mysql: the drill would send the other flavour's statements",
    );
  });
});
