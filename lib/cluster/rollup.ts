import { SAMPLE_INTERVAL_MS, type SampleValue, type SeriesRange } from "@/lib/cluster/samples";

// Downsampling: every raw sample also lands in a 60 s and a 600 s bucket, each keeping the
// average, min, max and count, so a month of history stays a few thousand rows per subject.

export const RESOLUTIONS = [0, 60, 600] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long rows of each resolution are kept. */
export const RETENTION_MS: Record<Resolution, number> = { 0: 2 * HOUR, 60: 2 * DAY, 600: 35 * DAY };
export const PRUNE_EVERY_MS = MINUTE;

export interface Aggregate {
  value: number;
  min: number;
  max: number;
  count: number;
}

export interface SampleRow extends Aggregate {
  series: string;
  subject: string;
  resolution: Resolution;
  /** bucket start, epoch ms */
  bucket: number;
}

/** The start of the bucket holding `atMs`; raw samples (resolution 0) keep their own time. */
export function bucketStart(atMs: number, resolution: number): number {
  if (resolution <= 0) return atMs;
  const size = resolution * 1000;
  return Math.floor(atMs / size) * size;
}

export function aggregateOf(value: number): Aggregate {
  return { value, min: value, max: value, count: 1 };
}

/** Two aggregates of the same bucket as one: the average weighted by count. */
export function mergeAggregate(a: Aggregate, b: Aggregate): Aggregate {
  if (b.count === 0) return a;
  if (a.count === 0) return b;
  const count = a.count + b.count;
  return {
    value: (a.value * a.count + b.value * b.count) / count,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    count,
  };
}

/** The rows one set of samples taken at `atMs` adds to, one per series, subject and resolution. */
export function rollupRows(atMs: number, samples: SampleValue[]): SampleRow[] {
  const rows = new Map<string, SampleRow>();
  for (const resolution of RESOLUTIONS) {
    for (const s of samples) {
      const key = `${resolution}\u0000${s.series}\u0000${s.subject}`;
      const existing = rows.get(key);
      const row = { series: s.series, subject: s.subject, resolution, bucket: bucketStart(atMs, resolution), ...aggregateOf(s.value) };
      rows.set(key, existing ? { ...existing, ...mergeAggregate(existing, row) } : row);
    }
  }
  return [...rows.values()];
}

/** Rows to fold into buckets of `resolution` seconds, as the store would: for checks and backfills. */
export function downsample(rows: { t: number; subject: string; value: number }[], resolution: number): { t: number; subject: string; aggregate: Aggregate }[] {
  const buckets = new Map<string, { t: number; subject: string; aggregate: Aggregate }>();
  for (const row of rows) {
    const t = bucketStart(row.t, resolution);
    const key = `${row.subject}\u0000${t}`;
    const existing = buckets.get(key);
    const incoming = aggregateOf(row.value);
    buckets.set(key, { t, subject: row.subject, aggregate: existing ? mergeAggregate(existing.aggregate, incoming) : incoming });
  }
  return [...buckets.values()].sort((a, b) => a.t - b.t || a.subject.localeCompare(b.subject));
}

/** Rows of each resolution older than these instants go. */
export function pruneCutoffs(nowMs: number): { resolution: Resolution; before: number }[] {
  return RESOLUTIONS.map((resolution) => ({ resolution, before: nowMs - RETENTION_MS[resolution] }));
}

export function shouldPrune(lastPrunedAt: number | null, nowMs: number): boolean {
  return lastPrunedAt === null || nowMs - lastPrunedAt >= PRUNE_EVERY_MS || nowMs < lastPrunedAt;
}

export const RANGE_MS: Record<SeriesRange, number> = { "1h": HOUR, "1d": DAY };

/** Raw samples cover an hour well (360 points per subject); a day reads 600 s buckets (144). */
export function resolutionFor(range: SeriesRange): Resolution {
  return range === "1h" ? 0 : 600;
}

export function stepMsFor(resolution: Resolution): number {
  return resolution === 0 ? SAMPLE_INTERVAL_MS : resolution * 1000;
}
