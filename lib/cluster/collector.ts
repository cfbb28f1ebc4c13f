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
 * How long past its poll interval a host's answer may be before it shows as late. A frozen VM leaves its TCP
 * connection hanging rather than refusing it, so the exec timeout alone would tell the operator seconds after the
 * cluster's own failover (heartbeat's deadtime) has acted.
 */
export function lateAfterMs(pollIntervalSeconds: number): number {
  return pollIntervalSeconds * 1000 + Math.max(500, pollIntervalSeconds * 250);
}

/** Polls one host: one batch exec per tick, never two at once. */
class HostPoller {
  private timer: NodeJS.Timeout | null = null;
  private lateTimer: NodeJS.Timeout | null = null;
  private running = false;
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

  /** Tell listeners the moment this host's next answer is overdue, if it has not come by then. */
  private watchForLateness(): void {
    if (this.lateTimer) clearTimeout(this.lateTimer);
    const seen = this.state.lastSeenAt;
    if (seen === null || this.stopped) return;
    this.lateTimer = setTimeout(() => {
      this.lateTimer = null;
      if (this.state.lastSeenAt === seen && this.state.reachable) this.onUpdate();
    }, lateAfterMs(this.cluster.pollIntervalSeconds) + 1);
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
        readings[item.id] = { at: done, sentAt: at, result };
      }
      this.state = {
        ...this.state,
        reachable: true,
        error: null,
        lastSeenAt: done,
        latencyMs: batch.durationMs,
        readings,
      };
      this.watchForLateness();
    } catch (err) {
      this.fail(err);
      return;
    }
    this.onUpdate();
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
    const lateMs = lateAfterMs(this.cluster.pollIntervalSeconds);
    return {
      clusterId: this.cluster.id,
      takenAt: now,
      hosts: this.pollers.map((p) => ({
        ...p.state,
        stale: p.state.lastSeenAt === null || now - p.state.lastSeenAt > staleMs || !p.state.reachable,
        late: p.state.reachable && p.state.lastSeenAt !== null && now - p.state.lastSeenAt > lateMs,
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
