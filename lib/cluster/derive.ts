import { LVS_UNREADABLE } from "@/lib/cluster/findings-facts";
import { type ClusterSnapshot, type HostSnapshot, previousValue, readingValue } from "@/lib/cluster/snapshot";
import type {
  BalancerState,
  ClusterState,
  DatabaseState,
  DrbdResourceState,
  Freshness,
  HostState,
  LdirectordRealConfig,
  ProbeProblem,
  SessionHandler,
  SessionStore,
  StorageState,
  VirtualServiceState,
  VrrpView,
  WebState,
} from "@/lib/cluster/state";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { type ApacheStatus, requestRate } from "@/lib/probes/apache-status";
import type { HeartbeatStatus } from "@/lib/probes/cl-status";
import type { HostClock } from "@/lib/probes/clock";
import type { CodeFingerprint } from "@/lib/probes/code-fingerprint";
import type { PacemakerStatus } from "@/lib/probes/crm-mon-xml";
import type { DiskUsage } from "@/lib/probes/df";
import type { DrbdEvents } from "@/lib/probes/drbd-events2";
import type { NfsExports } from "@/lib/probes/exportfs";
import type { MountPoint } from "@/lib/probes/findmnt";
import { type IpAddresses, holdsAddress } from "@/lib/probes/ip-addr";
import type { IpvsTable } from "@/lib/probes/ipvsadm";
import { type IpvsConnections, stickyClientsByServer } from "@/lib/probes/ipvsadm-conns";
import type { KeepalivedConfig } from "@/lib/probes/keepalived-conf";
import type { KeepalivedState } from "@/lib/probes/keepalived-state";
import type { LdirectordConfig, LdirectordVirtual } from "@/lib/probes/ldirectord-cf";
import type { LoadAvg } from "@/lib/probes/loadavg";
import type { MemInfo } from "@/lib/probes/meminfo";
import type { MoodleConfig } from "@/lib/probes/moodle-config";
import type { MaintenanceFlag } from "@/lib/probes/moodle-maintenance";
import type { MoodleSettings } from "@/lib/probes/moodle-settings";
import type { MoodleVersion } from "@/lib/probes/moodle-version";
import type { MasterStatus } from "@/lib/probes/mysql-master-status";
import type { ReplicaStatus } from "@/lib/probes/mysql-replica-status";
import { mysqlErrorLine } from "@/lib/probes/mysql-client-error";
import type { MysqlVitals } from "@/lib/probes/mysql-vitals";
import type { PhpHandler } from "@/lib/probes/php-handler";
import { describeUnread, unreadOf } from "@/lib/probes/partial";
import { maskSecrets } from "@/lib/secrets/mask";
import type { ProcDrbd } from "@/lib/probes/proc-drbd";
import { withoutTrailingSlashes } from "@/lib/probes/read";
import type { ServiceState } from "@/lib/probes/service-state";
import type { SessionFiles } from "@/lib/probes/session-files";
import type { Uptime } from "@/lib/probes/uptime";

function freshness(host: HostSnapshot): Freshness {
  const sent = Object.values(host.readings).map((r) => r.sentAt);
  return { reachable: host.reachable, stale: host.stale, late: host.late ?? false, error: host.error, lastSeenAt: host.lastSeenAt, sentAt: sent.length ? Math.max(...sent) : null };
}

/** what went wrong with each reading, in words; the host's lines it quotes have their secrets masked */
function problemsOf(host: HostSnapshot): ProbeProblem[] {
  return problemsUnmasked(host).map((p) => ({ ...p, problem: maskSecrets(p.problem) }));
}

function problemsUnmasked(host: HostSnapshot): ProbeProblem[] {
  return Object.entries(host.readings).flatMap(([probe, reading]) => {
    const r = reading.result;
    if (r.ok) {
      // a reading in part: the rest is used, the lines it could not read are named
      const unread = unreadOf(r.value);
      return unread.length > 0 ? [{ probe, problem: `read in part: ${describeUnread(unread)}` }] : [];
    }
    if (r.error === "unreadable") return [{ probe, problem: `could not read: ${r.reason}` }];
    if (r.error === "failed") {
      const first = mysqlErrorLine(r.stderr) ?? r.stderr.trim().split("\n")[0] ?? "";
      return [{ probe, problem: `exit ${r.exitCode ?? "?"}${first ? `: ${first}` : ""}` }];
    }
    return [{ probe, problem: r.error === "timeout" ? "timed out" : "no output" }];
  });
}

/** Addresses on the host's own interfaces, leaving out lo (direct routing puts the VIP there on web nodes). */
function ownAddresses(host: HostSnapshot): IpAddresses | null {
  const addrs = readingValue<IpAddresses>(host, "ip-addr");
  return addrs ? { addresses: addrs.addresses.filter((a) => a.iface !== "lo"), unread: [] } : null;
}

function holds(host: HostSnapshot, address: string | undefined): boolean {
  if (!address || !host.reachable) return false;
  const addrs = ownAddresses(host);
  return addrs !== null && holdsAddress(addrs, address);
}

function hostState(host: HostSnapshot): HostState {
  const clock = readingValue<HostClock>(host, "clock");
  const sentAt = host.readings.clock?.sentAt;
  return {
    ...freshness(host),
    name: host.name,
    role: host.role,
    server: host.server,
    clusterAddress: host.clusterAddress,
    keyRejected: host.connection.state === "rejected",
    load: readingValue<LoadAvg>(host, "loadavg"),
    memory: readingValue<MemInfo>(host, "meminfo"),
    disks: readingValue<DiskUsage>(host, "df")?.filesystems ?? [],
    upSeconds: readingValue<Uptime>(host, "uptime")?.upSeconds ?? null,
    clockOffsetSeconds: clock && sentAt !== undefined ? Math.round(clock.epochMs - sentAt) / 1000 : null,
    problems: problemsOf(host),
  };
}

function haOf(host: HostSnapshot, cluster: ClusterSpec, stack: ClusterSpec["balancer"]["ha"]): BalancerState["ha"] {
  const none = { nodes: null, vrrp: null };
  if (stack === "heartbeat") {
    const hb = readingValue<HeartbeatStatus>(host, "cl-status");
    if (!hb) return { stack, running: null, peerStatus: null, detail: null, ...none };
    const peerName = cluster.hosts.find((h) => h.role === host.role && h.name !== host.name)?.name;
    const peer = hb.nodes?.find((n) => n.name === peerName) ?? null;
    const nodes = hb.nodes?.filter((n) => n.type !== "ping").map((n) => ({ name: n.name, status: n.status })) ?? null;
    return { stack, running: hb.state === "running", peerStatus: peer?.status ?? null, detail: hb.reason, nodes, vrrp: null };
  }
  if (stack === "pacemaker") {
    const pcmk = readingValue<PacemakerStatus>(host, "crm-mon-xml");
    if (!pcmk) return { stack, running: null, peerStatus: null, detail: null, ...none };
    const peer = pcmk.nodes.find((n) => n.name !== host.name) ?? null;
    return {
      stack,
      running: true,
      peerStatus: peer ? (peer.online ? (peer.standby ? "standby" : "online") : "offline") : null,
      detail: pcmk.withQuorum === false ? "no quorum" : null,
      nodes: pcmk.nodes.map((n) => ({ name: n.name, status: n.online ? (n.standby ? "standby" : "online") : "offline" })),
      vrrp: null,
    };
  }
  const ka = readingValue<KeepalivedState>(host, "keepalived-state");
  const vrrp = vrrpOf(ka, readingValue<KeepalivedConfig>(host, "keepalived-conf"), cluster.balancer.vip);
  const detail = !ka ? null : !ka.running ? (vrrp?.state ? `last recorded ${vrrp.state}` : null) : vrrp === null || vrrp.state === null ? "no state recorded (notify script not set up?)" : vrrp.state;
  return { stack, running: ka ? ka.running : null, peerStatus: null, detail, nodes: null, vrrp };
}

/** The VRRP instance that carries the VIP: named by keepalived.conf, else the only one recorded. */
function vrrpOf(state: KeepalivedState | null, config: KeepalivedConfig | null, vip: string): VrrpView | null {
  const configured = config?.instances.find((i) => i.addresses.includes(vip)) ?? null;
  const instances = state?.records.filter((r) => r.kind === "instance") ?? [];
  const record = configured ? instances.find((r) => r.name === configured.name) : instances.length === 1 ? instances[0] : undefined;
  const name = configured?.name ?? record?.name;
  if (name === undefined) return null;
  return {
    instance: name,
    state: record?.state ?? null,
    since: record ? record.since * 1000 : null,
    priority: record?.priority ?? null,
    configured: configured
      ? { initialState: configured.initialState, priority: configured.priority, nopreempt: configured.nopreempt, preemptDelay: configured.preemptDelay, advertInt: configured.advertInt }
      : null,
  };
}

export function ldirectordConfigOf(ldcf: LdirectordConfig | null, vip: string, port: number | undefined): BalancerState["config"] {
  if (!ldcf) return null;
  const reals = (v: LdirectordVirtual): LdirectordRealConfig[] =>
    v.reals.map((r) => ({ address: r.address, port: r.port ?? v.port, weight: r.weight, weightDefault: r.weightDefault, rangeEnd: r.rangeEnd, drainedFrom: r.drainedFrom, source: { ...r.source, text: maskSecrets(r.source.text) } }));
  const virtuals = ldcf.virtuals.filter((v) => v.address === vip);
  const first = virtuals.find((v) => v.port === port) ?? null;
  return {
    reals: first ? reals(first) : [],
    quiescent: first?.quiescent ?? ldcf.quiescent,
    virtuals: virtuals.map((v) => ({ virtual: v.virtual, address: v.address, port: v.port, reals: reals(v) })),
    autoreload: ldcf.autoreload,
    // the refused line is quoted as written: a passwd= line ldirectord refuses would carry its password
    refusedAt: ldcf.refusedAt && { ...ldcf.refusedAt, text: maskSecrets(ldcf.refusedAt.text), reason: maskSecrets(ldcf.refusedAt.reason) },
  };
}

function balancerState(host: HostSnapshot, cluster: ClusterSpec): BalancerState {
  const { vip, ports } = cluster.balancer;
  const port = ports[0];
  const base = {
    ...freshness(host),
    name: host.name,
    server: host.server,
    holdsVip: holds(host, vip),
    ha: haOf(host, cluster, cluster.balancer.ha),
  };
  const table = readingValue<IpvsTable>(host, "ipvsadm");
  const config = ldirectordConfigOf(readingValue<LdirectordConfig>(host, "ldirectord-cf"), vip, port);
  const conns = readingValue<IpvsConnections>(host, "ipvsadm-conns");
  const connections = conns ? conns.entries.filter((e) => !e.isTemplate).length : null;
  if (!table || table.table !== "list") {
    return { ...base, service: null, realServers: [], services: [], config, connections: null, problem: host.reachable ? LVS_UNREADABLE : null };
  }
  const stats = readingValue<IpvsTable>(host, "ipvsadm-stats");
  const rates = readingValue<IpvsTable>(host, "ipvsadm-rate");
  const sticky = conns ? stickyClientsByServer(conns) : [];
  const services: VirtualServiceState[] = ports.flatMap((p) => {
    const service = table.services.find((s) => s.address === vip && s.port === p);
    if (!service) return [];
    const statsService = stats?.table === "stats" ? stats.services.find((s) => s.address === vip && s.port === p) : undefined;
    const rateService = rates?.table === "rate" ? rates.services.find((s) => s.address === vip && s.port === p) : undefined;
    return [
      {
        protocol: service.protocol,
        address: service.address,
        port: service.port,
        scheduler: service.scheduler,
        persistent: service.persistent,
        realServers: service.realServers.map((rs) => {
          const same = (e: { address: string | null; port: number | null }) => e.address === rs.address && e.port === rs.port;
          const counters = statsService?.realServers.find(same);
          const rate = rateService?.realServers.find(same);
          const pinned = sticky.find((s) => s.destination === rs.address);
          return {
            address: rs.address ?? "?",
            port: rs.port,
            host: cluster.hosts.find((h) => h.role === "web" && h.clusterAddress === rs.address)?.name ?? null,
            forward: rs.forward,
            weight: rs.weight,
            activeConns: rs.activeConns,
            inactiveConns: rs.inactiveConns,
            counters: counters
              ? { conns: counters.conns, inPkts: counters.inPkts, outPkts: counters.outPkts, inBytes: counters.inBytes, outBytes: counters.outBytes, approximate: counters.approximate }
              : null,
            rates: rate ? { cps: rate.cps, inPps: rate.inPps, outPps: rate.outPps, inBps: rate.inBps, outBps: rate.outBps, approximate: rate.approximate } : null,
            stickyClients: pinned?.clients ?? 0,
            stickyLongestSeconds: pinned?.longestExpiresInSeconds ?? null,
          };
        }),
      },
    ];
  });
  const first = services.find((s) => s.port === port);
  if (!first) {
    return { ...base, service: null, realServers: [], services, config, connections, problem: `no virtual service for ${vip}:${port}` };
  }
  const { realServers, ...service } = first;
  return { ...base, service, realServers, services, config, connections, problem: null };
}

const FILE_HANDLER = "\\core\\session\\file";
const DATABASE_HANDLER = "\\core\\session\\database";

/**
 * Moodle's choice of session handler (lib/classes/session/manager.php get_handler_class()): config.php's
 * session_handler_class, else the database when dbsessions is set (config.php's value wins over the admin
 * setting in mdl_config), else files in session_file_save_path or <dataroot>/sessions (session/file.php).
 */
export function sessionStoreOf(config: MoodleConfig | null, settings: MoodleSettings | null, dataroot: string): SessionStore | null {
  if (!config || config.computed.includes("sessionHandlerClass")) return null;
  let className: string;
  let decidedBy: SessionStore["decidedBy"];
  if (config.sessionHandlerClass !== null) {
    className = config.sessionHandlerClass;
    decidedBy = "config.php";
  } else if (config.computed.includes("dbsessions")) {
    return null;
  } else if (config.dbsessions !== null) {
    className = config.dbsessions ? DATABASE_HANDLER : FILE_HANDLER;
    decidedBy = "dbsessions in config.php";
  } else if (settings === null) {
    return null;
  } else {
    className = settings.dbsessions ? DATABASE_HANDLER : FILE_HANDLER;
    decidedBy = settings.dbsessions ? "dbsessions setting" : "Moodle's default";
  }
  const name = className.replace(/^\\+/, "");
  const kind = name === "core\\session\\file" ? "file" : name === "core\\session\\database" ? "database" : name === "core\\session\\redis" ? "redis" : name === "core\\session\\memcached" ? "memcached" : "other";
  const root = withoutTrailingSlashes(config.dataroot ?? dataroot);
  const folder = config.computed.includes("sessionFileSavePath") ? null : (config.sessionFileSavePath ?? `${root}/sessions`);
  const redis = config.sessionRedisHost === null ? null : `${config.sessionRedisHost}${config.sessionRedisPort ? ` port ${config.sessionRedisPort}` : ""}`;
  const location = kind === "file" ? folder : kind === "redis" ? redis : kind === "memcached" ? config.sessionMemcachedSavePath : null;
  return { kind, className, decidedBy, location, inDataroot: kind === "file" && folder !== null && folder.startsWith(`${root}/`) };
}

function legacyHandler(store: SessionStore | null): SessionHandler | null {
  return store === null ? null : store.kind === "file" ? "file" : store.kind === "database" ? "database" : "other";
}

/** the last two apache-status readings as rate samples */
function apacheRate(host: HostSnapshot, status: ApacheStatus | null) {
  const reading = host.readings["apache-status"];
  if (!status || !reading) return null;
  const previous = previousValue<ApacheStatus>(host, "apache-status");
  return requestRate(previous ? { at: previous.at, status: previous.value } : null, { at: reading.at, status });
}

function webState(host: HostSnapshot, cluster: ClusterSpec, moodle: ClusterState["moodle"]): WebState {
  const version = readingValue<MoodleVersion>(host, "moodle-version");
  const config = readingValue<MoodleConfig>(host, "moodle-config");
  const store = sessionStoreOf(config, moodle?.settings ?? null, cluster.web.dataroot);
  const handler = legacyHandler(store);
  const mount = readingValue<MountPoint>(host, "dataroot-mount");
  const status = readingValue<ApacheStatus>(host, "apache-status");
  const php = readingValue<PhpHandler>(host, "php-handler");
  const cli = readingValue<MaintenanceFlag>(host, "moodle-maintenance")?.enabled ?? null;
  const setting = moodle?.settings.maintenanceEnabled ?? null;
  return {
    ...freshness(host),
    name: host.name,
    server: host.server,
    clusterAddress: host.clusterAddress,
    apache: {
      active: readingValue<ServiceState>(host, "apache-active")?.active ?? null,
      status,
      requestRate: apacheRate(host, status),
    },
    php: php ? { handler: php.handler, fpmService: php.fpmService, fpmRunning: php.fpmRunning } : null,
    wwwroot: config?.wwwroot ?? null,
    moodle: version ? { version: version.version, release: version.release, branch: version.branch } : null,
    sessionHandler: handler,
    sessionStore: store,
    codeFingerprint: readingValue<CodeFingerprint>(host, "code-fingerprint")?.fingerprint ?? null,
    // the setting unread (no database answer) does not hide a CLI flag that is on
    maintenance: cli === true || setting === true ? true : cli === false ? false : null,
    maintenanceCli: cli,
    maintenanceMessageInConfig: config ? (config.computed.includes("maintenanceMessage") ? null : config.maintenanceMessage === true) : null,
    fileSessions: handler === "file" ? (readingValue<SessionFiles>(host, "session-files")?.count ?? null) : null,
    nfs: mount ? { mounted: mount.mounted, source: mount.source, fstype: mount.fstype } : null,
  };
}

function drbdFromEvents(events: DrbdEvents, resources: readonly string[]): DrbdResourceState[] {
  return events.resources
    .filter((r) => resources.includes(r.name))
    .map((r) => {
      const device = r.devices[0];
      const peers = r.connections.map((c) => {
        const pd = c.peerDevices[0];
        return {
          name: c.name,
          connection: c.connection ?? "Unknown",
          role: c.role,
          disk: pd?.peerDisk ?? null,
          replication: pd?.replication ?? null,
          donePercent: pd?.donePercent ?? null,
        };
      });
      const outOfSync = r.connections.flatMap((c) => c.peerDevices.map((pd) => pd.outOfSyncKb)).filter((v): v is number => v !== null);
      return {
        resource: r.name,
        role: r.role ?? "Unknown",
        disk: device?.disk ?? "Unknown",
        peers,
        outOfSyncKb: outOfSync.length > 0 ? Math.max(...outOfSync) : null,
        etaSeconds: null,
        speedKbps: null,
      };
    });
}

function drbdFromProc(proc: ProcDrbd, host: HostSnapshot, cluster: ClusterSpec): DrbdResourceState[] {
  // /proc/drbd (8.4) names minors, not resources: the inventory's resources map to minors 0, 1, ...
  const peerName = cluster.hosts.find((h) => h.role === "fs" && h.name !== host.name)?.name ?? "peer";
  return cluster.storage.drbdResources.flatMap((resource, i) => {
    const minor = proc.minors.find((m) => m.minor === i);
    if (!minor) return [];
    const syncing = /^Sync/.test(minor.connection) || /^PausedSync/.test(minor.connection);
    return [
      {
        resource,
        role: minor.role ?? "Unknown",
        disk: minor.disk ?? "Unknown",
        peers: [
          {
            name: peerName,
            connection: syncing ? "Connected" : minor.connection,
            role: minor.peerRole,
            disk: minor.peerDisk,
            replication: syncing ? minor.connection : minor.connection === "Connected" ? "Established" : "Off",
            donePercent: minor.sync?.percent ?? null,
          },
        ],
        outOfSyncKb: minor.outOfSyncKb,
        etaSeconds: minor.sync?.finishSeconds ?? null,
        speedKbps: minor.sync?.speedKbPerSec ?? null,
      },
    ];
  });
}

function storageState(host: HostSnapshot, cluster: ClusterSpec): StorageState {
  const proc = readingValue<ProcDrbd>(host, "proc-drbd");
  const events = readingValue<DrbdEvents>(host, "drbd-events2");
  const drbd = events ? drbdFromEvents(events, cluster.storage.drbdResources) : proc && !proc.drbd9 ? drbdFromProc(proc, host, cluster) : [];
  return {
    ...freshness(host),
    name: host.name,
    server: host.server,
    drbd,
    exports: readingValue<NfsExports>(host, "exportfs")?.exports ?? null,
    holdsNfsAddress: holds(host, cluster.storage.nfsAddress),
  };
}

/** the age of the heartbeat row written by `serverId`, when both are known */
function heartbeatAge(vitals: MysqlVitals | null, serverId: number | null | undefined): number | null {
  if (!vitals?.heartbeats || serverId === null || serverId === undefined) return null;
  return vitals.heartbeats.find((h) => h.serverId === serverId)?.ageSeconds ?? null;
}

function databaseState(host: HostSnapshot): DatabaseState {
  const vitals = readingValue<MysqlVitals>(host, "mysql-vitals");
  const replica = readingValue<ReplicaStatus>(host, "mysql-replica-status");
  const replication = replica ? { isReplica: replica.isReplica, channel: replica.channels[0] ?? null } : null;
  const serverId = vitals?.server?.serverId ?? null;
  return {
    ...freshness(host),
    name: host.name,
    server: host.server,
    readOnly: vitals?.readOnly ?? null,
    superReadOnly: vitals?.superReadOnly ?? null,
    threadsConnected: vitals?.threadsConnected ?? null,
    port: vitals?.server?.port ?? null,
    serverId,
    version: vitals?.server?.version ?? null,
    master: readingValue<MasterStatus>(host, "mysql-master-status"),
    gtid: vitals?.gtid ?? null,
    replication,
    // The current source's row (its server_id is the replica's Master_Server_Id): a promotion leaves the
    // old source's row behind, frozen, and MAX(ts) over all rows would read the wrong one.
    heartbeatLagSeconds: replication?.isReplica ? heartbeatAge(vitals, replication.channel?.sourceServerId) : null,
    ownHeartbeatAgeSeconds: heartbeatAge(vitals, serverId),
    heartbeatRead: vitals?.heartbeats !== null && vitals?.heartbeats !== undefined,
    databaseSessions: vitals?.moodleSessions ?? null,
    readOnlyAdmins: vitals?.readOnlyAdmins ?? null,
    queryErrors: (vitals?.unanswered ?? []).map((u) => `${u.answer}: ${u.error}`),
  };
}

/** The typed state of the cluster from one snapshot; every reader of the cluster goes through this. */
/** Moodle's settings from the database the site writes to: the writable source, else any database that answered. */
function moodleOf(hosts: HostSnapshot[], databases: DatabaseState[]): ClusterState["moodle"] {
  const source = databases.find((d) => d.replication?.isReplica === false && d.readOnly === false)?.name;
  const order = [...hosts].sort((a, b) => Number(b.name === source) - Number(a.name === source));
  for (const h of order) {
    const settings = h.reachable ? readingValue<MoodleSettings>(h, "moodle-settings") : null;
    if (settings) return { settings, from: h.name };
  }
  return null;
}

export function stateOf(cluster: ClusterSpec, snapshot: ClusterSnapshot): ClusterState {
  const byRole = (role: string) => snapshot.hosts.filter((h) => h.role === role);
  const balancers = byRole("lb").map((h) => balancerState(h, cluster));
  const databases = byRole("db").map(databaseState);
  const moodle = moodleOf(byRole("db"), databases);
  return {
    clusterId: cluster.id,
    takenAt: snapshot.takenAt,
    vip: cluster.balancer.vip,
    vipHolders: balancers.filter((b) => b.holdsVip).map((b) => b.name),
    servers: cluster.servers.map((s) => ({ name: s.name, label: s.label ?? `Server ${s.name}` })),
    hosts: snapshot.hosts.map(hostState),
    balancers,
    web: byRole("web").map((h) => webState(h, cluster, moodle)),
    storage: byRole("fs").map((h) => storageState(h, cluster)),
    databases,
    moodle,
  };
}
