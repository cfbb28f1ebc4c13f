import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type * as GateModule from "@/lib/auth/gate";
import type * as Sessions from "@/lib/auth/sessions";
import type * as Users from "@/lib/auth/users";
import type * as DbModule from "@/lib/db";
import { AppError } from "@/lib/errors";
import { migratedDatabase } from "@/test/support/database";

// Users and roles, sessions' lifetime and the sign-in's bound on bcrypt, against a real SQLite
// database with the project's migrations and the documented example inventory (for the timeline).

let users: typeof Users;
let sessions: typeof Sessions;
let gate: typeof GateModule;
let db: typeof DbModule.db;

beforeAll(async () => {
  process.env.DATABASE_URL = migratedDatabase().url;
  process.env.CLUSTERDECK_INVENTORY = path.join(process.cwd(), "docs", "clusterdeck.example.yaml");
  delete process.env.CLUSTERDECK_SESSION_LIFETIME_MINUTES;
  delete process.env.CLUSTERDECK_SESSION_IDLE_MINUTES;
  users = await import("@/lib/auth/users");
  sessions = await import("@/lib/auth/sessions");
  gate = await import("@/lib/auth/gate");
  db = (await import("@/lib/db")).db;
  await users.createUser("root-admin", "root-admin-password", "admin");
});

async function operator(username: string) {
  const u = await db.user.findUniqueOrThrow({ where: { username } });
  return { id: u.id, username: u.username, role: u.role as "viewer" | "operator" | "admin" };
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

async function signedIn(username: string, password: string): Promise<string> {
  const u = await users.authenticate(username, password, "203.0.113.1");
  return (await sessions.createSession(u.id, null)).token;
}

describe("the last enabled admin", () => {
  it("cannot be demoted, disabled or deleted; with a second admin they can; nobody deletes themself", async () => {
    const root = await operator("root-admin");
    expect((await refusal(users.changeRole(root, root.id, "operator"))).message).toMatch(/last enabled admin/);
    expect((await refusal(users.setDisabled(root, root.id, true))).message).toMatch(/last enabled admin/);
    expect((await refusal(users.deleteUser(root, root.id))).message).toMatch(/cannot delete yourself/);

    await users.addUser(root, { username: "second-admin", role: "admin", password: "second-admin-pw" });
    const second = await operator("second-admin");
    // a disabled admin does not count: with second disabled, root is the last enabled one again
    await users.setDisabled(root, second.id, true);
    expect((await refusal(users.changeRole(root, root.id, "viewer"))).code).toBe("Conflict");
    expect((await refusal(users.deleteUser(second, root.id))).message).toMatch(/last enabled admin/);
    await users.setDisabled(root, second.id, false);

    // two admins racing to demote each other: one wins, the other is refused
    const outcomes = await Promise.allSettled([users.changeRole(root, second.id, "operator"), users.changeRole(second, root.id, "operator")]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(await db.user.count({ where: { role: "admin", disabled: false } })).toBe(1);
    const stillAdmin = await db.user.findFirstOrThrow({ where: { role: "admin" } });
    if (stillAdmin.username !== "root-admin") await users.changeRole(await operator(stillAdmin.username), root.id, "admin");
    await users.deleteUser(root, second.id);
  });
});

describe("revoking sessions", () => {
  it("ends every session of a user on role change, disable, reset and delete; a self-change keeps only the current one", async () => {
    const root = await operator("root-admin");
    await users.addUser(root, { username: "olga", role: "operator", password: "olga-first-password" });
    const olga = await operator("olga");
    const alive = async (token: string) => (await sessions.operatorForToken(token)) !== null;

    const t1 = await signedIn("olga", "olga-first-password");
    expect(await sessions.operatorForToken(t1)).toMatchObject({ username: "olga", mustChangePassword: true });
    await users.changeRole(root, olga.id, "viewer");
    expect(await alive(t1)).toBe(false);

    const t2 = await signedIn("olga", "olga-first-password");
    await users.setDisabled(root, olga.id, true);
    expect(await alive(t2)).toBe(false);
    await users.setDisabled(root, olga.id, false);

    const t3 = await signedIn("olga", "olga-first-password");
    const { password: oneTime } = await users.resetPassword(root, olga.id);
    expect(await alive(t3)).toBe(false);
    expect(oneTime).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await refusal(users.authenticate("olga", "olga-first-password", "203.0.113.1"))).message).toBe("wrong username or password");

    const here = await signedIn("olga", oneTime);
    const elsewhere = await signedIn("olga", oneTime);
    expect((await refusal(users.changeOwnPassword(olga, "not-it", "olga-second-password", here))).message).toBe("the current password is wrong");
    expect((await refusal(users.changeOwnPassword(olga, oneTime, "olga", here))).message).toMatch(/12 characters/);
    await users.changeOwnPassword(olga, oneTime, "olga-second-password", here);
    expect(await alive(here)).toBe(true);
    expect(await alive(elsewhere)).toBe(false);
    expect(await sessions.operatorForToken(here)).toMatchObject({ mustChangePassword: false });

    await users.deleteUser(root, olga.id);
    expect(await alive(here)).toBe(false);
  });

  it("a disabled user is refused with the words of a wrong password, and their open session ends", async () => {
    const root = await operator("root-admin");
    await users.addUser(root, { username: "dora", role: "viewer", password: "dora-password-1" });
    const dora = await operator("dora");
    const token = await signedIn("dora", "dora-password-1");
    // disabled behind the console's back (no revocation): the session still ends at its next use
    await db.user.update({ where: { id: dora.id }, data: { disabled: true } });
    expect(await sessions.operatorForToken(token)).toBeNull();
    expect(await db.session.count({ where: { userId: dora.id } })).toBe(0);
    const err = await refusal(users.authenticate("dora", "dora-password-1", "203.0.113.1"));
    expect(err.message).toBe("wrong username or password");
  });
});

describe("session lifetime", () => {
  const MIN = 60_000;

  it("ends 30 min after the last page load or action, however much the background polls", async () => {
    const viewer = await operator("root-admin");
    const t0 = Date.now();
    const { token } = await sessions.createSession(viewer.id, null, t0);
    // polling every 2 s for 29 min does not touch; a page load at 29 min does
    expect(await sessions.operatorForToken(token, { now: t0 + 29 * MIN })).not.toBeNull();
    expect(await sessions.operatorForToken(token, { now: t0 + 29 * MIN, touch: true })).not.toBeNull();
    expect(await sessions.operatorForToken(token, { now: t0 + 58 * MIN })).not.toBeNull();
    expect(await sessions.operatorForToken(token, { now: t0 + 59 * MIN + 1 })).toBeNull();
    expect(await db.session.count({ where: { id: sessions.tokenId(token) } })).toBe(0);
  });

  it("ends 12 h after sign-in even when used all along", async () => {
    const admin = await operator("root-admin");
    const t0 = Date.now();
    const { token, expiresAt } = await sessions.createSession(admin.id, null, t0);
    expect(expiresAt.getTime()).toBe(t0 + 12 * 60 * MIN);
    let now = t0;
    for (; now < t0 + 12 * 60 * MIN - 20 * MIN; now += 20 * MIN) {
      expect(await sessions.operatorForToken(token, { now, touch: true })).not.toBeNull();
    }
    const row = await db.session.findUniqueOrThrow({ where: { id: sessions.tokenId(token) } });
    expect(row.expiresAt.getTime()).toBe(t0 + 12 * 60 * MIN);
    expect(await sessions.operatorForToken(token, { now: t0 + 12 * 60 * MIN, touch: true })).toBeNull();
  });
});

describe("the timeline", () => {
  it("records sign-ins, failures, lock-outs and user changes with the actor, never a password", async () => {
    const root = await operator("root-admin");
    await users.addUser(root, { username: "tina", role: "viewer", password: "tina-password-1" });
    for (let i = 0; i < 5; i++) await users.authenticate("tina", "secret-guess-123", "192.0.2.44").catch(() => undefined);
    await users.authenticate("tina", "tina-password-1", "192.0.2.45");
    const events = await db.event.findMany({ where: { OR: [{ kind: { startsWith: "auth." } }, { kind: { startsWith: "user." } }] } });
    const kinds = new Set(events.map((e) => e.kind));
    for (const kind of ["auth.sign-in", "auth.sign-in-failed", "auth.locked-out", "user.added", "user.role-changed", "user.disabled", "user.enabled", "user.deleted", "user.password-reset", "user.password-changed"]) {
      expect(kinds, kind).toContain(kind);
    }
    expect(events.every((e) => e.tier === "operator" && e.actor)).toBe(true);
    const tina = events.filter((e) => e.actor === "tina");
    expect(tina.find((e) => e.kind === "auth.locked-out")?.message).toMatch(/tina from 192\.0\.2\.44 refused for 1 s/);
    expect(tina.find((e) => e.kind === "auth.sign-in")?.after).toContain("192.0.2.45");
    const everything = JSON.stringify(events);
    for (const secret of ["secret-guess-123", "tina-password-1", "olga-second-password", "root-admin-password", "$2"]) expect(everything).not.toContain(secret);
  });
});

describe("a flood of sign-ins", () => {
  it("60 concurrent wrong sign-ins run at most 2 bcrypt checks at once, refuse the excess as busy, and all finish", async () => {
    let running = 0;
    let peak = 0;
    let checks = 0;
    const original = gate.passwordGate.run.bind(gate.passwordGate);
    gate.passwordGate.run = <T>(fn: () => Promise<T>) =>
      original(async () => {
        running += 1;
        checks += 1;
        peak = Math.max(peak, running);
        try {
          return await fn();
        } finally {
          running -= 1;
        }
      });
    try {
      const cpu = process.cpuUsage();
      const started = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          users.authenticate("root-admin", `guess-${i}`, `198.18.${Math.floor(i / 200)}.${i % 200}`).then(
            () => "signed in",
            (e: AppError) => e.message,
          ),
        ),
      );
      const used = process.cpuUsage(cpu);
      const busy = outcomes.filter((m) => m.startsWith("busy")).length;
      const wrong = outcomes.filter((m) => m === "wrong username or password").length;
      console.log(
        `60 concurrent wrong sign-ins: ${checks} bcrypt checks, at most ${peak} at once, ${wrong} refused as wrong, ${busy} as busy; ` +
          `${((used.user + used.system) / 1e6).toFixed(1)} s CPU, ${((Date.now() - started) / 1000).toFixed(1)} s wall`,
      );
      expect(peak).toBeLessThanOrEqual(2);
      expect(peak).toBeGreaterThan(0);
      expect(wrong + busy).toBe(60);
      expect(wrong).toBe(checks);
      expect(checks).toBeLessThanOrEqual(gate.passwordGate.limit + gate.passwordGate.maxQueue);
    } finally {
      gate.passwordGate.run = original;
    }
    // the flood over, the right password goes through at once
    await expect(users.authenticate("root-admin", "root-admin-password", "203.0.113.99")).resolves.toMatchObject({ role: "admin" });
  });
});
