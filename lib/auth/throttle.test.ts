import { describe, expect, it } from "vitest";
import { DIRECT, clientAddress } from "@/lib/auth/address";
import { Gate } from "@/lib/auth/gate";
import { ADDRESS_BACKOFF, FORGET_MS, PAIR_BACKOFF, SignInThrottle, USER_SLOWDOWN, backoffMs } from "@/lib/auth/throttle";

function throttleAt(start = 1_000_000) {
  const clock = { now: start };
  return { clock, throttle: new SignInThrottle(() => clock.now) };
}

describe("backoff", () => {
  it.each([
    [0, 0],
    [4, 0],
    [5, 1_000],
    [6, 2_000],
    [7, 4_000],
    [14, 512_000],
    [15, 900_000],
    [1_000, 900_000],
  ])("after %i failures of one user from one address: wait %i ms", (failures, wait) => {
    expect(backoffMs(failures, PAIR_BACKOFF)).toBe(wait);
  });
});

describe("sign-in throttle", () => {
  // attempts × addresses: who is refused, who is only slowed
  it.each([
    { failures: 4, from: ["10.0.0.9"], refusedThere: false, refusedElsewhere: false },
    { failures: 5, from: ["10.0.0.9"], refusedThere: true, refusedElsewhere: false },
    { failures: 12, from: ["10.0.0.9"], refusedThere: true, refusedElsewhere: false },
    { failures: 3, from: ["10.0.0.7", "10.0.0.8", "10.0.0.9"], refusedThere: false, refusedElsewhere: false },
    { failures: 5, from: ["10.0.0.7", "10.0.0.8", "10.0.0.9"], refusedThere: true, refusedElsewhere: false },
  ])("$failures failures for admin from each of $from: refused there $refusedThere, elsewhere $refusedElsewhere", ({ failures, from, refusedThere, refusedElsewhere }) => {
    const { throttle } = throttleAt();
    for (const address of from) for (let i = 0; i < failures; i++) throttle.failure("admin", address);
    for (const address of from) expect(throttle.check("Admin", address).refusedForMs > 0).toBe(refusedThere);
    expect(throttle.check("admin", "192.168.1.20").refusedForMs > 0).toBe(refusedElsewhere);
  });

  it("refuses for 1 s, then 2 s, then 4 s, and lets the address try again once each wait is over", () => {
    const { clock, throttle } = throttleAt();
    for (let i = 0; i < 4; i++) throttle.failure("admin", "10.0.0.9");
    expect(throttle.failure("admin", "10.0.0.9")).toEqual({ lockedNow: true, refusedForMs: 1_000 });
    expect(throttle.check("admin", "10.0.0.9").refusedForMs).toBe(1_000);
    clock.now += 1_000;
    expect(throttle.check("admin", "10.0.0.9").refusedForMs).toBe(0);
    expect(throttle.failure("admin", "10.0.0.9")).toEqual({ lockedNow: false, refusedForMs: 2_000 });
    clock.now += 2_000;
    expect(throttle.failure("admin", "10.0.0.9").refusedForMs).toBe(4_000);
  });

  it("without a known address (\"direct\"): refusals per user capped at 1 min, and no console-wide address counter", () => {
    const { clock, throttle } = throttleAt();
    for (let i = 0; i < 40; i++) {
      throttle.failure("admin", DIRECT);
      clock.now += 60_000;
    }
    throttle.failure("admin", DIRECT);
    expect(throttle.check("admin", DIRECT).refusedForMs).toBe(60_000);
    for (let i = 0; i < 40; i++) throttle.failure(`user${i}`, DIRECT);
    expect(throttle.check("someone-else", DIRECT).refusedForMs).toBe(0);
  });

  it("a success forgets the failures of that user at that address", () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 4; i++) throttle.failure("bob", "10.0.0.9");
    throttle.success("bob", "10.0.0.9");
    for (let i = 0; i < 4; i++) throttle.failure("bob", "10.0.0.9");
    expect(throttle.check("bob", "10.0.0.9").refusedForMs).toBe(0);
  });

  it("refuses an address that sprays many usernames, for every username", () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < ADDRESS_BACKOFF.free; i++) throttle.failure(`user${i}`, "10.6.6.6");
    expect(throttle.check("someone-new", "10.6.6.6").refusedForMs).toBe(1_000);
    expect(throttle.check("someone-new", "10.0.0.1").refusedForMs).toBe(0);
  });

  it("guesses of one user from many addresses slow that user's sign-ins (at most 3 s) but never refuse them", () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 500; i++) throttle.failure("admin", `10.1.${Math.floor(i / 250)}.${i % 250}`);
    const atHome = throttle.check("admin", "192.168.1.20");
    expect(atHome.refusedForMs).toBe(0);
    expect(atHome.delayMs).toBe(USER_SLOWDOWN.capMs);
  });

  it("forgets a counter once quiet, and never holds more than its cap of entries", () => {
    const { clock, throttle } = throttleAt();
    for (let i = 0; i < 5; i++) throttle.failure("admin", "10.0.0.9");
    clock.now += 1_000 + FORGET_MS + 1;
    throttle.failure("other", "10.0.0.8");
    expect(throttle.check("admin", "10.0.0.9").refusedForMs).toBe(0);
    // one failure more would have meant a 2 s wait had the old count been kept
    expect(throttle.failure("admin", "10.0.0.9").refusedForMs).toBe(0);

    const small = new SignInThrottle(() => clock.now, 300);
    for (let i = 0; i < 10_000; i++) small.failure(`made-up-${i}`, `10.2.${i % 200}.${i % 250}`);
    expect(small.size).toBeLessThanOrEqual(300);
  });
});

describe("client address", () => {
  const bag = (h: Record<string, string>) => ({ get: (name: string) => h[name] ?? null });
  it.each([
    [{ "x-forwarded-for": "203.0.113.5" }, false, DIRECT],
    [{ "x-real-ip": "203.0.113.5" }, false, DIRECT],
    [{ "x-real-ip": "203.0.113.5", "x-forwarded-for": "1.2.3.4" }, true, "203.0.113.5"],
    [{ "x-forwarded-for": "6.6.6.6, 203.0.113.5" }, true, "203.0.113.5"],
    [{ "x-forwarded-for": "not an address" }, true, DIRECT],
    [{}, true, DIRECT],
  ])("%j trusted=%s: %s", (headers, trusted, expected) => {
    expect(clientAddress(bag(headers), trusted)).toBe(expected);
  });
});

describe("password gate", () => {
  it("runs at most `limit` at once, queues up to `maxQueue`, refuses the rest as busy", async () => {
    const gate = new Gate(2, 3);
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const job = () =>
      gate.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => releases.push(r));
        running -= 1;
      });
    let settled = 0;
    const outcomes = Array.from({ length: 8 }, () =>
      job()
        .then(
          () => "done",
          (e: Error) => e.message,
        )
        .finally(() => (settled += 1)),
    );
    await Promise.resolve();
    expect(gate.running).toBe(2);
    expect(gate.queued).toBe(3);
    // release the running jobs one by one until every admitted one has finished
    while (settled < outcomes.length) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all(outcomes);
    expect(results.filter((r) => r === "done")).toHaveLength(5);
    expect(results.filter((r) => r.startsWith("busy"))).toHaveLength(3);
    expect(peak).toBe(2);
    expect(gate.running).toBe(0);
  });
});
