import "server-only";
import crypto from "node:crypto";
import { dummyHash, hashPassword, verifyPassword } from "@/lib/auth/password";
import { type OperatorRole, isRole } from "@/lib/auth/roles";
import { lockedForMs, recordFailure, recordSuccess } from "@/lib/auth/throttle";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * On the first start there are no users: create `admin`, with CLUSTERDECK_ADMIN_PASSWORD or a
 * generated password printed once. Later starts change nothing.
 */
export async function ensureAdmin(print: (line: string) => void = console.log): Promise<void> {
  if ((await db.user.count()) > 0) return;
  const given = env().CLUSTERDECK_ADMIN_PASSWORD;
  const password = given ?? crypto.randomBytes(12).toString("base64url");
  await db.user.create({ data: { username: "admin", role: "admin", passwordHash: await hashPassword(password) } });
  if (given) {
    print("ClusterDeck: created user admin with the password from CLUSTERDECK_ADMIN_PASSWORD.");
  } else {
    print("ClusterDeck: created user admin. Its password, shown only this once:");
    print(`  username: admin`);
    print(`  password: ${password}`);
  }
}

export async function createUser(username: string, password: string, role: OperatorRole): Promise<void> {
  await db.user.create({ data: { username, role, passwordHash: await hashPassword(password) } });
}

/** Check a username and password; slow to guess, and silent about which of the two was wrong. */
export async function authenticate(username: string, password: string): Promise<{ id: string; role: OperatorRole }> {
  const locked = lockedForMs(username);
  if (locked > 0) {
    throw new AppError("Forbidden", `too many failed attempts; try again in ${Math.ceil(locked / 1000)} s`);
  }
  const user = await db.user.findUnique({ where: { username } });
  // Compare against a dummy hash when the user is unknown so timing does not reveal it.
  const ok = await verifyPassword(password, user?.passwordHash ?? dummyHash());
  if (!user || !ok || !isRole(user.role)) {
    recordFailure(username);
    throw new AppError("Unauthenticated", "wrong username or password");
  }
  recordSuccess(username);
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  return { id: user.id, role: user.role };
}
