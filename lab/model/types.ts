// The seam between the lab's core (clock, VMs, network, SSH servers, shell, balancers,
// traffic, faults, control API) and its tiers (web, storage, database in lab/tiers/).
// The core implements World and calls the tiers through Tiers; the tiers never touch
// sockets or the SSH layer.

import type { FileAccess } from "../shell/access";

export type ServerName = "A" | "B";
export type VmName = "lb1" | "lb2" | "web1" | "web2" | "fs1" | "fs2" | "db1" | "db2";
export type WebVm = "web1" | "web2";
export type FsVm = "fs1" | "fs2";
export type DbVm = "db1" | "db2";
export type LbVm = "lb1" | "lb2";
export type VmRole = "lb" | "web" | "fs" | "db";

export const VMS: readonly VmName[] = ["lb1", "web1", "fs1", "db1", "lb2", "web2", "fs2", "db2"];

export interface VmInfo {
  name: VmName;
  role: VmRole;
  server: ServerName;
  /** the VM's address on the cluster's private network (eth1), e.g. 192.168.10.11 */
  clusterAddress: string;
  hostname: string;
}

export type FaultKind =
  | "vm-off"
  | "server-off"
  | "service-stop"
  | "service-crash"
  | "link-cut"
  | "replication-break"
  | "replica-slow"
  | "disk-full";

export interface Fault {
  id: string;
  kind: FaultKind;
  /** vm name, server name ("A"/"B"), "<vm>:<service>" for service-stop and service-crash, "" for link-cut */
  target: string;
  /** model time (epoch ms) it was injected */
  since: number;
}

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** exponentially distributed with the given mean */
  exp(mean: number): number;
}

export interface LabSettings {
  seed: number;
  speed: number;
  vip: string;
  vipPort: number;
  persistenceSeconds: number;
  scheduler: string;
  dirroot: string;
  dataroot: string;
  phpPath: string;
  drbdResource: string;
  /** "9" prints drbdadm status in 9.x style, "8.4" makes /proc/drbd the native view */
  drbdVersion: "9" | "8.4";
  nfsExport: string;
  nfsAddress: string;
  mysqlDefaultsFile: string;
  heartbeatTable: string;
  /** "mysql8" answers SHOW REPLICA STATUS with Replica_* fields; "mysql57" and "mariadb" differ as the real ones do */
  mysqlFlavour: "mysql8" | "mysql57" | "mariadb";
  /** "emulated": the model answers as MariaDB 10.11; "real": Debian's mariadbd on db1/db2 (needs root and mariadb-server) */
  dbBackend: "emulated" | "real";
  /** Moodle session handler written into config.php on both web nodes */
  sessionHandler: "file" | "database";
  /** how Apache runs PHP on the web nodes: mod_php under the prefork MPM (Debian's default) or php-fpm under event */
  phpHandler: "mod_php" | "php-fpm";
  heartbeatDeadtimeMs: number;
  /** what owns the VIP on lb1/lb2: heartbeat 3.0.6 (haresources, the default) or keepalived 2.2.7 (VRRP) */
  haStack: "heartbeat" | "keepalived";
  /** the VIP's TCP ports: one LVS virtual service and one ldirectord.cf block each (users browse on vipPort) */
  ports: number[];
}

export interface World {
  readonly settings: LabSettings;
  readonly rng: Rng;
  /** the lab's state directory (absolute), e.g. <project>/.lab */
  readonly dir: string;
  /** model time, epoch ms; runs `speed` times faster than real time */
  now(): number;
  vm(name: VmName): VmInfo;
  /** the VM and its physical server are powered on */
  isUp(vm: VmName): boolean;
  /** both up, and on the same physical server or the link between servers is up */
  canReach(from: VmName, to: VmName): boolean;
  serviceRunning(vm: VmName, service: string): boolean;
  setService(vm: VmName, service: string, running: boolean): void;
  hasFault(kind: FaultKind, target?: string): boolean;
  faults(): readonly Fault[];
  /** real folder holding the VM's own filesystem (files not covered by a mount) */
  vmRoot(vm: VmName): string;
  /** map a path as seen on a VM to a real path, following the tiers' mounts; throws ToolError when unreadable */
  resolvePath(vm: VmName, path: string): string;
  diskFull(vm: VmName): boolean;
  /** owners of the VMs' files and who may read or write them (accounts, modes; root may do anything) */
  readonly access: FileAccess;
  /** append a line to the lab's own log (shown by `npm run lab` and in /truth) */
  log(message: string): void;
}

export interface ExecContext {
  world: World;
  vm: VmName;
  /** argv[0] is the command name as typed (basename resolution already done) */
  argv: string[];
  stdin: string;
  /** environment variables given to the command */
  env: Record<string, string>;
  /** the shell's working directory (absolute, as seen on the VM); added by the core, optional for callers */
  cwd?: string;
  /** the account the command runs as (the SSH login, or sudo's target); absent = root, as in the tiers' own tests */
  user?: string;
  /** the shell's umask for files the command creates; absent = 0o022, the login shell's */
  umask?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export type ToolRun = (ctx: ExecContext) => ExecResult | Promise<ExecResult>;

export interface Tool {
  /** roles of VM on which the command is installed; elsewhere it answers 127 like a shell */
  roles: readonly VmRole[] | "all";
  run: ToolRun;
}

/** thrown by tools and resolvePath; the shell turns it into stderr + exit code */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** a web request as the core's traffic generator hands it to a web node */
export interface WebRequest {
  userId: string;
  kind: "login" | "click" | "logout";
  sessionId: string | null;
}

export interface WebResponse {
  status: number;
  sessionId: string | null;
}

/** an HTTP request from outside the cluster that LVS forwarded to a web node (the lab's site front) */
export interface SiteRequest {
  method: string;
  /** path and query exactly as the client sent them, e.g. `/login/index.php?x=1` */
  target: string;
  /** the Host header */
  host: string;
  clientAddress: string;
}

export interface SiteResponse {
  status: number;
  reason: string;
  headers: [string, string][];
  body: string;
}

/** the three tiers (lab/tiers/index.ts exports createTiers(world): Tiers) */
export interface Tiers {
  tick(dtMs: number): void;
  tools: Record<string, Tool>;
  /** JSON-able real state of web, storage and database */
  truth(): { web: unknown; storage: unknown; database: unknown };
  onFault(fault: Fault, active: boolean): void;
  /** a VM powered off (or on): tiers react (Apache stops, DRBD peer lost, ...) */
  onPower(vm: VmName, up: boolean): void;
  /** optional: `systemctl reload|restart <unit>` succeeded on a running service (e.g. Apache's graceful restart resets opcache) */
  onServiceControl?(vm: VmName, service: string, verb: "reload" | "restart"): void;
  serveRequest(node: WebVm, request: WebRequest): WebResponse;
  /** optional: Apache + Moodle on `node` answering a real HTTP request; null = connection refused (Apache down) */
  siteRequest?(node: WebVm, request: SiteRequest): SiteResponse | null;
  /** what ldirectord's HTTP negotiate check sees when it asks this node */
  healthCheck(node: WebVm): boolean;
  /** paths a VM sees through mounts (e.g. NFS dataroot on web nodes); null if not a mount */
  resolveMount(vm: VmName, path: string): string | null;
  /** optional: files the tiers generate on read, e.g. /proc/drbd; null = not theirs */
  virtualFile?(vm: VmName, path: string): string | null;
  /** optional: extra addresses the tiers hold, e.g. the NFS service address on the DRBD primary's eth1 */
  extraAddresses?(vm: VmName): readonly TierAddress[];
  /** optional: stop what the tiers run outside the model (the real database backend's mariadbd) */
  stop?(): Promise<void>;
  /** optional: extra mounted filesystems `df` lists, e.g. /dev/drbd0 on the primary, NFS on web nodes */
  mounts?(vm: VmName): readonly TierMount[];
}

export interface TierAddress {
  /** "eth0" | "eth1" */
  iface: string;
  address: string;
  prefix: number;
}

export interface TierMount {
  source: string;
  target: string;
  /** 1K blocks */
  sizeKb: number;
  usedKb: number;
}
