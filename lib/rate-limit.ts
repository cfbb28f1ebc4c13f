// A token bucket per key (an operator, an address): `burst` calls at once, then one every
// `intervalMs`. Idle keys are forgotten and the map never holds more than `maxKeys` entries, so a
// stream of fresh keys cannot grow memory without bound.

export interface RateLimitOptions {
  burst: number;
  intervalMs: number;
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(private readonly options: RateLimitOptions) {
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Takes a token for `key`: 0 when allowed, else how many ms until the next one. */
  take(key: string, now = Date.now()): number {
    const { burst, intervalMs } = this.options;
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(burst, bucket.tokens + (now - bucket.at) / intervalMs) : burst;
    if (tokens < 1) return Math.ceil((1 - tokens) * intervalMs);
    // re-inserted so the map's order is least recently used first
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    this.prune(now);
    return 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    const fullAfter = this.options.burst * this.options.intervalMs;
    for (const [key, bucket] of this.buckets) {
      // oldest first: stop at the first bucket that still matters and the map is within bounds
      if (now - bucket.at < fullAfter && this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}
