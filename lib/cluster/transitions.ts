import type {
  BalancerState,
  ClusterState,
  DatabaseState,
  DrbdResourceState,
  Freshness,
  HostState,
  StorageState,
  WebState,
} from "@/lib/cluster/state";
import type { ClusterSpec } from "@/lib/inventory/schema";
import type { IoThreadState } from "@/lib/probes/mysql-replica-status";

/**
 * "workflow": steps and outcomes of guided workflows (lib/workflows), written by the engine, not by transitions;
 * "operator": what people do outside workflows (incident notes, settings changes)
 */
export const EVENT_TIERS = ["host", "balancer", "web", "storage", "database", "workflow", "operator"] as const;
export type EventTier = (typeof EVENT_TIERS)[number];
export const EVENT_SEVERITIES = ["info", "warning", "critical"] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

export const EVENT_KINDS = [
  "host.unreachable",
  "host.back",
  "vip.moved",
  "ha.state-changed",
  "lvs.weight-changed",
  "lvs.real-added",
  "lvs.real-removed",
  "apache.down",
  "apache.up",
  "code.version-changed",
  "maintenance.on",
  "maintenance.off",
  "drbd.state-changed",
  "replication.thread-stopped",
  "replication.thread-started",
  "replication.lag-over",
  "replication.lag-back",
  "replication.error",
  "replication.configured",
  "replication.removed",
  "database.read-only-changed",
  "workflow.started",
  "workflow.step",
  "workflow.override",
  "workflow.finished",
  "incident.note",
  "settings.changed",
  "auth.sign-in",
  "auth.sign-in-failed",
  "auth.locked-out",
  "user.added",
  "user.role-changed",
  "user.disabled",
  "user.enabled",
  "user.deleted",
  "user.password-reset",
  "user.password-changed",
  "host.key-unknown",
  "host.key-changed",
  "host.key-accepted",
  "host.key-rejected",
  "host.key-revoked",
  "policy.changed",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface EventDraft {
  /** epoch ms, the snapshot's takenAt */
  at: number;
  clusterId: string;
  host: string | null;
  tier: EventTier;
  kind: EventKind;
  severity: EventSeverity;
  message: string;
  before: JsonValue;
  after: JsonValue;
  /** the operator whose action caused it; transitions never know one */
  actor?: string | null;
}

type Draft = Omit<EventDraft, "at" | "clusterId">;

/**
 * The events between two consecutive states. Values that are not known (null, or a host that does
 * not answer) never produce events: a silent host yields host.unreachable once and nothing else
 * about it until it answers again. Feed `prev` through rememberedState() so "last known" survives gaps.
 */
export function transitionsOf(prev: ClusterState, next: ClusterState, cluster: ClusterSpec): EventDraft[] {
  const drafts: Draft[] = [
    ...hostTransitions(prev, next),
    ...vipTransitions(prev, next),
    ...haTransitions(prev, next),
    ...poolTransitions(prev, next),
    ...webTransitions(prev, next),
    ...maintenanceTransitions(prev, next),
    ...storageTransitions(prev, next),
    ...databaseTransitions(prev, next, cluster.thresholds.replicationLagSeconds),
  ];
  return drafts.map((d) => ({ at: next.takenAt, clusterId: next.clusterId, ...d }));
}

/**
 * What the next comparison should start from: `next`, with the last known value kept wherever
 * `next` does not know one (a silent host's tiers, a probe that failed, a silent VIP holder).
 */
export function rememberedState(prev: ClusterState | null, next: ClusterState): ClusterState {
  if (!prev) return next;
  return {
    ...next,
    vipHolders: vipHoldersOf(prev, next),
    balancers: next.balancers.map((b) => rememberBalancer(next, b, byName(prev.balancers, b.name))),
    web: next.web.map((w) => rememberWeb(next, w, byName(prev.web, w.name))),
    storage: next.storage.map((s) => rememberStorage(next, s, byName(prev.storage, s.name))),
    databases: next.databases.map((d) => rememberDatabase(next, d, byName(prev.databases, d.name))),
  };
}

/** A state whose hosts have never been polled: the baseline before the first snapshot. */
export function unpolledState(state: ClusterState): ClusterState {
  return { ...state, hosts: state.hosts.map((h) => ({ ...h, reachable: false, error: null, lastSeenAt: null, keyRejected: false })) };
}

// ---------------------------------------------------------------- helpers

function byName<T extends { name: string }>(list: T[], name: string): T | undefined {
  return list.find((x) => x.name === name);
}

/** The host answers and its key is trusted: its values in this state are current. */
function answering(state: ClusterState, x: Freshness & { name: string }): boolean {
  return x.reachable && !byName(state.hosts, x.name)?.keyRejected;
}

type Reach = "up" | "down" | "unknown";

function reachOf(h: HostState): Reach {
  if (h.keyRejected) return "down";
  if (h.reachable) return "up";
  return h.error === null && h.lastSeenAt === null ? "unknown" : "down";
}

function keep<T>(next: T | null, prev: T | null | undefined): T | null {
  return next ?? prev ?? null;
}

function seconds(value: number): string {
  return `${value < 10 ? Number(value.toFixed(1)) : Math.round(value)} s`;
}

function oneLine(text: string, max = 160): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function withoutName(text: string, name: string): string {
  return text.startsWith(`${name}:`) ? text.slice(name.length + 1).trimStart() : text;
}

function listNames(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1) ?? ""}`;
}

// ---------------------------------------------------------------- hosts

function hostTransitions(prev: ClusterState, next: ClusterState): Draft[] {
  const out: Draft[] = [];
  for (const h of next.hosts) {
    const before = byName(prev.hosts, h.name);
    const was = before ? reachOf(before) : "unknown";
    const now = reachOf(h);
    if (now === "down" && was !== "down") {
      const why = h.keyRejected ? "its host key was refused" : oneLine(withoutName(h.error ?? "no answer", h.name));
      out.push({
        host: h.name,
        tier: "host",
        kind: "host.unreachable",
        severity: "critical",
        message: `${h.name} stopped answering: ${why}`,
        before: was,
        after: { reachable: false, keyRejected: h.keyRejected, error: h.error },
      });
    } else if (now === "up" && was === "down") {
      out.push({ host: h.name, tier: "host", kind: "host.back", severity: "info", message: `${h.name} answers again`, before: "down", after: "up" });
    }
  }
  return out;
}

// ---------------------------------------------------------------- balancers

/** Holders in `next`; when no answering balancer holds the VIP, a silent former holder is assumed to keep it. */
function vipHoldersOf(prev: ClusterState, next: ClusterState): string[] {
  if (next.vipHolders.length > 0) return [...next.vipHolders].sort();
  return prev.vipHolders
    .filter((name) => {
      const b = byName(next.balancers, name);
      return b !== undefined && !answering(next, b);
    })
    .sort();
}

function vipTransitions(prev: ClusterState, next: ClusterState): Draft[] {
  // Before the first answer from any balancer nobody knows where the VIP was.
  if (prev.vipHolders.length === 0 && !prev.balancers.some((b) => answering(prev, b))) return [];
  const before = [...prev.vipHolders].sort();
  const after = vipHoldersOf(prev, next);
  if (before.join() === after.join()) return [];
  let message: string;
  let severity: EventSeverity = "warning";
  const [holder] = after;
  if (after.length === 0) {
    message = `the VIP ${next.vip} is on no balancer (was on ${listNames(before)})`;
    severity = "critical";
  } else if (after.length > 1) {
    message = `the VIP ${next.vip} is on both ${listNames(after)}${before.length > 0 ? ` (was on ${listNames(before)})` : ""}`;
    severity = "critical";
  } else if (before.length === 0) {
    message = `${holder} took the VIP (it was on no balancer)`;
  } else if (before.length === 1) {
    message = `${holder} took the VIP from ${before[0]}`;
  } else {
    message = `the VIP is on ${holder} only (was on ${listNames(before)})`;
  }
  return [{ host: after.length === 1 ? (holder ?? null) : null, tier: "balancer", kind: "vip.moved", severity, message, before, after }];
}

/** The HA daemon stopping or starting on a balancer, and keepalived's VRRP state changing (MASTER, BACKUP, FAULT). */
function haTransitions(prev: ClusterState, next: ClusterState): Draft[] {
  const out: Draft[] = [];
  for (const b of next.balancers) {
    const p = byName(prev.balancers, b.name);
    if (!p || !answering(next, b)) continue;
    const stack = b.ha.stack;
    if (p.ha.running !== null && b.ha.running !== null && p.ha.running !== b.ha.running) {
      out.push({
        host: b.name,
        tier: "balancer",
        kind: "ha.state-changed",
        severity: b.ha.running ? "info" : b.holdsVip ? "critical" : "warning",
        message: b.ha.running ? `${stack} runs again on ${b.name}` : `${stack} stopped on ${b.name}${b.holdsVip ? ", which holds the VIP" : ""}`,
        before: { running: p.ha.running },
        after: { running: b.ha.running },
      });
    }
    const was = p.ha.vrrp?.state ?? null;
    const now = b.ha.vrrp?.state ?? null;
    if (was !== null && now !== null && was !== now && b.ha.running !== false) {
      out.push({
        host: b.name,
        tier: "balancer",
        kind: "ha.state-changed",
        severity: now === "FAULT" ? "warning" : "info",
        message: `keepalived on ${b.name}: ${b.ha.vrrp?.instance ?? "VRRP"} ${was} → ${now}`,
        before: { state: was },
        after: { state: now },
      });
    }
  }
  return out;
}

function poolTransitions(prev: ClusterState, next: ClusterState): Draft[] {
  const out: Draft[] = [];
  for (const b of next.balancers) {
    const p = byName(prev.balancers, b.name);
    if (!answering(next, b) || !p?.service || !b.service) continue;
    const key = (r: { address: string; port: number | null }) => `${r.address}:${r.port ?? ""}`;
    // every port's pool (a drain changes each); the first port's alone when the services are not known
    const reals = (x: BalancerState) => (x.services.length > 0 ? x.services.flatMap((v) => v.realServers) : x.realServers);
    const ports = new Set([...reals(p), ...reals(b)].map((r) => r.port)).size;
    const before = new Map(reals(p).map((r) => [key(r), r]));
    const after = new Map(reals(b).map((r) => [key(r), r]));
    const labelOf = (r: { host: string | null; address: string; port: number | null }) => `${r.host ?? r.address}${ports > 1 ? ` (port ${r.port ?? "?"})` : ""}`;
    for (const [k, r] of after) {
      const label = labelOf(r);
      const old = before.get(k);
      if (!old) {
        out.push({
          host: b.name,
          tier: "balancer",
          kind: "lvs.real-added",
          severity: "info",
          message: `${label} joined the pool on ${b.name} (weight ${r.weight})`,
          before: null,
          after: { real: label, address: r.address, weight: r.weight },
        });
      } else if (old.weight !== r.weight) {
        out.push({
          host: b.name,
          tier: "balancer",
          kind: "lvs.weight-changed",
          severity: r.weight === 0 ? "warning" : "info",
          message: `${label} weight ${old.weight} → ${r.weight} on ${b.name}`,
          before: { real: label, address: r.address, weight: old.weight },
          after: { real: label, address: r.address, weight: r.weight },
        });
      }
    }
    for (const [k, r] of before) {
      if (after.has(k)) continue;
      const label = labelOf(r);
      out.push({
        host: b.name,
        tier: "balancer",
        kind: "lvs.real-removed",
        severity: "warning",
        message: `${label} left the pool on ${b.name}`,
        before: { real: label, address: r.address, weight: r.weight },
        after: null,
      });
    }
  }
  return out;
}

function rememberBalancer(next: ClusterState, b: BalancerState, p: BalancerState | undefined): BalancerState {
  if (!p) return b;
  if (!answering(next, b) || !b.service) return { ...b, service: p.service, realServers: p.realServers, services: p.services };
  return b;
}

// ---------------------------------------------------------------- web

function webTransitions(prev: ClusterState, next: ClusterState): Draft[] {
  const out: Draft[] = [];
  for (const w of next.web) {
    const p = byName(prev.web, w.name);
    if (!p || !answering(next, w)) continue;
    const was = p.apache.active;
    const now = w.apache.active;
    if (was !== null && now !== null && was !== now) {
      out.push(
        now
          ? { host: w.name, tier: "web", kind: "apache.up", severity: "info", message: `Apache runs again on ${w.name}`, before: was, after: now }
          : { host: w.name, tier: "web", kind: "apache.down", severity: "critical", message: `Apache stopped on ${w.name}`, before: was, after: now },
      );
    }
    if (p.moodle && w.moodle && (p.moodle.version !== w.moodle.version || p.moodle.release !== w.moodle.release)) {
      const before = { version: p.moodle.version, release: p.moodle.release };
      const after = { version: w.moodle.version, release: w.moodle.release };
      const message =
        before.release === after.release
          ? `${w.name} code version ${before.version} → ${after.version}`
          : `${w.name} code ${before.release} → ${after.release} (version ${before.version} → ${after.version})`;
      out.push({ host: w.name, tier: "web", kind: "code.version-changed", severity: "info", message, before, after });
    }
  }
  return out;
}

function maintenanceOf(flags: (boolean | null)[]): boolean | null {
  if (flags.includes(true)) return true;
  return flags.includes(false) ? false : null;
}

/** The flag lives in the shared dataroot, so it is one event for the cluster, not one per node. */
function maintenanceTransitions(prev: ClusterState, next: ClusterState): Draft[] {
  const was = maintenanceOf(prev.web.map((w) => w.maintenance));
  const now = maintenanceOf(next.web.filter((w) => answering(next, w)).map((w) => w.maintenance));
  if (was === null || now === null || was === now) return [];
  return [
    now
      ? { host: null, tier: "web", kind: "maintenance.on", severity: "warning", message: "Moodle maintenance mode on", before: was, after: now }
      : { host: null, tier: "web", kind: "maintenance.off", severity: "info", message: "Moodle maintenance mode off", before: was, after: now },
  ];
}

function rememberWeb(next: ClusterState, w: WebState, p: WebState | undefined): WebState {
  if (!p) return w;
  if (!answering(next, w)) return { ...p, ...freshnessOf(w) };
  return {
    ...w,
    apache: { ...w.apache, active: keep(w.apache.active, p.apache.active) },
    moodle: keep(w.moodle, p.moodle),
    maintenance: keep(w.maintenance, p.maintenance),
  };
}

function freshnessOf(x: Freshness): Freshness {
  return { reachable: x.reachable, stale: x.stale, error: x.error, lastSeenAt: x.lastSeenAt };
}

// ---------------------------------------------------------------- storage

interface DrbdView {
  role: string;
  disk: string;
  peer: string | null;
  connection: string | null;
  replication: string | null;
  [key: string]: string | null;
}

const DRBD_FIELDS = ["role", "disk", "connection", "replication"] as const;

function drbdView(r: DrbdResourceState): DrbdView {
  const join = (pick: (p: DrbdResourceState["peers"][number]) => string | null) =>
    r.peers.length === 0 ? null : r.peers.map((p) => (r.peers.length > 1 ? `${p.name}:${pick(p) ?? "?"}` : (pick(p) ?? "?"))).join(",");
  return {
    role: r.role,
    disk: r.disk,
    peer: r.peers.map((p) => p.name).join(",") || null,
    connection: join((p) => p.connection),
    replication: join((p) => p.replication),
  };
}

function drbdSeverity(before: DrbdView, after: DrbdView): EventSeverity {
  if (["Diskless", "Failed"].includes(after.disk) || after.connection === "StandAlone" || after.connection === null) return "critical";
  if (after.role !== before.role || after.disk !== "UpToDate" || after.connection !== "Connected") return "warning";
  return "info";
}

function storageTransitions(prev: ClusterState, next: ClusterState): Draft[] {
  const out: Draft[] = [];
  for (const s of next.storage) {
    const p = byName(prev.storage, s.name);
    if (!p || !answering(next, s)) continue;
    for (const r of s.drbd) {
      const old = p.drbd.find((x) => x.resource === r.resource);
      if (!old) continue;
      const before = drbdView(old);
      const after = drbdView(r);
      const changed = DRBD_FIELDS.filter((f) => before[f] !== after[f]);
      if (changed.length === 0) continue;
      out.push({
        host: s.name,
        tier: "storage",
        kind: "drbd.state-changed",
        severity: drbdSeverity(before, after),
        message: `${s.name} ${r.resource}: ${changed.map((f) => `${f} ${before[f] ?? "?"} → ${after[f] ?? "?"}`).join(", ")}`,
        before: { resource: r.resource, ...before },
        after: { resource: r.resource, ...after },
      });
    }
  }
  return out;
}

function rememberStorage(next: ClusterState, s: StorageState, p: StorageState | undefined): StorageState {
  if (!p) return s;
  if (!answering(next, s)) return { ...p, ...freshnessOf(s) };
  const missing = p.drbd.filter((r) => !s.drbd.some((x) => x.resource === r.resource));
  return missing.length === 0 ? s : { ...s, drbd: [...s.drbd, ...missing] };
}

// ---------------------------------------------------------------- databases

function ioRunning(state: IoThreadState): boolean {
  return state === "Yes";
}

/** True lag from the heartbeat table when known, else what the replica claims. */
export function replicationLagOf(d: DatabaseState): number | null {
  return d.heartbeatLagSeconds ?? d.replication?.channel?.secondsBehind ?? null;
}

function sourceName(state: ClusterState, d: DatabaseState): string | null {
  const address = d.replication?.channel?.sourceHost;
  if (!address) return null;
  return state.hosts.find((h) => h.clusterAddress === address || h.name === address)?.name ?? address;
}

function databaseTransitions(prev: ClusterState, next: ClusterState, lagThreshold: number): Draft[] {
  const out: Draft[] = [];
  for (const d of next.databases) {
    const p = byName(prev.databases, d.name);
    if (!p || !answering(next, d)) continue;
    const push = (kind: EventKind, severity: EventSeverity, message: string, before: JsonValue, after: JsonValue) =>
      out.push({ host: d.name, tier: "database", kind, severity, message, before, after });

    if (p.readOnly !== null && d.readOnly !== null && p.readOnly !== d.readOnly) {
      push(
        "database.read-only-changed",
        "warning",
        d.readOnly ? `${d.name} is now read-only` : `${d.name} is now writable (read_only OFF)`,
        { readOnly: p.readOnly },
        { readOnly: d.readOnly },
      );
    }
    if (p.replication && d.replication && p.replication.isReplica !== d.replication.isReplica) {
      const source = sourceName(next, d);
      if (d.replication.isReplica) {
        push("replication.configured", "info", `${d.name} now replicates${source ? ` from ${source}` : ""}`, false, true);
      } else {
        push("replication.removed", "warning", `${d.name} is no longer a replica`, true, false);
      }
    }

    const was = p.replication?.channel;
    const now = d.replication?.channel;
    if (was && now && d.replication?.isReplica) {
      const threads = [
        ["IO", ioRunning(was.ioRunning), ioRunning(now.ioRunning), was.ioRunning, now.ioRunning],
        ["SQL", was.sqlRunning === "Yes", now.sqlRunning === "Yes", was.sqlRunning, now.sqlRunning],
      ] as const;
      for (const [thread, ran, runs, before, after] of threads) {
        if (ran === runs) continue;
        if (runs) {
          push("replication.thread-started", "info", `${d.name} replication ${thread} thread runs again`, { thread, state: before }, { thread, state: after });
        } else {
          const how = after === "Connecting" ? "is reconnecting to its source" : "stopped";
          push("replication.thread-stopped", "critical", `${d.name} replication ${thread} thread ${how}`, { thread, state: before }, { thread, state: after });
        }
      }
      const errors = [
        ["IO", was.lastIoErrno, now.lastIoErrno, now.lastIoError],
        ["SQL", was.lastSqlErrno, now.lastSqlErrno, now.lastSqlError],
      ] as const;
      for (const [thread, before, after, text] of errors) {
        if (after === null || after === 0 || after === before) continue;
        push(
          "replication.error",
          "critical",
          oneLine(`${d.name} replication ${thread} error ${after}${text ? `: ${text}` : ""}`),
          { thread, errno: before },
          { thread, errno: after, error: text },
        );
      }
    }

    const lagBefore = replicationLagOf(p);
    const lagAfter = replicationLagOf(d);
    if (d.replication?.isReplica !== false && lagBefore !== null && lagAfter !== null) {
      const over = lagAfter > lagThreshold;
      if (over !== lagBefore > lagThreshold) {
        const source = sourceName(next, d);
        push(
          over ? "replication.lag-over" : "replication.lag-back",
          over ? "warning" : "info",
          over
            ? `${d.name} lags ${seconds(lagAfter)} behind ${source ?? "its source"} (over ${seconds(lagThreshold)})`
            : `${d.name} caught up: lag ${seconds(lagAfter)} (under ${seconds(lagThreshold)})`,
          lagBefore,
          lagAfter,
        );
      }
    }
  }
  return out;
}

function rememberDatabase(next: ClusterState, d: DatabaseState, p: DatabaseState | undefined): DatabaseState {
  if (!p) return d;
  if (!answering(next, d)) return { ...p, ...freshnessOf(d) };
  const replication = keep(d.replication, p.replication);
  const channel = replication?.channel;
  const lagUnknown = replicationLagOf(d) === null;
  return {
    ...d,
    readOnly: keep(d.readOnly, p.readOnly),
    replication:
      replication && channel && lagUnknown && d.replication
        ? { ...replication, channel: { ...channel, secondsBehind: p.replication?.channel?.secondsBehind ?? null } }
        : replication,
    heartbeatLagSeconds: lagUnknown ? p.heartbeatLagSeconds : d.heartbeatLagSeconds,
  };
}
