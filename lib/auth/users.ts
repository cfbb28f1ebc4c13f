import "server-only";
import crypto from "node:crypto";
import { DIRECT } from "@/lib/auth/address";
import { recordAuthEvent, recordAuthEventQuietly } from "@/lib/auth/audit";
import { passwordGate } from "@/lib/auth/gate";
import { dummyHash, hashPassword, verifyPassword } from "@/lib/auth/password";
import { type OperatorRole, isRole } from "@/lib/auth/roles";
import { type Operator, revokeUserSessions } from "@/lib/auth/sessions";
import { signInThrottle } from "@/lib/auth/throttle";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

/** Every bcrypt hash and compare goes through the gate: a flood of sign-ins cannot take the CPU. */
const gatedHash = (password: string) => passwordGate.run(() => hashPassword(password));
const gatedVerify = (password: string, hash: string) => passwordGate.run(() => verifyPassword(password, hash));

/** A one-time password shown once: 16 characters of base64url (96 bits). */
export function generatePassword(): string {
  return crypto.randomBytes(12).toString("base64url");
}

/**
 * On the first start there are no users: create `admin`, with CLUSTERDECK_ADMIN_PASSWORD or a
 * generated password printed once. Later starts change nothing.
 */
export async function ensureAdmin(print: (line: string) => void = console.log): Promise<void> {
  if ((await db.user.count()) > 0) return;
  const given = env().CLUSTERDECK_ADMIN_PASSWORD;
  const password = given ?? generatePassword();
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

const WRONG = "wrong username or password";

/**
 * Check a username and password; slow to guess, silent about which of the two was wrong (a disabled
 * user is refused with the same words), throttled per (user, address) and per address, and recorded
 * on the timeline. `address` is the client's (see lib/auth/address.ts), "direct" when unknown.
 */
export async function authenticate(username: string, password: string, address: string = DIRECT): Promise<{ id: string; role: OperatorRole }> {
  const shownAddress = address === DIRECT ? null : address;
  const verdict = signInThrottle.check(username, address);
  if (verdict.refusedForMs > 0) {
    throw new AppError("Forbidden", `too many failed attempts; try again in ${Math.ceil(verdict.refusedForMs / 1000)} s`);
  }
  if (verdict.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
  const user = await db.user.findUnique({ where: { username } });
  // Compare against a dummy hash when the user is unknown so timing does not reveal it.
  const ok = await gatedVerify(password, user?.passwordHash ?? dummyHash());
  if (!user || !ok || user.disabled || !isRole(user.role)) {
    const outcome = signInThrottle.failure(username, address);
    const why = !user ? "unknown user" : user.disabled ? "disabled user" : "wrong password";
    await recordAuthEventQuietly({
      kind: "auth.sign-in-failed",
      actor: username,
      severity: "warning",
      message: `sign-in as ${username} failed (${why})${shownAddress ? ` from ${shownAddress}` : ""}`,
      after: { address: shownAddress, reason: why },
    });
    if (outcome.lockedNow) {
      await recordAuthEventQuietly({
        kind: "auth.locked-out",
        actor: username,
        severity: "warning",
        message: `sign-in as ${username}${shownAddress ? ` from ${shownAddress}` : ""} refused for ${Math.ceil(outcome.refusedForMs / 1000)} s after repeated failures`,
        after: { address: shownAddress, refusedForSeconds: Math.ceil(outcome.refusedForMs / 1000) },
      });
    }
    throw new AppError("Unauthenticated", WRONG);
  }
  signInThrottle.success(username, address);
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  await recordAuthEventQuietly({
    kind: "auth.sign-in",
    actor: user.username,
    message: `${user.username} signed in${shownAddress ? ` from ${shownAddress}` : ""}`,
    after: { address: shownAddress },
  });
  return { id: user.id, role: user.role };
}

// ---- users and roles (the admin's screen) ----

export interface UserSummary {
  id: string;
  username: string;
  role: OperatorRole;
  disabled: boolean;
  mustChangePassword: boolean;
  lastLoginAt: number | null;
  createdAt: number;
  createdBy: string | null;
}

export async function listUsers(): Promise<UserSummary[]> {
  const rows = await db.user.findMany({ orderBy: { username: "asc" } });
  return rows.map((u) => ({
    id: u.id,
    username: u.username,
    role: isRole(u.role) ? u.role : "viewer",
    disabled: u.disabled,
    mustChangePassword: u.mustChangePassword,
    lastLoginAt: u.lastLoginAt?.getTime() ?? null,
    createdAt: u.createdAt.getTime(),
    createdBy: u.createdBy,
  }));
}

// One user change at a time in this process, so the last-admin check and the change it guards cannot interleave.
const g = globalThis as unknown as { clusterdeckUserLock?: Promise<unknown> };
function withUserLock<T>(fn: () => Promise<T>): Promise<T> {
  const run = (g.clusterdeckUserLock ?? Promise.resolve()).then(fn, fn);
  g.clusterdeckUserLock = run.catch(() => undefined);
  return run;
}

type Tx = Parameters<Parameters<typeof db.$transaction>[0]>[0];

async function findUser(tx: Tx, userId: string) {
  const user = await tx.user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError("NotFound", "no such user (deleted meanwhile?)");
  return user;
}

/** Refuses a change that would leave no enabled admin. */
async function keepOneAdmin(tx: Tx, user: { id: string; role: string; disabled: boolean }, what: string): Promise<void> {
  if (user.role !== "admin" || user.disabled) return;
  const others = await tx.user.count({ where: { role: "admin", disabled: false, id: { not: user.id } } });
  if (others === 0) throw new AppError("Conflict", `cannot ${what} the last enabled admin; make another user admin first`);
}

export function checkNewPassword(username: string, password: string): void {
  if (password.length < 12) throw new AppError("InvalidInput", "a password needs at least 12 characters");
  if (password.toLowerCase() === username.toLowerCase()) throw new AppError("InvalidInput", "the password must not be the username");
}

/** Adds a user who must change the given (or generated) password at first sign-in. Returns the generated one, to show once. */
export async function addUser(admin: Operator, input: { username: string; role: OperatorRole; password?: string }): Promise<{ generatedPassword: string | null }> {
  const password = input.password || generatePassword();
  checkNewPassword(input.username, password);
  const passwordHash = await gatedHash(password);
  await withUserLock(async () => {
    const clash = await db.user.findFirst({ where: { username: input.username } });
    if (clash) throw new AppError("Conflict", `a user named ${input.username} exists already`);
    await db.user.create({ data: { username: input.username, role: input.role, passwordHash, mustChangePassword: true, createdBy: admin.username } });
  });
  await recordAuthEvent({
    kind: "user.added",
    actor: admin.username,
    message: `${admin.username} added user ${input.username} (${input.role})`,
    after: { username: input.username, role: input.role },
  });
  return { generatedPassword: input.password ? null : password };
}

export async function changeRole(admin: Operator, userId: string, role: OperatorRole): Promise<void> {
  const before = await withUserLock(() =>
    db.$transaction(async (tx) => {
      const user = await findUser(tx, userId);
      if (user.role === role) return null;
      if (role !== "admin") await keepOneAdmin(tx, user, "demote");
      await tx.user.update({ where: { id: userId }, data: { role } });
      await tx.session.deleteMany({ where: { userId } });
      return user;
    }),
  );
  if (!before) return;
  await recordAuthEvent({
    kind: "user.role-changed",
    actor: admin.username,
    message: `${admin.username} changed ${before.username}'s role from ${before.role} to ${role}`,
    before: { username: before.username, role: before.role },
    after: { username: before.username, role },
  });
}

export async function setDisabled(admin: Operator, userId: string, disabled: boolean): Promise<void> {
  const before = await withUserLock(() =>
    db.$transaction(async (tx) => {
      const user = await findUser(tx, userId);
      if (user.disabled === disabled) return null;
      if (disabled) await keepOneAdmin(tx, user, "disable");
      await tx.user.update({ where: { id: userId }, data: { disabled } });
      await tx.session.deleteMany({ where: { userId } });
      return user;
    }),
  );
  if (!before) return;
  await recordAuthEvent({
    kind: disabled ? "user.disabled" : "user.enabled",
    actor: admin.username,
    message: `${admin.username} ${disabled ? "disabled" : "enabled"} user ${before.username}`,
    before: { username: before.username, disabled: before.disabled },
    after: { username: before.username, disabled },
  });
}

export async function deleteUser(admin: Operator, userId: string): Promise<void> {
  if (userId === admin.id) throw new AppError("Conflict", "you cannot delete yourself; another admin can");
  const before = await withUserLock(() =>
    db.$transaction(async (tx) => {
      const user = await findUser(tx, userId);
      await keepOneAdmin(tx, user, "delete");
      // sessions go with the user (onDelete: Cascade)
      await tx.user.delete({ where: { id: userId } });
      return user;
    }),
  );
  await recordAuthEvent({
    kind: "user.deleted",
    actor: admin.username,
    message: `${admin.username} deleted user ${before.username} (${before.role})`,
    before: { username: before.username, role: before.role },
  });
}

/** A one-time password, returned to show the admin once; the user must change it at next sign-in, and every session of theirs ends. */
export async function resetPassword(admin: Operator, userId: string): Promise<{ username: string; password: string }> {
  const password = generatePassword();
  const passwordHash = await gatedHash(password);
  const user = await withUserLock(() =>
    db.$transaction(async (tx) => {
      const u = await findUser(tx, userId);
      await tx.user.update({ where: { id: userId }, data: { passwordHash, mustChangePassword: true, passwordChangedAt: new Date() } });
      await tx.session.deleteMany({ where: { userId } });
      return u;
    }),
  );
  await recordAuthEvent({
    kind: "user.password-reset",
    actor: admin.username,
    message: `${admin.username} reset the password of ${user.username}; it must be changed at next sign-in`,
    after: { username: user.username },
  });
  return { username: user.username, password };
}

/** A user changes their own password; every other session of theirs ends, the current one (`keepToken`) stays. */
export async function changeOwnPassword(operator: Operator, current: string, next: string, keepToken?: string): Promise<void> {
  const user = await db.user.findUnique({ where: { id: operator.id } });
  if (!user || user.disabled) throw new AppError("Unauthenticated", "sign in first");
  // a stolen session must not become a free password oracle: the same throttle as the sign-in
  const verdict = signInThrottle.check(user.username, "password-change");
  if (verdict.refusedForMs > 0) {
    throw new AppError("Forbidden", `too many failed attempts; try again in ${Math.ceil(verdict.refusedForMs / 1000)} s`);
  }
  if (!(await gatedVerify(current, user.passwordHash))) {
    signInThrottle.failure(user.username, "password-change");
    throw new AppError("Forbidden", "the current password is wrong");
  }
  checkNewPassword(user.username, next);
  if (next === current) throw new AppError("InvalidInput", "the new password must differ from the current one");
  const passwordHash = await gatedHash(next);
  await db.user.update({ where: { id: user.id }, data: { passwordHash, mustChangePassword: false, passwordChangedAt: new Date() } });
  const ended = await revokeUserSessions(user.id, keepToken);
  await recordAuthEvent({
    kind: "user.password-changed",
    actor: user.username,
    message: `${user.username} changed their password${ended > 0 ? `; ${ended} other session${ended === 1 ? "" : "s"} ended` : ""}`,
    after: { username: user.username },
  });
}
