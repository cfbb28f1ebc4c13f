import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext, Page } from "@playwright/test";
import { parse } from "yaml";
import { ensureUser, expect, removeUser, test } from "./fixtures";

// Issue 10's security tables, against the console Playwright started: every page and route handler in
// app/, found on disk so a new one cannot slip past, asked by a stranger (no cookie, a forged cookie)
// and by each role.

type Role = "viewer" | "operator" | "admin";
const ROLES: Role[] = ["viewer", "operator", "admin"];
const PASSWORD = "security-table-password";

/** Sample values for the dynamic segments of app/ (a route with an unknown segment fails the test). */
const SEGMENTS: Record<string, string> = { clusterId: "lab", id: "1", runId: "no-such-run" };

interface Route {
  path: string;
  kind: "page" | "api";
  /** the least role that may read it; null: anyone (the sign-in page) */
  role: Role | null;
}

/** Query strings routes need to answer at all (without one they rightly answer 400). */
const QUERIES: Record<string, string> = { "/api/clusters/lab/series": "?series=host.load1&range=1h" };

/** Pages only an admin may open; every other page is for any signed-in operator. */
const ADMIN_PAGES = new Set(["/settings/users"]);

function routesOnDisk(): Route[] {
  const root = path.join(process.cwd(), "app");
  const found: Route[] = [];
  const walk = (dir: string, segments: string[]) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        const name = entry.name;
        if (name.startsWith("(") && name.endsWith(")")) walk(path.join(dir, name), segments);
        else if (name.startsWith("[") && name.endsWith("]")) {
          const param = name.slice(1, -1);
          const value = SEGMENTS[param];
          if (value === undefined) throw new Error(`security.spec.ts has no sample value for [${param}] in ${dir}: add one to SEGMENTS`);
          walk(path.join(dir, name), [...segments, value]);
        } else walk(path.join(dir, name), [...segments, name]);
      } else if (entry.name === "page.tsx" || entry.name === "route.ts") {
        const bare = `/${segments.join("/")}`;
        const p = `${bare}${QUERIES[bare] ?? ""}`;
        const kind = entry.name === "page.tsx" ? "page" : "api";
        found.push({ path: p, kind, role: bare === "/sign-in" ? null : ADMIN_PAGES.has(bare) ? "admin" : "viewer" });
      }
    }
  };
  walk(root, []);
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** What no stranger may see: the lab's host names, their SSH ports, the site's address, database words. */
function clusterMarkers(): string[] {
  const file = path.join(process.cwd(), ".lab-e2e", process.env.E2E_PORT ?? "3107", "lab", "inventory.yaml");
  const inventory = parse(fs.readFileSync(file, "utf8")) as { clusters: { label: string; siteUrl: string; hosts: { name: string; port: number }[] }[] };
  const cluster = inventory.clusters[0];
  if (!cluster) throw new Error("the lab's inventory has no cluster");
  return [cluster.label, cluster.siteUrl, ...cluster.hosts.flatMap((h) => [`"${h.name}"`, `>${h.name}<`, `:${h.port}`]), "binlog", "gtid", "Gtid", "vip"];
}

const ROUTES = routesOnDisk();

function leaked(body: string, markers: readonly string[]): string[] {
  return markers.filter((m) => body.includes(m));
}

async function signIn(page: Page, username: string): Promise<APIRequestContext> {
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("operator")).toHaveText(username);
  return page.request;
}

/** A server-sent stream never ends: its status is read, then the request is let go. */
const isStream = (route: Route) => route.path.endsWith("/stream");

async function streamStatus(page: Page, baseURL: string, route: Route): Promise<number> {
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const abort = new AbortController();
  const res = await fetch(`${baseURL}${route.path}`, { headers: { cookie }, redirect: "manual", signal: abort.signal });
  abort.abort();
  return res.status;
}

test.describe("a stranger", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("finds nothing of the cluster on any route, with no cookie or a forged one", async ({ playwright, baseURL }) => {
    expect(ROUTES.length).toBeGreaterThan(15);
    const markers = clusterMarkers();
    for (const cookie of [null, "clusterdeck_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]) {
      const request = await playwright.request.newContext({ baseURL, extraHTTPHeaders: cookie ? { cookie } : {} });
      for (const route of ROUTES) {
        for (const prefetch of [false, true]) {
          // the RSC prefetch a Link makes is the request whose body carried the state before
          const headers: Record<string, string> = prefetch ? { rsc: "1", "next-router-prefetch": "1" } : {};
          const res = await request.get(route.path, { headers, maxRedirects: 0 });
          const body = await res.text();
          const where = `${route.path}${prefetch ? " (prefetch)" : ""} with ${cookie ? "a forged cookie" : "no cookie"}`;
          if (route.role === null) {
            expect([200, 307], where).toContain(res.status());
            expect(leaked(body, markers), where).toEqual([]);
            continue;
          }
          // a prefetch without Next's cache-busting ?_rsc= may first be sent to fetch one: still nothing rendered
          const redirects = [303, 307, 308];
          expect(route.kind === "api" ? (prefetch ? [401, ...redirects] : [401]) : redirects, where).toContain(res.status());
          if (redirects.includes(res.status())) {
            expect(res.headers().location ?? "", where).toMatch(prefetch ? /\/sign-in|[?&]_rsc=/ : /\/sign-in/);
          }
          expect(leaked(body, markers), where).toEqual([]);
          // a redirect thrown while rendering carries Next's own few KB of markup, never a page of state
          expect(body.length, where).toBeLessThan(10_000);
        }
      }
      await request.dispose();
    }
  });

  test("every answer carries the security headers", async ({ request }) => {
    for (const p of ["/sign-in", "/clusters/lab", "/api/clusters/lab/view"]) {
      const res = await request.get(p, { maxRedirects: 0 });
      const h = res.headers();
      expect(h["content-security-policy"], p).toContain("frame-ancestors 'none'");
      expect(h["x-content-type-options"], p).toBe("nosniff");
      expect(h["referrer-policy"], p).toBe("same-origin");
      expect(h["x-frame-options"], p).toBe("DENY");
    }
  });
});

test.describe("each role", () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  // a second admin would let users.spec.ts demote "the last admin": the table's users go when it is done
  test.afterAll(() => {
    for (const role of ROLES) removeUser(`table-${role}`);
  });

  for (const role of ROLES) {
    test(`a ${role} reads what a ${role} may and is refused the rest`, async ({ page, baseURL }) => {
      const username = `table-${role}`;
      ensureUser(username, PASSWORD, role);
      const request = await signIn(page, username);
      for (const route of ROUTES) {
        if (route.role === null) continue;
        const allowed = role === "admin" || route.role !== "admin";
        const status = isStream(route) ? await streamStatus(page, baseURL ?? "", route) : (await request.get(route.path, { maxRedirects: 0 })).status();
        const where = `${route.path} as ${role}`;
        if (!allowed) {
          expect([303, 307, 403, 404], where).toContain(status);
          continue;
        }
        // sample ids name no incident or run: such routes answer 404 (or 400 for a missing ?format), never 401, 403 or 500
        const sampleMisses = /\/(incidents\/1|runs\/no-such-run)(\/|$)/.test(route.path);
        // "/" sends a signed-in operator on to the first cluster
        expect(sampleMisses ? [200, 400, 404] : route.path === "/" ? [307] : [200], where).toContain(status);
      }
    });
  }

  test("malformed and out-of-range dates and cursors are a 400, not a 500", async ({ page }) => {
    ensureUser("table-viewer", PASSWORD, "viewer");
    const request = await signIn(page, "table-viewer");
    for (const query of ["from=99999999999999999999", "to=10000-01-01", "from=-1", "cursor=99999999999999999999.1", "cursor=1.4294967296", "limit=100000", "tier=<script>"]) {
      const res = await request.get(`/api/clusters/lab/events?${query}`);
      expect(res.status(), query).toBe(400);
      expect((await res.json()).error.code, query).toBe("InvalidInput");
    }
    const res = await request.get("/api/clusters/lab/incidents/99999999999");
    expect([400, 404]).toContain(res.status());
  });
});
