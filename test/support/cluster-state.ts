import type {
  BalancerState,
  ClusterState,
  DatabaseState,
  Freshness,
  HostState,
  LdirectordRealConfig,
  RealServerState,
  StorageState,
  WebState,
} from "@/lib/cluster/state";
import type { ReplicationChannel } from "@/lib/probes/mysql-replica-status";

// A healthy two-server cluster laid out like the lab, for unit tests of everything that reads
// ClusterState. Tests break it by editing the returned object (it is a fresh copy every call).

export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

const fresh = (): Freshness => ({ reachable: true, stale: false, error: null, lastSeenAt: T0 });

/** the lab's eight VMs: name, role, physical server, cluster address */
export const LAYOUT: readonly [string, HostState["role"], string, string][] = [
  ["lb1", "lb", "A", "192.168.10.10"],
  ["web1", "web", "A", "192.168.10.11"],
  ["fs1", "fs", "A", "192.168.10.15"],
  ["db1", "db", "A", "192.168.10.18"],
  ["lb2", "lb", "B", "192.168.10.20"],
  ["web2", "web", "B", "192.168.10.21"],
  ["fs2", "fs", "B", "192.168.10.25"],
  ["db2", "db", "B", "192.168.10.28"],
];

function hostState([name, role, server, clusterAddress]: (typeof LAYOUT)[number]): HostState {
  return {
    ...fresh(),
    name,
    role,
    server,
    clusterAddress,
    keyRejected: false,
    load: { load1: 0.3, load5: 0.25, load15: 0.2, running: 1, total: 180, lastPid: 4242 },
    memory: {
      totalKb: 4_000_000,
      freeKb: 1_000_000,
      availableKb: 2_800_000,
      availableEstimated: false,
      buffersKb: 100_000,
      cachedKb: 1_500_000,
      swapTotalKb: 1_000_000,
      swapFreeKb: 1_000_000,
      usedPercent: 30,
    },
    disks: [{ filesystem: "/dev/vda1", sizeKb: 20_000_000, usedKb: 5_000_000, availableKb: 15_000_000, usedPercent: 25, mount: "/" }],
    upSeconds: 86_400 * 12,
    clockOffsetSeconds: 0.01,
    problems: [],
  };
}

function realServer(address: string, hostName: string): RealServerState {
  return {
    address,
    port: 80,
    host: hostName,
    forward: "Route",
    weight: 1,
    activeConns: 4,
    inactiveConns: 30,
    counters: null,
    rates: null,
    stickyClients: 20,
    stickyLongestSeconds: 290,
  };
}

/** a `real=ADDRESS:80 gate 1` line of ldirectord.cf at line `line` */
export function configReal(address: string, line: number): LdirectordRealConfig {
  return { address, port: 80, weight: 1, weightDefault: false, rangeEnd: null, drainedFrom: null, source: { line, text: `\treal=${address}:80 gate 1` } };
}

function balancer(name: string, server: string, holdsVip: boolean): BalancerState {
  const reals = [realServer("192.168.10.11", "web1"), realServer("192.168.10.21", "web2")];
  return {
    ...fresh(),
    name,
    server,
    holdsVip,
    ha: {
      stack: "heartbeat",
      running: true,
      peerStatus: "active",
      detail: null,
      nodes: [{ name: "lb1", status: "active" }, { name: "lb2", status: "active" }],
      vrrp: null,
    },
    service: { protocol: "TCP", address: "203.0.113.10", port: 80, scheduler: "wlc", persistent: 300 },
    realServers: reals,
    // the first service's real servers are the same objects as realServers, as stateOf() builds them
    services: [{ protocol: "TCP", address: "203.0.113.10", port: 80, scheduler: "wlc", persistent: 300, realServers: reals }],
    config: {
      reals: [configReal("192.168.10.11", 3), configReal("192.168.10.21", 4)],
      quiescent: true,
      virtuals: [{ virtual: "203.0.113.10:80", address: "203.0.113.10", port: 80, reals: [configReal("192.168.10.11", 3), configReal("192.168.10.21", 4)] }],
      autoreload: true,
      refusedAt: null,
    },
    connections: holdsVip ? 40 : 0,
    problem: null,
  };
}

function webState(name: string, server: string, clusterAddress: string): WebState {
  return {
    ...fresh(),
    name,
    server,
    clusterAddress,
    apache: { active: true, status: null, requestRate: null },
    php: { handler: "mod_php", fpmService: null, fpmRunning: false },
    wwwroot: "https://moodle.example.org",
    moodle: { version: "2024042202.02", release: "4.4.2+ (Build: 20240802)", branch: "404" },
    sessionHandler: "database",
    sessionStore: { kind: "database", className: "\\core\\session\\database", decidedBy: "config.php", location: null, inDataroot: false },
    codeFingerprint: "sha1:5f1c0d",
    maintenance: false,
    maintenanceCli: false,
    maintenanceMessageInConfig: false,
    fileSessions: null,
    nfs: { mounted: true, source: "192.168.10.30:/srv/moodledata", fstype: "nfs4" },
  };
}

function storage(name: string, server: string, primary: boolean): StorageState {
  const peer = name === "fs1" ? "fs2" : "fs1";
  return {
    ...fresh(),
    name,
    server,
    drbd: [
      {
        resource: "r0",
        role: primary ? "Primary" : "Secondary",
        disk: "UpToDate",
        peers: [{ name: peer, connection: "Connected", role: primary ? "Secondary" : "Primary", disk: "UpToDate", replication: "Established", donePercent: null }],
        outOfSyncKb: 0,
        etaSeconds: null,
        speedKbps: null,
      },
    ],
    exports: primary ? [{ path: "/srv/moodledata", client: "192.168.10.0/24", options: ["rw", "sync", "no_subtree_check"], readOnly: false }] : [],
    holdsNfsAddress: primary,
  };
}

export function replicaChannel(overrides: Partial<ReplicationChannel> = {}): ReplicationChannel {
  return {
    channel: "",
    ioRunning: "Yes",
    sqlRunning: "Yes",
    ioState: "Waiting for source to send event",
    sqlState: "Replica has read all relay log; waiting for more updates",
    sourceHost: "192.168.10.18",
    sourcePort: 3306,
    sourceUser: "repl",
    sourceServerId: 1,
    sourceUuid: null,
    secondsBehind: 0,
    lastIoErrno: null,
    lastIoError: null,
    lastSqlErrno: null,
    lastSqlError: null,
    positions: {
      sourceLogFile: "binlog.000042",
      readSourceLogPos: 123456,
      relayLogFile: "relay.000003",
      relayLogPos: 4567,
      relaySourceLogFile: "binlog.000042",
      execSourceLogPos: 123456,
    },
    gtid: { retrievedSet: null, executedSet: null, autoPosition: null, usingGtid: "Slave_Pos", ioPos: "0-1-1042", slavePos: "0-1-1042" },
    sqlDelay: 0,
    fields: {},
    ...overrides,
  };
}

function database(name: string, server: string, source: boolean): DatabaseState {
  return {
    ...fresh(),
    name,
    server,
    readOnly: !source,
    superReadOnly: null,
    threadsConnected: source ? 24 : 3,
    port: 3306,
    serverId: source ? 1 : 2,
    version: "10.11.19-MariaDB-0+deb12u1-log",
    master: { binlogEnabled: true, file: "binlog.000042", position: 123456, binlogDoDb: [], binlogIgnoreDb: [], executedGtidSet: null, gtidBinlogPos: "0-1-1042" },
    gtid: { binlogPos: "0-1-1042", currentPos: "0-1-1042", slavePos: source ? "" : "0-1-1042" },
    replication: source ? { isReplica: false, channel: null } : { isReplica: true, channel: replicaChannel() },
    heartbeatLagSeconds: source ? null : 0.4,
    ownHeartbeatAgeSeconds: source ? 0.3 : null,
    heartbeatRead: true,
    databaseSessions: source ? 38 : 38,
    readOnlyAdmins: { sessions: 0, accounts: [] },
    queryErrors: [],
  };
}

/** A healthy cluster: lb1 holds the VIP, both web nodes in the pool, fs1 Primary, db1 → db2 in step. */
export function healthyCluster(): ClusterState {
  return {
    clusterId: "lab",
    takenAt: T0,
    vip: "203.0.113.10",
    vipHolders: ["lb1"],
    servers: [
      { name: "A", label: "Server A" },
      { name: "B", label: "Server B" },
    ],
    hosts: LAYOUT.map(hostState),
    balancers: [balancer("lb1", "A", true), balancer("lb2", "B", false)],
    web: [webState("web1", "A", "192.168.10.11"), webState("web2", "B", "192.168.10.21")],
    storage: [storage("fs1", "A", true), storage("fs2", "B", false)],
    databases: [database("db1", "A", true), database("db2", "B", false)],
    moodle: {
      settings: { dbsessions: false, maintenanceEnabled: false, maintenanceMessage: false, maintenanceLater: null, sessionTimeoutSeconds: 28_800, version: "2024042202.02", release: "4.4.2+ (Build: 20240802)" },
      from: "db1",
    },
  };
}

/** Mark a VM as not answering everywhere it appears, keeping its last values (as the collector does). */
export function silence(state: ClusterState, name: string, error = `${name}: no SSH answer within 4000 ms`): ClusterState {
  const mark = <T extends Freshness & { name: string }>(x: T): T => (x.name === name ? { ...x, reachable: false, stale: true, error } : x);
  return {
    ...state,
    vipHolders: state.vipHolders.filter((h) => h !== name),
    hosts: state.hosts.map(mark),
    balancers: state.balancers.map((b) => (b.name === name ? { ...mark(b), holdsVip: false } : b)),
    web: state.web.map(mark),
    storage: state.storage.map(mark),
    databases: state.databases.map(mark),
  };
}

/** Accessors that fail loudly when a test's state lacks what the test means to edit. */
export function named<T extends { name: string }>(items: readonly T[], name: string): T {
  const item = items.find((x) => x.name === name);
  if (!item) throw new Error(`no ${name} in the test state`);
  return item;
}

export function first<T>(items: readonly T[]): T {
  const item = items[0];
  if (item === undefined) throw new Error("empty list in the test state");
  return item;
}

export const lb = (s: ClusterState, name: string) => named(s.balancers, name);
export const web = (s: ClusterState, name: string) => named(s.web, name);
export const fs = (s: ClusterState, name: string) => named(s.storage, name);
export const db = (s: ClusterState, name: string) => named(s.databases, name);
export const host = (s: ClusterState, name: string) => named(s.hosts, name);
export const r0 = (s: ClusterState, name: string) => first(fs(s, name).drbd);
export const peerOf = (s: ClusterState, name: string) => first(r0(s, name).peers);
export const channel = (s: ClusterState, name = "db2") => {
  const replication = db(s, name).replication;
  if (!replication?.channel) throw new Error(`${name} is no replica in the test state`);
  return replication.channel;
};
/** db2's lag as the heartbeat table and as Seconds_Behind_Source report it */
export const lag = (s: ClusterState, heartbeat: number | null, secondsBehind: number | null) => {
  db(s, "db2").heartbeatLagSeconds = heartbeat;
  channel(s).secondsBehind = secondsBehind;
};
