import net from "node:net";

// Waiting on a condition with a deadline, never a fixed sleep: the one way the conformance suite waits.

/** `read` until `ok` holds; throws with the last value when `timeoutMs` passes */
export async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(v)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `attempt` until it gives a value (not null or undefined) */
export async function waitFor<T>(what: string, timeoutMs: number, attempt: () => Promise<T | null | undefined>, everyMs = 100): Promise<T> {
  const v = await until(what, attempt, (x) => x !== null && x !== undefined, timeoutMs, everyMs);
  if (v === null || v === undefined) throw new Error(`${what}: no value`);
  return v;
}

/** whether something accepts TCP connections at address:port (within a second) */
export function portOpen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}
