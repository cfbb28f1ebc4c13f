import type { Finding, Severity, Tier } from "@/lib/cluster/findings-types";
import type {
  BalancerState,
  ClusterState,
  DatabaseState,
  DrbdResourceState,
  Freshness,
  HostState,
  LdirectordRealConfig,
  RealServerState,
  StorageState,
  WebState,
} from "@/lib/cluster/state";
import type { Role } from "@/lib/inventory/schema";

// Pure helpers that turn a ClusterView into what the pages show. No React, no I/O.

const SEVERITY_RANK: Record<Severity, number> = { ok: 0, warning: 1, critical: 2 };
const TIER_ORDER: Tier[] = ["host", "balancer", "web", "storage", "database"];
const ROLE_ORDER: Role[] = ["lb", "web", "fs", "db"];

export function worstSeverity(findings: readonly Finding[]): Severity {
  let worst: Severity = "ok";
  for (const f of findings) if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]) worst = f.severity;
  return worst;
}

/** Critical first, then warnings; within a severity by tier (host → database), then component. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      TIER_ORDER.indexOf(a.tier) - TIER_ORDER.indexOf(b.tier) ||
      a.component.localeCompare(b.component) ||
      a.rule.localeCompare(b.rule),
  );
}

export function findingsOfTier(findings: readonly Finding[], tier: Tier): Finding[] {
  return sortFindings(findings.filter((f) => f.tier === tier));
}

export function findingsAbout(findings: readonly Finding[], vm: string): Finding[] {
  return sortFindings(findings.filter((f) => f.hosts.includes(vm) || f.component === vm));
}

/** What colours a VM: grey when we cannot see it (whatever the rules say), else its worst finding. */
export type VmTone = Severity | "stale";

export function isSilent(x: Freshness): boolean {
  return !x.reachable || x.stale;
}

export function vmTone(x: Freshness, findings: readonly Finding[], vm: string): VmTone {
  if (isSilent(x)) return "stale";
  return worstSeverity(findingsAbout(findings, vm));
}

/** The words the overview (and its e2e test) use for a VM's reachability. */
export type VmStatus = "up" | "late" | "stale" | "down" | "key-rejected" | "unknown";

export function vmStatus(host: HostState): VmStatus {
  if (host.keyRejected) return "key-rejected";
  if (!host.reachable && host.lastSeenAt === null && host.error === null) return "unknown";
  if (!host.reachable) return "down";
  if (host.stale) return "stale";
  return host.late ? "late" : "up";
}

export function hostsOfServer(state: ClusterState, server: string): HostState[] {
  return state.hosts
    .filter((h) => h.server === server)
    .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.name.localeCompare(b.name));
}

/** The fullest real filesystem (tmpfs and friends say nothing about the VM's disk). */
export function fullestDisk(host: HostState): { mount: string; usedPercent: number } | null {
  let best: { mount: string; usedPercent: number } | null = null;
  for (const d of host.disks) {
    if (d.usedPercent === null || /^(tmpfs|devtmpfs|udev|overlay|shm)$/.test(d.filesystem)) continue;
    if (!best || d.usedPercent > best.usedPercent) best = { mount: d.mount, usedPercent: d.usedPercent };
  }
  return best;
}

export function vipLine(state: Pick<ClusterState, "vip" | "vipHolders">): { text: string; ok: boolean } {
  const { vip, vipHolders } = state;
  if (vipHolders.length === 1) return { text: `VIP ${vip} on ${vipHolders[0]}`, ok: true };
  if (vipHolders.length === 0) return { text: `VIP ${vip} is on no balancer`, ok: false };
  return { text: `VIP ${vip} is on ${vipHolders.join(" and ")} at once`, ok: false };
}

/** Newest time any host answered: what "how fresh is this page" means when hosts differ. */
export function newestSeen(items: readonly Freshness[]): number | null {
  let newest: number | null = null;
  for (const x of items) if (x.lastSeenAt !== null && (newest === null || x.lastSeenAt > newest)) newest = x.lastSeenAt;
  return newest;
}

// ---- balancer ----

export type RealServerDriftKind = "in-step" | "weight-differs" | "missing-at-runtime" | "not-configured" | "unknown";

export interface RealServerDrift {
  address: string;
  port: number | null;
  host: string | null;
  configWeight: number | null;
  runtimeWeight: number | null;
  kind: RealServerDriftKind;
  /** what the difference means, in an operator's words */
  note: string | null;
}

const endpointKey = (address: string, port: number | null) => `${address}:${port ?? "*"}`;

/**
 * ldirectord.cf against the kernel's table, one row per real server in either. With `quiescent = yes`
 * ldirectord sets weight 0 on a failed check instead of removing the server, so a 0 at runtime is
 * either a drain or a failing health check; with `quiescent = no` a failed server disappears.
 */
export function realServerDrift(balancer: BalancerState, webHosts: readonly { name: string; clusterAddress: string | null }[] = []): RealServerDrift[] {
  const firstPort = balancer.service?.port ?? balancer.config?.virtuals.find((v) => v.reals === balancer.config?.reals)?.port ?? null;
  // the first port as the balancer has it, then every other port of the VIP, each compared on its own
  const others = [...new Set([...balancer.services.map((s) => s.port), ...(balancer.config?.virtuals.map((v) => v.port) ?? [])])].filter((p) => p !== null && p !== firstPort);
  const rows = driftOfPort(balancer, balancer.realServers, balancer.config?.reals ?? null, balancer.service !== null, webHosts);
  for (const port of others) {
    const service = balancer.services.find((s) => s.port === port);
    const configured = balancer.config ? (balancer.config.virtuals.find((v) => v.port === port)?.reals ?? []) : null;
    rows.push(...driftOfPort(balancer, service?.realServers ?? [], configured, service !== undefined, webHosts));
  }
  return rows;
}

function driftOfPort(
  balancer: BalancerState,
  realServers: readonly RealServerState[],
  configured: readonly LdirectordRealConfig[] | null,
  hasService: boolean,
  webHosts: readonly { name: string; clusterAddress: string | null }[],
): RealServerDrift[] {
  const hostOf = (address: string) => webHosts.find((w) => w.clusterAddress === address)?.name ?? null;
  if (!balancer.config || configured === null) {
    return realServers.map((rs) => ({
      address: rs.address,
      port: rs.port,
      host: rs.host ?? hostOf(rs.address),
      configWeight: null,
      runtimeWeight: rs.weight,
      kind: "unknown",
      note: "ldirectord.cf could not be read",
    }));
  }
  const runtime = new Map<string, RealServerState>();
  for (const rs of realServers) runtime.set(endpointKey(rs.address, rs.port), rs);
  const rows: RealServerDrift[] = [];
  const quiescent = balancer.config.quiescent;
  for (const cfg of configured) {
    const key = endpointKey(cfg.address, cfg.port);
    const rs = runtime.get(key) ?? (cfg.port === null ? realServers.find((r) => r.address === cfg.address) : undefined);
    if (rs) runtime.delete(endpointKey(rs.address, rs.port));
    const host = rs?.host ?? hostOf(cfg.address);
    if (!hasService && !rs) {
      rows.push({ address: cfg.address, port: cfg.port, host, configWeight: cfg.weight, runtimeWeight: null, kind: "unknown", note: "no virtual service at runtime" });
    } else if (!rs) {
      rows.push({
        address: cfg.address,
        port: cfg.port,
        host,
        configWeight: cfg.weight,
        runtimeWeight: null,
        kind: "missing-at-runtime",
        note: quiescent === false ? "removed by ldirectord: its health check fails" : "configured but not in the kernel's table",
      });
    } else if (rs.weight !== cfg.weight) {
      const note =
        rs.weight === 0
          ? quiescent
            ? "weight 0: drained, or quiesced by a failing health check"
            : "weight 0: drained by hand"
          : `runtime weight ${rs.weight}, ldirectord.cf says ${cfg.weight}`;
      rows.push({ address: cfg.address, port: cfg.port, host, configWeight: cfg.weight, runtimeWeight: rs.weight, kind: "weight-differs", note });
    } else {
      const drained = cfg.drainedFrom !== null && cfg.drainedFrom !== undefined ? `drained by ClusterDeck (weight ${cfg.drainedFrom === "default" ? "unset" : cfg.drainedFrom} before)` : null;
      rows.push({ address: cfg.address, port: cfg.port, host, configWeight: cfg.weight, runtimeWeight: rs.weight, kind: "in-step", note: drained });
    }
  }
  for (const rs of runtime.values()) {
    rows.push({
      address: rs.address,
      port: rs.port,
      host: rs.host ?? hostOf(rs.address),
      configWeight: null,
      runtimeWeight: rs.weight,
      kind: "not-configured",
      note: "in the kernel's table but not in ldirectord.cf: added by hand, gone at the next reload",
    });
  }
  return rows;
}

/** Seconds left on a sticky pin, counted down from when the snapshot was taken. */
export function remainingSeconds(seconds: number | null, takenAt: number, now: number): number | null {
  if (seconds === null) return null;
  return Math.max(0, seconds - Math.max(0, (now - takenAt) / 1000));
}

// ---- web ----

export type FingerprintMark = "same" | "differs" | "unknown";

export interface CodeDrift {
  /** known fingerprints disagree */
  differ: boolean;
  /** the fingerprint most nodes serve (ties: the first seen) */
  common: string | null;
  byNode: Record<string, FingerprintMark>;
}

export function codeDrift(web: readonly WebState[]): CodeDrift {
  const counts = new Map<string, number>();
  for (const w of web) if (w.codeFingerprint !== null) counts.set(w.codeFingerprint, (counts.get(w.codeFingerprint) ?? 0) + 1);
  let common: string | null = null;
  for (const [fp, n] of counts) if (common === null || n > (counts.get(common) ?? 0)) common = fp;
  const differ = counts.size > 1;
  const byNode: Record<string, FingerprintMark> = {};
  for (const w of web) {
    byNode[w.name] = w.codeFingerprint === null ? "unknown" : differ && w.codeFingerprint !== common ? "differs" : "same";
  }
  return { differ, common, byNode };
}

/** Moodle versions differ between nodes ($version, not just the code). */
export function versionsDiffer(web: readonly WebState[]): boolean {
  return new Set(web.flatMap((w) => (w.moodle ? [w.moodle.version] : []))).size > 1;
}

/** The writable source: not a replica and not read-only. Null when none or more than one qualifies. */
export function sourceDatabase(databases: readonly DatabaseState[]): DatabaseState | null {
  const sources = databases.filter((d) => d.replication?.isReplica === false && d.readOnly === false);
  return sources.length === 1 ? (sources[0] ?? null) : null;
}

export interface SessionCount {
  /** per node, file sessions (null: not known or not the file handler) */
  fileByNode: { node: string; handler: WebState["sessionHandler"]; files: number | null }[];
  /**
   * Every file-session node keeps them in one folder of the dataroot they share over NFS: each node counts the
   * same files, so the cluster has that many once (the freshest count), not the sum.
   */
  sharedFolder: string | null;
  /** session files in the cluster: counted once when shared, summed over nodes otherwise; null when not known */
  fileTotal: number | null;
  /** mdl_sessions rows on the source database; null when not known */
  database: number | null;
  databaseFrom: string | null;
}

/** The one folder all file-session nodes share through the same NFS mount of the dataroot, or null. */
export function sharedSessionFolder(web: readonly WebState[]): string | null {
  const files = web.filter((w) => w.sessionStore?.kind === "file");
  const first = files[0]?.sessionStore;
  if (!first?.location || files.length < 2) return null;
  const shared = files.every(
    (w) => w.sessionStore?.location === first.location && w.sessionStore.inDataroot && w.nfs?.mounted === true && /^nfs/.test(w.nfs.fstype ?? "") && w.nfs.source === files[0]?.nfs?.source,
  );
  return shared ? first.location : null;
}

export function sessionCounts(web: readonly WebState[], databases: readonly DatabaseState[]): SessionCount {
  const source = sourceDatabase(databases);
  const sharedFolder = sharedSessionFolder(web);
  const counts = web.filter((w) => w.sessionHandler === "file").map((w) => w.fileSessions);
  const known = counts.filter((c): c is number => c !== null);
  const freshest = [...web].filter((w) => w.sessionHandler === "file" && w.fileSessions !== null).sort((a, b) => (b.lastSeenAt ?? 0) - (a.lastSeenAt ?? 0))[0];
  return {
    fileByNode: web.map((w) => ({ node: w.name, handler: w.sessionHandler, files: w.fileSessions })),
    sharedFolder,
    fileTotal: known.length === 0 ? null : sharedFolder !== null ? (freshest?.fileSessions ?? null) : known.length === counts.length ? known.reduce((a, b) => a + b, 0) : null,
    database: source?.databaseSessions ?? null,
    databaseFrom: source?.name ?? null,
  };
}

export interface MaintenanceSource {
  /** users get the maintenance page */
  on: boolean | null;
  /** climaintenance.html (Moodle's CLI maintenance mode), on the nodes that see it */
  cliOn: string[];
  /** switched on in Site administration (maintenance_enabled in mdl_config); null when the setting was not read */
  setting: boolean | null;
  /** in words, for the page and the finding */
  text: string;
}

/** Why users get Moodle's maintenance page, if they do: the page and the finding both say it this way. */
export function maintenanceSource(state: Pick<ClusterState, "web" | "moodle">): MaintenanceSource {
  const answering = state.web.filter((w) => w.reachable && !w.stale);
  const cliOn = answering.filter((w) => w.maintenanceCli === true).map((w) => w.name);
  const setting = state.moodle?.settings.maintenanceEnabled ?? null;
  const on = cliOn.length > 0 || setting === true ? true : answering.some((w) => w.maintenance === false) ? false : null;
  const parts = [
    ...(cliOn.length > 0 ? [`CLI maintenance mode (climaintenance.html, seen on ${cliOn.join(", ")})`] : []),
    ...(setting === true ? ["switched on in Site administration (maintenance_enabled)"] : []),
  ];
  const text = on === true ? parts.join(" and ") : on === false ? (setting === null ? "off (no climaintenance.html; the site setting was not read)" : "off") : "unknown";
  return { on, cliOn, setting, text };
}

export function phpHandlerText(php: WebState["php"]): string {
  if (!php) return "unknown";
  if (php.handler === "php-fpm") return `php-fpm (${php.fpmService ?? "?"}${php.fpmRunning ? ", running" : ", NOT running"}): a code change needs php-fpm reloaded too`;
  if (php.handler === "mod_php") return "mod_php: Apache's graceful reload starts PHP's OPcache afresh";
  return "neither mod_php nor php-fpm is enabled in /etc/apache2";
}

// ---- storage ----

export interface ResyncProgress {
  resource: string;
  /** 0–100, null when DRBD gives no figure */
  percent: number | null;
  etaSeconds: number | null;
  speedKbps: number | null;
  outOfSyncKb: number | null;
  /** SyncSource / SyncTarget / PausedSync… as the peer shows it */
  replication: string;
  peer: string;
}

const SYNCING = /^(SyncSource|SyncTarget|PausedSync[ST]|StartingSync[ST]|WFBitMap[ST]|WFSyncUUID)$/;

/** A running (or paused) resync on this resource, or null when the peers are in step. */
export function resyncOf(resource: DrbdResourceState): ResyncProgress | null {
  const peer = resource.peers.find((p) => p.replication !== null && SYNCING.test(p.replication));
  if (!peer || peer.replication === null) return null;
  return {
    resource: resource.resource,
    percent: peer.donePercent,
    etaSeconds: resource.etaSeconds,
    speedKbps: resource.speedKbps,
    outOfSyncKb: resource.outOfSyncKb,
    replication: peer.replication,
    peer: peer.name,
  };
}

/** Resources more than one live file server calls Primary: DRBD split brain. */
export function dualPrimaries(storage: readonly StorageState[]): string[] {
  const primaries = new Map<string, number>();
  for (const s of storage) {
    if (isSilent(s)) continue;
    for (const r of s.drbd) if (r.role === "Primary") primaries.set(r.resource, (primaries.get(r.resource) ?? 0) + 1);
  }
  return [...primaries].filter(([, n]) => n > 1).map(([resource]) => resource);
}

/** The file server holding the NFS address; null when none does (or none says). */
export function nfsHolders(storage: readonly StorageState[]): string[] {
  return storage.filter((s) => s.holdsNfsAddress && !isSilent(s)).map((s) => s.name);
}

/** Both peers' views of the same resource, keyed by resource name, in inventory order. */
export function drbdResources(storage: readonly StorageState[]): string[] {
  return [...new Set(storage.flatMap((s) => s.drbd.map((r) => r.resource)))];
}

// ---- database ----

export interface LagReading {
  secondsBehind: number | null;
  heartbeatSeconds: number | null;
  disagree: boolean;
  /** why the two figures disagree, when they do */
  reason: string | null;
}

/**
 * Seconds_Behind_Source is NULL while a thread is stopped, and reads 0 when the IO thread has
 * quietly stopped receiving or under parallel apply; the heartbeat row is the true lag. Flag any
 * gap over `toleranceSeconds` (the heartbeat is written once a second, so ~1–2 s is normal).
 */
export function lagReading(db: DatabaseState, toleranceSeconds = 5): LagReading {
  const channel = db.replication?.channel ?? null;
  const secondsBehind = channel?.secondsBehind ?? null;
  const heartbeatSeconds = db.heartbeatLagSeconds;
  if (!channel) return { secondsBehind, heartbeatSeconds, disagree: false, reason: null };
  if (secondsBehind === null && heartbeatSeconds !== null) {
    return {
      secondsBehind,
      heartbeatSeconds,
      disagree: true,
      reason: `Seconds_Behind is NULL (a replication thread is stopped or reconnecting); the heartbeat is ${formatSeconds(heartbeatSeconds)} old`,
    };
  }
  if (secondsBehind !== null && heartbeatSeconds !== null && Math.abs(secondsBehind - heartbeatSeconds) > toleranceSeconds) {
    return {
      secondsBehind,
      heartbeatSeconds,
      disagree: true,
      reason:
        secondsBehind < heartbeatSeconds
          ? `Seconds_Behind says ${formatSeconds(secondsBehind)} but the heartbeat is ${formatSeconds(heartbeatSeconds)} old: trust the heartbeat`
          : `Seconds_Behind says ${formatSeconds(secondsBehind)} but the heartbeat is only ${formatSeconds(heartbeatSeconds)} old`,
    };
  }
  return { secondsBehind, heartbeatSeconds, disagree: false, reason: null };
}

function formatSeconds(s: number): string {
  return `${s < 10 ? s.toFixed(1).replace(/\.0$/, "") : Math.round(s)} s`;
}

export type ThreadTone = "ok" | "warning" | "critical" | "unknown";

export function threadTone(running: "Yes" | "No" | "Connecting" | null | undefined): ThreadTone {
  if (running === "Yes") return "ok";
  if (running === "Connecting") return "warning";
  if (running === "No") return "critical";
  return "unknown";
}

// ---- display: unknown is "—", never 0 ----

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}

const BINARY_UNITS = ["KiB", "MiB", "GiB", "TiB"];

export function formatKb(kb: number | null | undefined): string {
  if (kb === null || kb === undefined) return "—";
  let value = kb;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${BINARY_UNITS[unit]}`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  return bytes < 1024 ? `${bytes} B` : formatKb(bytes / 1024);
}

export function formatLag(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? "unknown" : formatSeconds(seconds);
}

export function yesNo(value: boolean | null | undefined, yes = "yes", no = "no"): string {
  return value === null || value === undefined ? "unknown" : value ? yes : no;
}

/**
 * The moment from which every answering host's values are known to come: the oldest of their latest
 * polls' send times. A change made before it shows in the state (on the hosts that answer).
 */
export function readingsSince(state: ClusterState): number {
  const answering = state.hosts.filter((h) => h.reachable);
  if (answering.length === 0) return 0;
  return Math.min(...answering.map((h) => h.sentAt ?? 0));
}
