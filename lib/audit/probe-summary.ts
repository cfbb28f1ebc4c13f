import "server-only";
import { db } from "@/lib/db";
import { maskSecrets } from "@/lib/secrets/mask";
import type { AuditEntry } from "@/lib/ssh/audit";

const HOUR_MS = 3_600_000;
export const PROBE_FLUSH_EVERY_MS = 60_000;
const LAST_ERROR_LIMIT = 300;

interface Bucket {
  clusterId: string;
  host: string;
  hour: number;
  reads: number;
  failures: number;
  durationMs: number;
  lastError: string | null;
}

/** What a failed read says in a line: the connection's error, or the exit and the first line of stderr. */
function errorOf(entry: AuditEntry): string {
  if (entry.error) return maskSecrets(entry.error.slice(0, LAST_ERROR_LIMIT));
  const first = entry.stderr?.slice(0, LAST_ERROR_LIMIT).split("\n", 1)[0]?.trim();
  const how = entry.outcome === "timeout" ? "timed out" : `exit ${entry.exitCode ?? "?"}`;
  return maskSecrets((first ? `${how}: ${first}` : how).slice(0, LAST_ERROR_LIMIT));
}

/**
 * Routine probe reads counted per (cluster, host, hour) in memory, written with one upsert per
 * host-hour at most once a flush interval: the audit says how often each host was read and how it went
 * without a row per poll.
 */
export class ProbeReadSummarizer {
  private pending = new Map<string, Bucket>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<number> = Promise.resolve(0);

  record(entry: AuditEntry): void {
    const hour = Math.floor(entry.at.getTime() / HOUR_MS) * HOUR_MS;
    const key = `${entry.clusterId}\u0000${entry.host}\u0000${hour}`;
    let b = this.pending.get(key);
    if (!b) {
      b = { clusterId: entry.clusterId, host: entry.host, hour, reads: 0, failures: 0, durationMs: 0, lastError: null };
      this.pending.set(key, b);
    }
    b.reads += 1;
    b.durationMs += Math.max(0, Math.round(entry.durationMs));
    if (entry.outcome !== "ok") {
      b.failures += 1;
      b.lastError = errorOf(entry);
    }
    this.schedule();
  }

  /** host-hours counted but not written yet */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Writes what was counted (one upsert per host-hour); returns how many host-hours were written. */
  flush(): Promise<number> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<number> {
    const buckets = [...this.pending.values()];
    this.pending = new Map();
    let written = 0;
    for (const b of buckets) {
      const hour = new Date(b.hour);
      try {
        await db.probeReadSummary.upsert({
          where: { clusterId_host_hour: { clusterId: b.clusterId, host: b.host, hour } },
          create: { clusterId: b.clusterId, host: b.host, hour, reads: b.reads, failures: b.failures, durationMs: b.durationMs, lastError: b.lastError },
          update: {
            reads: { increment: b.reads },
            failures: { increment: b.failures },
            durationMs: { increment: b.durationMs },
            ...(b.lastError === null ? {} : { lastError: b.lastError }),
          },
        });
        written += 1;
      } catch (err) {
        console.error("[audit] could not record probe reads:", err);
      }
    }
    return written;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, PROBE_FLUSH_EVERY_MS);
    // counting must never keep a finished process alive
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export interface ProbeHostSummary {
  host: string;
  reads: number;
  failures: number;
  /** mean milliseconds per read */
  meanMs: number;
  /** epoch ms of the newest hour with reads */
  lastHour: number;
  lastError: string | null;
  /** epoch ms of the hour of `lastError` */
  lastErrorHour: number | null;
}

/** Probe reads per host over [from, to] (whole hours touching the range); the last 24 hours by default. */
export async function probeSummaryFor(
  clusterId: string,
  range: { from?: number | undefined; to?: number | undefined },
  now = Date.now(),
): Promise<ProbeHostSummary[]> {
  const to = range.to ?? now;
  const from = range.from ?? to - 24 * HOUR_MS;
  const rows = await db.probeReadSummary.findMany({
    where: { clusterId, hour: { gte: new Date(Math.floor(from / HOUR_MS) * HOUR_MS), lte: new Date(to) } },
    orderBy: { hour: "asc" },
  });
  const byHost = new Map<string, ProbeHostSummary>();
  for (const r of rows) {
    const s = byHost.get(r.host) ?? { host: r.host, reads: 0, failures: 0, meanMs: 0, lastHour: 0, lastError: null, lastErrorHour: null };
    s.reads += r.reads;
    s.failures += r.failures;
    s.meanMs += r.durationMs;
    s.lastHour = r.hour.getTime();
    if (r.lastError) {
      s.lastError = r.lastError;
      s.lastErrorHour = r.hour.getTime();
    }
    byHost.set(r.host, s);
  }
  return [...byHost.values()]
    .map((s) => ({ ...s, meanMs: s.reads > 0 ? Math.round(s.meanMs / s.reads) : 0 }))
    .sort((a, b) => a.host.localeCompare(b.host));
}
