// Slows password guessing without letting a stranger lock an operator out.
//
// Three counters of failed sign-ins, each with exponential backoff once its free attempts are used:
// - per (username, client address): 5 free, then 1 s, 2 s, 4 s … at most 15 min; a refusal;
// - per client address, across usernames (password spraying): 20 free, then the same backoff; a refusal;
// - per username, across addresses: 50 free, then a short wait of 100 ms, 200 ms … at most 3 s before the
//   password is checked. It slows a distributed guesser but never refuses, so failures from one address
//   never lock the user out at another.
// Without a client address (no trusted proxy: every client is "direct") there is no address to tell an
// attacker from the operator: no console-wide address counter (one stranger would lock everyone out),
// and the per-user refusal is capped at 1 min, so guessing stays slow and a lock-out stays short.
// Refused attempts do not count (they cost no password check). A success forgets its (user, address)
// counter. Entries are forgotten once quiet for FORGET_MS after their wait, and the map holds at most
// `maxEntries` (least recently used go first), so a stream of made-up names cannot grow memory.

import { DIRECT } from "@/lib/auth/address";

export interface Backoff {
  free: number;
  baseMs: number;
  capMs: number;
}

export const PAIR_BACKOFF: Backoff = { free: 5, baseMs: 1_000, capMs: 15 * 60_000 };
export const ADDRESS_BACKOFF: Backoff = { free: 20, baseMs: 1_000, capMs: 15 * 60_000 };
export const DIRECT_PAIR_BACKOFF: Backoff = { free: 5, baseMs: 1_000, capMs: 60_000 };
export const USER_SLOWDOWN: Backoff = { free: 50, baseMs: 100, capMs: 3_000 };
export const FORGET_MS = 15 * 60_000;

/** The wait after `failures` failures: none while free, then base · 2^(failures − free), capped. */
export function backoffMs(failures: number, b: Backoff): number {
  if (failures < b.free) return 0;
  return Math.min(b.capMs, b.baseMs * 2 ** Math.min(failures - b.free, 40));
}

interface Entry {
  failures: number;
  /** epoch ms of the last failure */
  lastAt: number;
  /** epoch ms before which this counter refuses (or slows) */
  waitUntil: number;
}

export interface ThrottleVerdict {
  /** > 0: refuse, and say to try again in this many ms */
  refusedForMs: number;
  /** ms to wait before checking the password (the per-user slowdown) */
  delayMs: number;
}

export interface FailureOutcome {
  /** this failure started a refusal for the (user, address) pair or for the address */
  lockedNow: boolean;
  /** how long the pair or address now refuses */
  refusedForMs: number;
}

export class SignInThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  check(username: string, address: string): ThrottleVerdict {
    const now = this.clock();
    const refusedForMs = Math.max(this.waitOf(pairKey(username, address), now), address === DIRECT ? 0 : this.waitOf(addressKey(address), now));
    return { refusedForMs, delayMs: refusedForMs > 0 ? 0 : this.waitOf(userKey(username), now) };
  }

  failure(username: string, address: string): FailureOutcome {
    const now = this.clock();
    const pair = this.bump(pairKey(username, address), address === DIRECT ? DIRECT_PAIR_BACKOFF : PAIR_BACKOFF, now);
    const addr = address === DIRECT ? null : this.bump(addressKey(address), ADDRESS_BACKOFF, now);
    this.bump(userKey(username), USER_SLOWDOWN, now);
    this.prune(now);
    return {
      lockedNow: pair.failures === PAIR_BACKOFF.free || addr?.failures === ADDRESS_BACKOFF.free,
      refusedForMs: Math.max(0, pair.waitUntil - now, (addr?.waitUntil ?? 0) - now),
    };
  }

  success(username: string, address: string): void {
    this.entries.delete(pairKey(username, address));
  }

  private waitOf(key: string, now: number): number {
    const e = this.entries.get(key);
    return e && e.waitUntil > now ? e.waitUntil - now : 0;
  }

  private bump(key: string, b: Backoff, now: number): Entry {
    const old = this.entries.get(key);
    const e = old && !expired(old, now) ? old : { failures: 0, lastAt: now, waitUntil: 0 };
    e.failures += 1;
    e.lastAt = now;
    const wait = backoffMs(e.failures, b);
    if (wait > 0) e.waitUntil = now + wait;
    // re-inserted so the map's order is least recently used first
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  private prune(now: number): void {
    for (const [key, e] of this.entries) {
      if (!expired(e, now) && this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}

function expired(e: Entry, now: number): boolean {
  return now > Math.max(e.lastAt, e.waitUntil) + FORGET_MS;
}

const norm = (username: string) => username.trim().toLowerCase();
const pairKey = (username: string, address: string) => `p\u0000${norm(username)}\u0000${address}`;
const addressKey = (address: string) => `a\u0000${address}`;
const userKey = (username: string) => `u\u0000${norm(username)}`;

const g = globalThis as unknown as { clusterdeckSignInThrottle?: SignInThrottle };
/** The process's throttle (on globalThis, so a development reload keeps it). */
export const signInThrottle: SignInThrottle = (g.clusterdeckSignInThrottle ??= new SignInThrottle());
