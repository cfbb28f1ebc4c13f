import { type NextRequest, NextResponse } from "next/server";
import { SESSION_COOKIE_NAME, hasSessionShape } from "@/lib/auth/cookie";
import { securityHeaders } from "@/lib/security-headers";

// Runs before any page, route handler or action. A request without a session cookie never reaches
// the console's code: pages get an empty redirect to the sign-in page, the API an empty 401, so no
// byte of the cluster's state is rendered for it. A cookie is only a hint here: every page, handler
// and action still checks the session itself (lib/auth/current.ts). Every answer carries the
// security headers.

const PUBLIC = new Set(["/sign-in"]);

export function proxy(request: NextRequest): NextResponse {
  const { pathname, search } = request.nextUrl;
  let response: NextResponse;
  if (PUBLIC.has(pathname) || hasSessionShape(request.cookies.get(SESSION_COOKIE_NAME)?.value)) {
    response = NextResponse.next();
  } else if (pathname.startsWith("/api/")) {
    response = NextResponse.json({ error: { code: "Unauthenticated", message: "sign in first" } }, { status: 401 });
  } else {
    const target = new URL("/sign-in", request.url);
    if (pathname !== "/" && request.method === "GET") target.searchParams.set("next", `${pathname}${search}`);
    response = NextResponse.redirect(target, 307);
  }
  for (const [name, value] of Object.entries(securityHeaders(process.env.CLUSTERDECK_PUBLIC_URL))) response.headers.set(name, value);
  return response;
}

export const config = {
  // everything but the build's static files (they carry no state and are public by nature)
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
