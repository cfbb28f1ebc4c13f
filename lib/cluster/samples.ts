import { z } from "zod";
import type { ClusterState, DatabaseState, DrbdResourceState, Freshness, StorageState } from "@/lib/cluster/state";
import { sessionCounts } from "@/lib/cluster/view-helpers";

export const SERIES_NAMES = ["web.sessions", "web.connections", "db.lag.seconds-behind", "db.lag.heartbeat", "drbd.resync.percent", "host.load1"] as const;
export const SeriesName = z.enum(SERIES_NAMES);
export type SeriesName = z.infer<typeof SeriesName>;

export const SeriesRange = z.enum(["1h", "1d"]);
export type SeriesRange = z.infer<typeof SeriesRange>;

export const SeriesQuery = z.object({ series: SeriesName, range: SeriesRange.default("1h") });
export type SeriesQuery = z.infer<typeof SeriesQuery>;

/** The recorder stores raw samples at most this often. */
export const SAMPLE_INTERVAL_MS = 10_000;

export interface SampleValue {
  series: SeriesName;
  /** a VM name, or "cluster" for a figure of the whole cluster */
  subject: string;
  value: number;
}

export interface SeriesPoint {
  /** bucket start, epoch ms */
  t: number;
  subject: string;
  value: number;
  min: number;
  max: number;
}

export interface SeriesView {
  series: SeriesName;
  range: SeriesRange;
  /** seconds per bucket; 0 = raw samples */
  resolution: number;
  /** the expected spacing of points, ms: a wider gap means nothing was recorded */
  stepMs: number;
  points: SeriesPoint[];
}

/** Values from a host that does not answer are its last known ones: never sample them. */
function current(state: ClusterState, x: Freshness & { name: string }): boolean {
  const host = state.hosts.find((h) => h.name === x.name);
  return x.reachable && !x.stale && !host?.keyRejected;
}

function isSource(d: DatabaseState): boolean {
  if (d.replication) return !d.replication.isReplica && d.readOnly !== true;
  return d.readOnly === false;
}

function finite(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** The figures charted over time, from one state. Unknown values are left out, never stored as 0. */
export function samplesOf(state: ClusterState): SampleValue[] {
  const out: SampleValue[] = [];
  const add = (series: SeriesName, subject: string, value: number | null | undefined) => {
    if (finite(value)) out.push({ series, subject, value });
  };

  const web = state.web.filter((w) => current(state, w));
  // files in the dataroot every node shares are one count for the cluster, not one per node
  const files = sessionCounts(web, state.databases);
  if (files.sharedFolder !== null) add("web.sessions", "cluster", files.fileTotal);
  else for (const w of web) if (w.sessionHandler === "file") add("web.sessions", w.name, w.fileSessions);
  if (web.some((w) => w.sessionHandler === "database")) {
    const source = state.databases.find((d) => current(state, d) && isSource(d));
    add("web.sessions", "cluster", source?.databaseSessions);
  }

  const holder = state.balancers.find((b) => state.vipHolders.includes(b.name) && current(state, b));
  if (holder?.service) {
    for (const w of state.web) {
      const reals = holder.realServers.filter((r) => r.host === w.name || (w.clusterAddress !== null && r.address === w.clusterAddress));
      add("web.connections", w.name, reals.reduce((sum, r) => sum + r.activeConns + r.inactiveConns, 0));
    }
  }

  for (const d of state.databases) {
    if (!current(state, d) || !d.replication?.isReplica) continue;
    add("db.lag.seconds-behind", d.name, d.replication.channel?.secondsBehind);
    add("db.lag.heartbeat", d.name, d.heartbeatLagSeconds);
  }

  for (const s of state.storage) if (current(state, s)) add("drbd.resync.percent", s.name, resyncPercentOf(s));

  for (const h of state.hosts) if (current(state, h)) add("host.load1", h.name, h.load?.load1);
  return out;
}

function inSync(r: DrbdResourceState): boolean {
  return r.disk === "UpToDate" && r.peers.length > 0 && r.peers.every((p) => p.connection === "Connected" && p.disk === "UpToDate" && p.replication === "Established");
}

/** A running resync's progress (the slowest resource's), 100 when in sync, null when neither is known. */
export function resyncPercentOf(s: StorageState): number | null {
  if (s.drbd.length === 0) return null;
  let worst = 100;
  for (const r of s.drbd) {
    const syncing = r.peers.filter((p) => p.replication !== null && /Sync/.test(p.replication) && finite(p.donePercent));
    if (syncing.length > 0) worst = Math.min(worst, ...syncing.map((p) => p.donePercent ?? 100));
    else if (!inSync(r)) return null;
  }
  return worst;
}
