import { AppError } from "@/lib/errors";

// bcrypt at cost 12 takes ~0.3 s of CPU per check. Without a bound, sixty sign-ins at once take the
// whole event loop (and every poll and drill measured on it) for many seconds. The gate lets `limit`
// checks run at once, queues up to `maxQueue` more, and refuses the rest at once: "busy, try again".

export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly limit: number,
    readonly maxQueue: number,
  ) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.maxQueue) throw new AppError("RateLimited", "busy, try again in a few seconds");
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // a waiter inherits this slot, so `active` never exceeds `limit`
      if (next) next();
      else this.active -= 1;
    }
  }
}

const g = globalThis as unknown as { clusterdeckPasswordGate?: Gate };
/** Every bcrypt hash and compare in the process goes through this gate: two at once, twelve waiting. */
export const passwordGate: Gate = (g.clusterdeckPasswordGate ??= new Gate(2, 12));
