import type { HaStack, Role } from "@/lib/inventory/schema";
import type { ApacheStatus, RequestRate } from "@/lib/probes/apache-status";
import type { Filesystem } from "@/lib/probes/df";
import type { NfsExport } from "@/lib/probes/exportfs";
import type { IpvsCounters, IpvsRates } from "@/lib/probes/ipvsadm";
import type { LoadAvg } from "@/lib/probes/loadavg";
import type { MemInfo } from "@/lib/probes/meminfo";
import type { MoodleSettings } from "@/lib/probes/moodle-settings";
import type { MasterStatus } from "@/lib/probes/mysql-master-status";
import type { ReplicationChannel } from "@/lib/probes/mysql-replica-status";

// The typed state of a cluster at one moment, derived from a snapshot's raw probe readings by
// stateOf() (lib/cluster/derive.ts). Findings, the redundancy verdict, transitions, samples and
// every page read this, never the readings. `null` always means "not known" (host silent, probe
// failed or unreadable), never zero or false.

export interface Freshness {
  /** the last attempt reached the host */
  reachable: boolean;
  /** the values below are older than the cluster's staleAfterSeconds */
  stale: boolean;
  /** the poll in flight is overdue (well past the host's usual answer time), not yet timed out */
  late?: boolean;
  /** why the host is not answering, when it is not */
  error: string | null;
  lastSeenAt: number | null;
  /** when the poll behind these values was sent: a reading started before a change cannot show it */
  sentAt?: number | null;
}

export interface ProbeProblem {
  probe: string;
  problem: string;
}

export interface HostState extends Freshness {
  name: string;
  role: Role;
  server: string;
  clusterAddress: string | null;
  /** the host key was refused: nothing from this host can be trusted */
  keyRejected: boolean;
  load: LoadAvg | null;
  memory: MemInfo | null;
  disks: Filesystem[];
  upSeconds: number | null;
  /** host clock minus the console's clock, seconds (positive: the host is ahead) */
  clockOffsetSeconds: number | null;
  problems: ProbeProblem[];
}

export interface RealServerState {
  address: string;
  port: number | null;
  /** the web VM with this cluster address, when the inventory knows it */
  host: string | null;
  forward: string;
  weight: number;
  activeConns: number;
  inactiveConns: number;
  counters: IpvsCounters | null;
  rates: IpvsRates | null;
  /** distinct clients pinned here by persistence templates, and when the last pin runs out */
  stickyClients: number;
  stickyLongestSeconds: number | null;
}

export interface LdirectordRealConfig {
  address: string;
  port: number | null;
  weight: number;
  /** no weight written (ldirectord's default, 1) */
  weightDefault: boolean;
  /** the end of a range (address->end), when the line gives one */
  rangeEnd: string | null;
  /** the weight a ClusterDeck drain kept in the line's comment */
  drainedFrom: number | "default" | null;
  /** the line as written in ldirectord.cf */
  source: { line: number; text: string };
}

export interface LdirectordVirtualConfig {
  /** as written after virtual= */
  virtual: string;
  address: string | null;
  port: number | null;
  reals: LdirectordRealConfig[];
}

/** One virtual service of the VIP (one of the inventory's ports) as this balancer's kernel has it. */
export interface VirtualServiceState {
  protocol: string;
  address: string | null;
  port: number | null;
  scheduler: string;
  persistent: number | null;
  realServers: RealServerState[];
}

export type VrrpStateName = "MASTER" | "BACKUP" | "FAULT" | "STOP";

/** keepalived's VRRP instance for the VIP on one balancer: what its notify script recorded, and keepalived.conf */
export interface VrrpView {
  instance: string;
  /** null when keepalived recorded nothing (no notify script) */
  state: VrrpStateName | null;
  /** epoch ms of the host's clock when keepalived ran the notify script */
  since: number | null;
  /** the effective priority keepalived passed to the script */
  priority: number | null;
  configured: { initialState: "MASTER" | "BACKUP" | null; priority: number; nopreempt: boolean; preemptDelay: number; advertInt: number } | null;
}

export interface BalancerState extends Freshness {
  name: string;
  server: string;
  holdsVip: boolean;
  ha: {
    stack: HaStack;
    /** the HA daemon runs on this balancer */
    running: boolean | null;
    /** heartbeat: the peer's status as this node sees it ("active", "dead", ...) */
    peerStatus: string | null;
    detail: string | null;
    /** heartbeat: every node as this balancer's heartbeat sees it (its view of the pair) */
    nodes: { name: string; status: string }[] | null;
    /** keepalived: the VIP's VRRP instance on this balancer */
    vrrp: VrrpView | null;
  };
  /** the virtual service for the inventory's VIP and first port, as this balancer's kernel has it */
  service: { protocol: string; address: string | null; port: number | null; scheduler: string; persistent: number | null } | null;
  /** the real servers of that first service */
  realServers: RealServerState[];
  /** every virtual service of the VIP on the inventory's ports that the kernel has (the first one included) */
  services: VirtualServiceState[];
  /** ldirectord.cf on this balancer: the configured real servers and weights for the VIP */
  config: {
    /** the first port's real servers (as `realServers`) */
    reals: LdirectordRealConfig[];
    quiescent: boolean | null;
    /** every virtual service of the VIP in the file, on any port */
    virtuals: LdirectordVirtualConfig[];
    autoreload: boolean | null;
    /** the first line ldirectord refuses: it would not start or reload with this file */
    refusedAt: { line: number; text: string; reason: string } | null;
  } | null;
  /** connection entries in the table (not templates) */
  connections: number | null;
  problem: string | null;
}

export type SessionHandler = "file" | "database" | "other";

/** Where Moodle keeps this node's sessions, and what decided it (lib/classes/session/manager.php get_handler_class()). */
export interface SessionStore {
  kind: "file" | "database" | "redis" | "memcached" | "other";
  className: string;
  decidedBy: "config.php" | "dbsessions in config.php" | "dbsessions setting" | "Moodle's default";
  /** file: the folder; redis: the server(s); memcached: its save path; null otherwise or when not known */
  location: string | null;
  /** the folder is inside the dataroot: shared by every node when the dataroot is their common NFS mount */
  inDataroot: boolean;
}

/** How Apache runs PHP here: under php-fpm, apachectl graceful leaves the OPcache; php-fpm must be reloaded too. */
export interface PhpState {
  handler: "mod_php" | "php-fpm" | null;
  fpmService: string | null;
  fpmRunning: boolean;
}

export interface WebState extends Freshness {
  name: string;
  server: string;
  clusterAddress: string | null;
  apache: {
    /** systemctl is-active */
    active: boolean | null;
    status: ApacheStatus | null;
    /** requests per second between the last two polls (Apache's ReqPerSec is a lifetime average) */
    requestRate: RequestRate | null;
  };
  php: PhpState | null;
  /** config.php's $CFG->wwwroot: the address Moodle answers for (others get a 303 to it) */
  wwwroot: string | null;
  moodle: { version: string; release: string; branch: string | null } | null;
  /** from config.php and Moodle's dbsessions setting */
  sessionHandler: SessionHandler | null;
  sessionStore: SessionStore | null;
  /** a hash over the code folder's files: differs between nodes serving different code */
  codeFingerprint: string | null;
  /** users get Moodle's maintenance page (503): climaintenance.html, or maintenance switched on in the settings */
  maintenance: boolean | null;
  /** climaintenance.html exists in the (shared) dataroot: Moodle's CLI maintenance mode */
  maintenanceCli: boolean | null;
  /** config.php sets a $CFG->maintenance_message that is not blank (it replaces the page's text) */
  maintenanceMessageInConfig: boolean | null;
  /** session files touched within the session timeout (file handler only), anonymous visitors' included */
  fileSessions: number | null;
  nfs: { mounted: boolean; source: string | null; fstype: string | null } | null;
}

export interface DrbdPeerState {
  name: string;
  /** Connected, Connecting, StandAlone, WFConnection... */
  connection: string;
  role: string | null;
  disk: string | null;
  /** Established, SyncSource, SyncTarget, PausedSync..., Off */
  replication: string | null;
  donePercent: number | null;
}

export interface DrbdResourceState {
  resource: string;
  role: string;
  disk: string;
  peers: DrbdPeerState[];
  outOfSyncKb: number | null;
  /** seconds left of a running resync, when DRBD says */
  etaSeconds: number | null;
  /** resync speed, KiB/s */
  speedKbps: number | null;
}

export interface StorageState extends Freshness {
  name: string;
  server: string;
  drbd: DrbdResourceState[];
  /** null when exportfs could not be read; [] when nothing is exported */
  exports: NfsExport[] | null;
  /** holds the inventory's NFS address (when it names one) */
  holdsNfsAddress: boolean;
}

export interface DatabaseState extends Freshness {
  name: string;
  server: string;
  readOnly: boolean | null;
  /** MySQL only (MariaDB has none: its read_only does not stop READ_ONLY ADMIN accounts) */
  superReadOnly: boolean | null;
  threadsConnected: number | null;
  /** what the server says it is: the port it listens on, its server_id, @@version */
  port: number | null;
  serverId: number | null;
  version: string | null;
  master: MasterStatus | null;
  /** MariaDB's GTID positions ("0-1-105" form, "" when empty) */
  gtid: { binlogPos: string; currentPos: string; slavePos: string } | null;
  /** null when not known; isReplica false when the server has no replication configured */
  replication: { isReplica: boolean; channel: ReplicationChannel | null } | null;
  /** true lag: the replica's clock minus its current source's pt-heartbeat row, seconds */
  heartbeatLagSeconds: number | null;
  /** the age of the pt-heartbeat row this server writes itself (on the source: whether pt-heartbeat runs, in UTC) */
  ownHeartbeatAgeSeconds: number | null;
  /** whether the heartbeat table could be read at all */
  heartbeatRead: boolean;
  /** live rows in mdl_sessions (database session handler), counted where the query ran */
  databaseSessions: number | null;
  /** MariaDB: sessions of accounts read_only does not stop (READ_ONLY ADMIN); null when not known */
  readOnlyAdmins: { sessions: number; accounts: string[] } | null;
  /** what the server refused to answer in the vitals query (a missing table or grant), with its ERROR line */
  queryErrors: string[];
}

export interface ClusterState {
  clusterId: string;
  takenAt: number;
  vip: string;
  /** balancers holding the VIP on one of their own interfaces */
  vipHolders: string[];
  servers: { name: string; label: string }[];
  hosts: HostState[];
  balancers: BalancerState[];
  web: WebState[];
  storage: StorageState[];
  databases: DatabaseState[];
  /** Moodle's own settings (mdl_config), read on the source database when there is one; null when not read */
  moodle: { settings: MoodleSettings; from: string } | null;
}
