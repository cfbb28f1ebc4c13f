import "server-only";
import crypto from "node:crypto";
import { type OperatorRole, isRole } from "@/lib/auth/roles";
import { db } from "@/lib/db";

export const SESSION_COOKIE = "clusterdeck_session";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const TOUCH_EVERY_MS = 5 * 60 * 1000;

export interface Operator {
  id: string;
  username: string;
  role: OperatorRole;
}

function tokenId(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** A new session; the token goes to the cookie, only its hash to the database. */
export async function createSession(userId: string, userAgent: string | null): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.session.create({ data: { id: tokenId(token), userId, expiresAt, userAgent: userAgent?.slice(0, 200) } });
  return { token, expiresAt };
}

/** The operator behind a session token, extending the session while it is used. */
export async function operatorForToken(token: string): Promise<Operator | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const session = await db.session.findUnique({ where: { id: tokenId(token) }, include: { user: true } });
  if (!session) return null;
  const now = Date.now();
  if (session.expiresAt.getTime() <= now) {
    await db.session.delete({ where: { id: session.id } }).catch(() => undefined);
    return null;
  }
  if (now - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db.session.update({
      where: { id: session.id },
      data: { lastSeenAt: new Date(now), expiresAt: new Date(now + SESSION_TTL_MS) },
    });
  }
  const role = session.user.role;
  if (!isRole(role)) return null;
  return { id: session.user.id, username: session.user.username, role };
}

export async function deleteSession(token: string): Promise<void> {
  await db.session.deleteMany({ where: { id: tokenId(token) } });
}

export async function purgeExpiredSessions(): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return count;
}
