import "server-only";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { parseIpAddr } from "@/lib/probes/ip-addr";
import { ipAddrProbe } from "@/lib/probes/ip-addr";
import { sshPool, targetOf } from "@/lib/ssh";
import { fetchSite } from "@/lib/workflows/site";

/**
 * What a drill measures while it runs: the site requested through the VIP once a second, as a user
 * would, and which balancer holds the VIP, read twice a second over SSH. Samples stay in memory for
 * the run; the scorecard keeps the figures.
 */

export interface SiteSample {
  at: number;
  /** null: nothing answered */
  status: number | null;
}

export interface VipSample {
  at: number;
  holders: string[];
}

const SITE_EVERY_MS = 1000;
const VIP_EVERY_MS = 500;

export interface CheckSample {
  at: number;
  ok: boolean;
}

export class DrillProbe {
  readonly site: SiteSample[] = [];
  readonly vip: VipSample[] = [];
  /** extra per-drill checks (e.g. the dataroot readable on every web node), sampled on their own timers */
  readonly checks = new Map<string, CheckSample[]>();
  readonly startedAt = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  /** `actor`: the operator whose drill this is; its reads on the hosts are theirs in the audit */
  constructor(
    private readonly cluster: ClusterSpec,
    private readonly actor: string,
  ) {}

  start(): void {
    const siteUrl = this.cluster.siteUrl;
    if (siteUrl) {
      const tick = async () => {
        const at = Date.now();
        const answer = await fetchSite(siteUrl, "/login/index.php", SITE_EVERY_MS - 100);
        if (!this.stopped) this.site.push({ at, status: answer.status });
      };
      void tick();
      this.timers.push(setInterval(() => void tick(), SITE_EVERY_MS));
    }
    const balancers = this.cluster.hosts.filter((h) => h.role === "lb");
    const vipTick = async () => {
      const at = Date.now();
      const holders = await Promise.all(
        balancers.map(async (h) => {
          try {
            const r = await sshPool().exec(targetOf(this.cluster, h), ipAddrProbe.command(), { timeoutMs: VIP_EVERY_MS * 3, purpose: { kind: "probe", probes: ["ip-addr"] }, actor: this.actor });
            const parsed = parseIpAddr(r.stdout);
            return parsed.ok && parsed.value.addresses.some((a) => a.address === this.cluster.balancer.vip) ? h.name : null;
          } catch {
            // a balancer that does not answer holds nothing anyone can reach
            return null;
          }
        }),
      );
      if (!this.stopped) this.vip.push({ at, holders: holders.filter((x): x is string => x !== null) });
    };
    void vipTick();
    this.timers.push(setInterval(() => void vipTick(), VIP_EVERY_MS));
    for (const t of this.timers) t.unref();
  }

  /** sample `check` every `everyMs` until the probe stops */
  addCheck(name: string, everyMs: number, check: () => Promise<boolean>): void {
    const samples: CheckSample[] = [];
    this.checks.set(name, samples);
    const tick = async () => {
      const at = Date.now();
      const ok = await check().catch(() => false);
      if (!this.stopped) samples.push({ at, ok });
    };
    void tick();
    const t = setInterval(() => void tick(), everyMs);
    t.unref();
    this.timers.push(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** the latest reading of who holds the VIP */
  holders(): string[] | null {
    return this.vip.at(-1)?.holders ?? null;
  }

  /** the latest answer of the site */
  lastStatus(): number | null | undefined {
    return this.site.at(-1)?.status;
  }
}

export interface Measured {
  /** total seconds during which no balancer held the VIP */
  noVipSeconds: number;
  /** the longest stretch without a served request (200), from the last one before to the first after */
  unservedSeconds: number;
  /** requests made and how many failed */
  requests: number;
  failedRequests: number;
}

export function measure(site: readonly SiteSample[], vip: readonly VipSample[], now = Date.now()): Measured {
  let noVip = 0;
  for (let i = 0; i < vip.length; i++) {
    const s = vip[i];
    if (!s || s.holders.length > 0) continue;
    noVip += (vip[i + 1]?.at ?? now) - s.at;
  }
  return {
    noVipSeconds: Math.round(noVip / 100) / 10,
    unservedSeconds: longestOutage(site.map((s) => ({ at: s.at, ok: s.status === 200 })), SITE_EVERY_MS, now),
    requests: site.length,
    failedRequests: site.filter((s) => s.status !== 200).length,
  };
}

/**
 * The longest stretch without a good sample, in seconds: from the last good one before it to the
 * first good one after (less one sampling interval), or until now if it has not ended.
 */
export function longestOutage(samples: readonly CheckSample[], everyMs: number, now = Date.now()): number {
  let longest = 0;
  let lastOk: number | null = samples[0]?.at ?? null;
  let inGap = false;
  for (const s of samples) {
    if (s.ok) {
      if (inGap && lastOk !== null) longest = Math.max(longest, s.at - lastOk - everyMs);
      lastOk = s.at;
      inGap = false;
    } else {
      inGap = true;
    }
  }
  if (inGap && lastOk !== null) longest = Math.max(longest, now - lastOk - everyMs);
  return Math.max(0, Math.round(longest / 100) / 10);
}

const g = globalThis as unknown as { clusterdeckDrillProbes?: Map<string, DrillProbe> };

function probes(): Map<string, DrillProbe> {
  g.clusterdeckDrillProbes ??= new Map();
  return g.clusterdeckDrillProbes;
}

export function startProbe(runId: string, cluster: ClusterSpec, actor: string): DrillProbe {
  probes().get(runId)?.stop();
  const p = new DrillProbe(cluster, actor);
  probes().set(runId, p);
  p.start();
  return p;
}

/** the run's probe; a console restarted mid-drill starts a new one (the figures then cover less) */
export function probeOf(runId: string, cluster: ClusterSpec, actor: string): DrillProbe {
  return probes().get(runId) ?? startProbe(runId, cluster, actor);
}

export function stopProbe(runId: string): DrillProbe | null {
  const p = probes().get(runId) ?? null;
  p?.stop();
  probes().delete(runId);
  return p;
}
