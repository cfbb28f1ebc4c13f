import { beforeAll, describe, expect, it } from "vitest";
import type * as Users from "@/lib/auth/users";
import type * as Sessions from "@/lib/auth/sessions";
import type * as DbModule from "@/lib/db";
import { AppError } from "@/lib/errors";
import { migratedDatabase } from "@/test/support/database";

// Accounts and sessions against a real SQLite database with the project's migrations.

// Imported only after DATABASE_URL points at the test database: lib/db connects on import.
let users: typeof Users;
let sessions: typeof Sessions;
let db: typeof DbModule.db;

beforeAll(async () => {
  process.env.DATABASE_URL = migratedDatabase().url;
  delete process.env.CLUSTERDECK_ADMIN_PASSWORD;
  users = await import("@/lib/auth/users");
  sessions = await import("@/lib/auth/sessions");
  db = (await import("@/lib/db")).db;
});

describe("first start", () => {
  it("creates admin once, printing a generated password that works, and never again", async () => {
    const printed: string[] = [];
    await users.ensureAdmin((line) => printed.push(line));
    const password = printed.find((l) => l.includes("password:"))?.split("password:")[1]?.trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    await expect(users.authenticate("admin", password ?? "")).resolves.toMatchObject({ role: "admin" });
    const again: string[] = [];
    await users.ensureAdmin((line) => again.push(line));
    expect(again).toEqual([]);
    expect(await db.user.count()).toBe(1);
    const stored = await db.user.findUniqueOrThrow({ where: { username: "admin" } });
    expect(stored.passwordHash).not.toContain(password ?? "");
  });
});

describe("sign-in and sessions", () => {
  it("refuses a wrong password and an unknown user alike", async () => {
    await users.createUser("olga", "operator-password", "operator");
    for (const [name, pw] of [
      ["olga", "wrong"],
      ["nobody", "operator-password"],
    ] as const) {
      const err = await users.authenticate(name, pw).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).message).toBe("wrong username or password");
    }
  });

  it("a session token finds its operator; the database holds only its hash; signing out ends it", async () => {
    const olga = await users.authenticate("olga", "operator-password");
    const { token } = await sessions.createSession(olga.id, "test-agent");
    expect(await sessions.operatorForToken(token)).toMatchObject({ username: "olga", role: "operator" });
    const rows = await db.session.findMany();
    expect(rows.some((r) => r.id === token)).toBe(false);
    await sessions.deleteSession(token);
    expect(await sessions.operatorForToken(token)).toBeNull();
  });

  it("an expired session is refused and purged; a malformed token is ignored", async () => {
    const olga = await users.authenticate("olga", "operator-password");
    const { token } = await sessions.createSession(olga.id, null);
    await db.session.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await sessions.operatorForToken(token)).toBeNull();
    expect(await db.session.count()).toBe(0);
    expect(await sessions.operatorForToken("'; DROP TABLE User; --")).toBeNull();
  });

  it("refuses the right password from an address that failed too often, but not from another address", async () => {
    await users.createUser("victor", "viewer-password", "viewer");
    for (let i = 0; i < 5; i++) await users.authenticate("victor", "nope", "198.51.100.7").catch(() => undefined);
    const err = await users.authenticate("victor", "viewer-password", "198.51.100.7").catch((e: unknown) => e);
    expect((err as AppError).code).toBe("Forbidden");
    expect((err as AppError).message).toMatch(/too many failed attempts; try again in 1 s/);
    await expect(users.authenticate("victor", "viewer-password", "203.0.113.20")).resolves.toMatchObject({ role: "viewer" });
  });
});
