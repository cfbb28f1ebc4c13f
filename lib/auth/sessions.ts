import "server-only";
import crypto from "node:crypto";
import { SESSION_COOKIE_NAME, hasSessionShape } from "@/lib/auth/cookie";
import { type OperatorRole, isRole } from "@/lib/auth/roles";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

export const SESSION_COOKIE = SESSION_COOKIE_NAME;
/** A session ends this long after sign-in, however busy (CLUSTERDECK_SESSION_LIFETIME_MINUTES). */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** …and this long after the last page load or action (CLUSTERDECK_SESSION_IDLE_MINUTES). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
// lastSeenAt is written at most this often, so a burst of requests is one write
const TOUCH_EVERY_MS = 60 * 1000;

export interface Operator {
  id: string;
  username: string;
  role: OperatorRole;
  /** an admin reset the password (or created the account): nothing but the password change until it changes */
  mustChangePassword?: boolean;
}

export function sessionLimits(): { lifetimeMs: number; idleMs: number } {
  const e = env();
  return {
    lifetimeMs: e.CLUSTERDECK_SESSION_LIFETIME_MINUTES ? Number(e.CLUSTERDECK_SESSION_LIFETIME_MINUTES) * 60_000 : SESSION_LIFETIME_MS,
    idleMs: e.CLUSTERDECK_SESSION_IDLE_MINUTES ? Number(e.CLUSTERDECK_SESSION_IDLE_MINUTES) * 60_000 : SESSION_IDLE_MS,
  };
}

export function tokenId(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** A new session; the token goes to the cookie, only its hash to the database. It ends at `expiresAt`, never later. */
export async function createSession(userId: string, userAgent: string | null, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(now + sessionLimits().lifetimeMs);
  await db.session.create({
    data: { id: tokenId(token), userId, createdAt: new Date(now), lastSeenAt: new Date(now), expiresAt, userAgent: userAgent?.slice(0, 200) },
  });
  return { token, expiresAt };
}

export interface LookupOptions {
  /**
   * This request is a person's (a page load or an action), not background polling: it counts as
   * activity for the idle timeout. The 2 s polling of /api/** never touches, so an open tab alone
   * does not keep a session alive.
   */
  touch?: boolean;
  now?: number;
}

/**
 * The operator behind a session token. Refused (and the session deleted) past its absolute lifetime,
 * after the idle timeout since the last page load or action, or when the user is disabled.
 */
export async function operatorForToken(token: string, { touch = false, now = Date.now() }: LookupOptions = {}): Promise<Operator | null> {
  if (!hasSessionShape(token)) return null;
  const session = await db.session.findUnique({ where: { id: tokenId(token) }, include: { user: true } });
  if (!session) return null;
  const { idleMs } = sessionLimits();
  if (session.expiresAt.getTime() <= now || now - session.lastSeenAt.getTime() > idleMs || session.user.disabled) {
    await db.session.delete({ where: { id: session.id } }).catch(() => undefined);
    return null;
  }
  if (touch && now - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    // lastSeenAt only: the absolute end (expiresAt) is never extended
    await db.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(now) } }).catch(() => undefined);
  }
  const role = session.user.role;
  if (!isRole(role)) return null;
  return { id: session.user.id, username: session.user.username, role, mustChangePassword: session.user.mustChangePassword };
}

export async function deleteSession(token: string): Promise<void> {
  await db.session.deleteMany({ where: { id: tokenId(token) } });
}

/** Ends every session of a user, except the one with `keepToken` (a self-service password change). */
export async function revokeUserSessions(userId: string, keepToken?: string): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { userId, ...(keepToken ? { id: { not: tokenId(keepToken) } } : {}) } });
  return count;
}

export async function purgeExpiredSessions(now = Date.now()): Promise<number> {
  const { count } = await db.session.deleteMany({
    where: { OR: [{ expiresAt: { lt: new Date(now) } }, { lastSeenAt: { lt: new Date(now - sessionLimits().idleMs) } }] },
  });
  return count;
}
