// The session cookie's name and the shape of its token (32 random bytes, base64url), shared by
// the proxy, which must not load the database, and lib/auth/sessions.ts.

export const SESSION_COOKIE_NAME = "clusterdeck_session";

export function hasSessionShape(token: string | undefined): token is string {
  return token !== undefined && /^[A-Za-z0-9_-]{20,100}$/.test(token);
}
