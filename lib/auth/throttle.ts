// Slows down password guessing per username: after a few failures, refuse for a while.

const MAX_FAILURES = 5;
const LOCK_MS = 60_000;

interface Attempts {
  failures: number;
  lockedUntil: number;
}

const attempts = new Map<string, Attempts>();

export function lockedForMs(username: string, now = Date.now()): number {
  const a = attempts.get(username.toLowerCase());
  return a && a.lockedUntil > now ? a.lockedUntil - now : 0;
}

export function recordFailure(username: string, now = Date.now()): void {
  const key = username.toLowerCase();
  const a = attempts.get(key) ?? { failures: 0, lockedUntil: 0 };
  a.failures += 1;
  if (a.failures >= MAX_FAILURES) {
    a.lockedUntil = now + LOCK_MS;
    a.failures = 0;
  }
  attempts.set(key, a);
}

export function recordSuccess(username: string): void {
  attempts.delete(username.toLowerCase());
}
