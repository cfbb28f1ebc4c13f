import { AppError, errorMessage } from "@/lib/errors";
import { type PlannedProbe, probePlan } from "@/lib/cluster/plan";
import type { ClusterSpec, HostSpec } from "@/lib/inventory/schema";
import type { ClusterSnapshot, HostSnapshot, ProbeReading } from "@/lib/cluster/snapshot";
import { execBatch } from "@/lib/ssh/batch";
import type { SshPool } from "@/lib/ssh/pool";
import { targetOf } from "@/lib/ssh/target";
import type { HostTarget } from "@/lib/ssh/types";

const MIN_BATCH_TIMEOUT_MS = 4_000;
const PROBE_OUTPUT_CAP = 256 * 1024;

/**
 * How long a poll may take before its host shows as late: twice its usual answer time and a little, at least
 * 400 ms, at most one poll interval. A frozen VM leaves its TCP connection open and silent, so only the exec's
 * timeout would otherwise tell the operator, seconds after the cluster's own failover (heartbeat's deadtime) acted.
 */
export function lateBudgetMs(recentLatenciesMs: readonly number[], pollIntervalSeconds: number): number {
  const interval = pollIntervalSeconds * 1000;
  if (recentLatenciesMs.length === 0) return interval;
  const sorted = [...recentLatenciesMs].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? interval;
  return Math.min(interval, Math.max(400, 2 * median + 200));
}

const LATENCY_HISTORY = 10;

/** Polls one host: one batch exec per tick, never two at once. */
class HostPoller {
  private timer: NodeJS.Timeout | null = null;
  private lateTimer: NodeJS.Timeout | null = null;
  private running = false;
  /** when the poll now in flight was sent */
  inFlightSince: number | null = null;
  private readonly latencies: number[] = [];
  private stopped = false;
  readonly target: HostTarget;
  state: Omit<HostSnapshot, "stale" | "connection">;

  constructor(
    private readonly cluster: ClusterSpec,
    readonly host: HostSpec,
    private readonly pool: SshPool,
    private readonly onUpdate: () => void,
  ) {
    this.target = targetOf(cluster, host);
    this.state = {
      name: host.name,
      role: host.role,
      server: host.server,
      address: host.address,
      port: host.port,
      clusterAddress: host.clusterAddress ?? null,
      reachable: false,
      error: null,
      lastSeenAt: null,
      lastAttemptAt: null,
      latencyMs: null,
      readings: {},
    };
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.lateTimer) clearTimeout(this.lateTimer);
  }

  lateBudget(): number {
    return lateBudgetMs(this.latencies, this.cluster.pollIntervalSeconds);
  }

  /** Tell listeners the moment the poll in flight becomes overdue, if it has not answered by then. */
  private watchForLateness(sentAt: number): void {
    if (this.lateTimer) clearTimeout(this.lateTimer);
    this.lateTimer = setTimeout(() => {
      this.lateTimer = null;
      if (this.inFlightSince === sentAt && this.state.reachable) this.onUpdate();
    }, this.lateBudget() + 1);
    this.lateTimer.unref();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    const started = Date.now();
    try {
      await this.poll();
    } finally {
      this.running = false;
      const interval = this.cluster.pollIntervalSeconds * 1000;
      this.schedule(Math.max(0, interval - (Date.now() - started)));
    }
  }

  /** this tick's probes, adapted to what the host answered last time */
  plan(): PlannedProbe[] {
    return probePlan(this.cluster, this.host, (probe) => {
      const r = this.state.readings[probe]?.result;
      return r?.ok ? r.value : undefined;
    });
  }

  async poll(): Promise<void> {
    const at = Date.now();
    this.state.lastAttemptAt = at;
    this.inFlightSince = at;
    this.watchForLateness(at);
    const timeoutMs = Math.max(MIN_BATCH_TIMEOUT_MS, this.cluster.pollIntervalSeconds * 2000);
    const plan = this.plan();
    try {
      const batch = await execBatch(
        this.pool,
        this.target,
        plan.map((p) => ({ id: p.name, command: p.command, timeoutSeconds: p.timeoutSeconds })),
        { purpose: { kind: "probe", probes: plan.map((p) => p.name) }, timeoutMs, maxOutputBytes: PROBE_OUTPUT_CAP },
      );
      const done = Date.now();
      const missing = batch.items.filter((i) => i.outcome === "missing").length;
      if (missing === batch.items.length) {
        this.settle();
        this.fail(new AppError("HostUnreachable", `${this.host.name}: no answer within ${timeoutMs} ms`));
        return;
      }
      const readings: Record<string, ProbeReading> = {};
      for (const item of batch.items) {
        const probe = plan.find((p) => p.name === item.id);
        if (!probe) continue;
        const answered = item.exitCode !== null && probe.okExitCodes.includes(item.exitCode);
        const result: ProbeReading["result"] = answered
          ? probe.parse(item.stdout)
          : item.outcome === "failed" || item.outcome === "ok"
            ? { ok: false, error: "failed", exitCode: item.exitCode, stderr: item.stderr }
            : { ok: false, error: item.outcome, stderr: item.stderr };
        const before = this.state.readings[item.id];
        readings[item.id] = { at: done, sentAt: at, result, ...(before?.result.ok ? { previous: { at: before.at, value: before.result.value } } : {}) };
      }
      this.state = {
        ...this.state,
        reachable: true,
        error: null,
        lastSeenAt: done,
        latencyMs: batch.durationMs,
        readings,
      };
      this.latencies.push(done - at);
      if (this.latencies.length > LATENCY_HISTORY) this.latencies.shift();
    } catch (err) {
      this.settle();
      this.fail(err);
      return;
    }
    this.settle();
    this.onUpdate();
  }

  /** the poll in flight has answered or failed: it can no longer be late */
  private settle(): void {
    this.inFlightSince = null;
    if (this.lateTimer) clearTimeout(this.lateTimer);
    this.lateTimer = null;
  }

  private fail(err: unknown): void {
    // Keep the last readings (greyed as stale by the UI) and say why the host is not answering.
    this.state = { ...this.state, reachable: false, error: errorMessage(err) };
    this.onUpdate();
  }
}

export type SnapshotListener = (snapshot: ClusterSnapshot) => void;

/** One collector per cluster: a poller per host, all in parallel over the pool's connections. */
export class ClusterCollector {
  private readonly pollers: HostPoller[];
  private readonly listeners = new Set<SnapshotListener>();
  private started = false;

  constructor(
    readonly cluster: ClusterSpec,
    private readonly pool: SshPool,
  ) {
    this.pollers = cluster.hosts.map((h) => new HostPoller(cluster, h, pool, () => this.emit()));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const p of this.pollers) p.start();
  }

  stop(): void {
    for (const p of this.pollers) p.stop();
  }

  /** Poll every host once now (tests and the benchmark use this). */
  async pollOnce(): Promise<ClusterSnapshot> {
    await Promise.all(this.pollers.map((p) => p.poll()));
    return this.snapshot();
  }

  onSnapshot(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(now = Date.now()): ClusterSnapshot {
    const staleMs = this.cluster.thresholds.staleAfterSeconds * 1000;
    return {
      clusterId: this.cluster.id,
      takenAt: now,
      hosts: this.pollers.map((p) => ({
        ...p.state,
        stale: p.state.lastSeenAt === null || now - p.state.lastSeenAt > staleMs || !p.state.reachable,
        late: p.state.reachable && p.inFlightSince !== null && now - p.inFlightSince > p.lateBudget(),
        connection: this.pool.status(p.target),
      })),
    };
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const snap = this.snapshot();
    for (const l of this.listeners) l(snap);
  }
}
