import fs from "node:fs";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as RecorderModule from "@/lib/cluster/recorder";
import type { ClusterState } from "@/lib/cluster/state";
import type * as DbModule from "@/lib/db";
import type * as QueryModule from "@/lib/timeline/timeline-query";
import type * as ViewModule from "@/lib/timeline/incident-view";
import type * as SettingsModule from "@/lib/settings";
import { EventQuery, SCAN_BUDGET } from "@/lib/timeline/event-query";
import { incidentMarkdown } from "@/lib/timeline/export";
import type { IncidentTransition } from "@/lib/timeline/incidents";
import type { IncidentWebhookPayload } from "@/lib/timeline/webhook";
import { labClusterSpec } from "@/test/support/cluster-spec";
import { T0, healthyCluster, silence } from "@/test/support/cluster-state";
import { migratedDatabase } from "@/test/support/database";

// The timeline against a real migrated SQLite database: the query (against a plain in-memory
// filter of the same rows), incidents recorded by the recorder, notes, exports, and the webhook
// called on a real HTTP server.

let dir = "";
let dbFile = "";
let db: typeof DbModule.db;
let query: typeof QueryModule;
let view: typeof ViewModule;
let settings: typeof SettingsModule;
let recorderModule: typeof RecorderModule;

const admin = { id: "u1", username: "alice", role: "admin" as const };

beforeAll(async () => {
  const database = migratedDatabase();
  dir = database.dir;
  dbFile = database.url.slice("file:".length);
  process.env.DATABASE_URL = database.url;
  // settings changes are recorded on every cluster of the inventory: use the documented example,
  // not whatever a developer's .lab holds (a clean clone has none)
  process.env.CLUSTERDECK_INVENTORY = path.join(process.cwd(), "docs", "clusterdeck.example.yaml");
  // the webhook's receiver here is on loopback, which a console refuses unless told otherwise
  process.env.CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE = "1";
  db = (await import("@/lib/db")).db;
  query = await import("@/lib/timeline/timeline-query");
  view = await import("@/lib/timeline/incident-view");
  settings = await import("@/lib/settings");
  recorderModule = await import("@/lib/cluster/recorder");
});

afterAll(async () => {
  await db?.$disconnect();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Row {
  id: number;
  at: number;
  host: string | null;
  tier: string;
  kind: string;
  severity: string;
  message: string;
}

describe("the timeline query", () => {
  const rows: Row[] = [];
  const tiers = ["host", "balancer", "web", "storage", "database", "workflow"];
  const hosts = ["lb1", "web1", "web2", "fs1", "db2", null];
  const severities = ["info", "info", "info", "warning", "critical"];
  const count = SCAN_BUDGET + 10_000;

  beforeAll(() => {
    // written as Prisma's adapter writes them: ISO text with +00:00; some instants shared, to test ties
    const sqlite = new Database(dbFile);
    const insert = sqlite.prepare(`INSERT INTO "Event" ("at", "clusterId", "host", "tier", "kind", "severity", "message") VALUES (?, ?, ?, ?, ?, ?, ?)`);
    sqlite.transaction(() => {
      for (let i = 0; i < count; i++) {
        const at = T0 - 86_400_000 + Math.floor(i / 3) * 1000;
        const r = { at, host: hosts[i % 6] ?? null, tier: tiers[i % 5] ?? "host", kind: `k.n${i % 7}`, severity: severities[i % 5] ?? "info", message: i === 17 || i === 50_005 ? `rare needle ${i}` : `event ${i} on ${hosts[i % 6] ?? "cluster"}` };
        const id = Number(insert.run(new Date(at).toISOString().replace("Z", "+00:00"), "q", r.host, r.tier, r.kind, r.severity, r.message).lastInsertRowid);
        rows.push({ id, ...r });
      }
      insert.run(new Date(T0).toISOString().replace("Z", "+00:00"), "other", "web1", "web", "k.n1", "critical", "another cluster");
    })();
    sqlite.close();
    rows.sort((a, b) => b.at - a.at || b.id - a.id);
  });

  /** Every page of a query, following cursors, as [ids, pages]. */
  async function all(filters: Record<string, string>): Promise<{ ids: number[]; pages: number }> {
    const ids: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await query.queryTimeline("q", EventQuery.parse({ ...filters, limit: "200", ...(cursor ? { cursor } : {}) }));
      ids.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 1000);
    return { ids, pages };
  }

  it.each<[string, Record<string, string>, (r: Row) => boolean]>([
    ["a tier and a severity", { tier: "database", severity: "critical" }, (r) => r.tier === "database" && r.severity === "critical"],
    ["a host and two severities", { host: "web1", severity: "warning,critical" }, (r) => r.host === "web1" && r.severity !== "info"],
    ["a kind in a time range", { kind: "k.n3", from: String(T0 - 80_000_000), to: String(T0 - 79_000_000) }, (r) => r.kind === "k.n3" && r.at >= T0 - 80_000_000 && r.at <= T0 - 79_000_000],
    ["a text search over more than one scan budget", { q: "needle" }, (r) => r.message.includes("needle")],
    ["a search with a LIKE wildcard taken literally", { q: "50_005" }, (r) => r.message.includes("50_005")],
  ])("%s: every matching event once, newest first, across pages", async (_name, filters, match) => {
    const expected = rows.filter(match).map((r) => r.id);
    const { ids } = await all(filters);
    expect(ids).toEqual(expected);
  });

  it("page 1 is the newest events of that cluster only, and a deep cursor continues exactly", async () => {
    const first = await query.queryTimeline("q", EventQuery.parse({}));
    expect(first.events.map((e) => e.id)).toEqual(rows.slice(0, 50).map((r) => r.id));
    expect(first.events.every((e) => e.clusterId === "q")).toBe(true);
    const mid = rows[40_000];
    if (!mid) throw new Error("no row 40000");
    const deep = await query.queryTimeline("q", EventQuery.parse({ cursor: `${mid.at}.${mid.id}` }));
    expect(deep.events.map((e) => e.id)).toEqual(rows.slice(40_001, 40_051).map((r) => r.id));
  });

  it("a rare search says how far back it looked and continues from there", async () => {
    const page = await query.queryTimeline("q", EventQuery.parse({ q: "needle" }));
    expect(page.events.map((e) => e.message)).toEqual(["rare needle 50005"]);
    expect(page.searchedTo).toBe(rows[SCAN_BUDGET - 1]?.at);
    expect(page.nextCursor).not.toBeNull();
  });

  it.each([
    ["an unknown tier", { tier: "kitchen" }, "tier"],
    ["an unknown severity", { severity: "warning,loud" }, "severity"],
    ["a malformed cursor", { cursor: "yesterday" }, "cursor"],
    ["a range that ends before it starts", { from: "2026-11-22T12:00:00Z", to: "2026-11-21T12:00:00Z" }, "to"],
    ["a date that is no date", { from: "soon" }, "from"],
    ["a search of 101 characters", { q: "x".repeat(101) }, "q"],
    ["a limit over 200", { limit: "500" }, "limit"],
  ])("refuses %s", (_name, raw, field) => {
    const parsed = EventQuery.safeParse(raw);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => String(i.path[0]))).toContain(field);
  });
});

describe("incidents recorded, noted, exported and sent to the webhook", () => {
  const spec = { ...labClusterSpec(), id: "inc" };
  const at = (seconds: number, edit: (s: ClusterState) => ClusterState = (s) => s) => {
    const s = edit(healthyCluster());
    return { ...s, clusterId: "inc", takenAt: T0 + seconds * 1000 };
  };

  it("one incident per episode with its events and states; notes and exports; the webhook told on open and close", async () => {
    const received: IncidentWebhookPayload[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(JSON.parse(body) as IncidentWebhookPayload);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const deliveries: Promise<unknown>[] = [];
    try {
      await settings.setWebhookUrl(url, admin);
      const { deliverIncidentWebhook } = await import("@/lib/timeline/webhook");
      const recorder = recorderModule.createRecorder(spec, {
        closeGraceMs: 6_000,
        onIncident: (t: IncidentTransition) => void deliveries.push(deliverIncidentWebhook(t)),
      });
      await recorder.onState(at(0));
      await recorder.onState(at(2, (s) => silence(s, "web1")));
      await recorder.onState(at(4, (s) => silence(s, "web1")));
      await recorder.onState(at(6));
      await recorder.onState(at(8));
      await recorder.onState(at(14));
      await Promise.all(deliveries);

      const incidents = await db.incident.findMany({ where: { clusterId: "inc" } });
      expect(incidents).toHaveLength(1);
      const id = incidents[0]?.id ?? 0;
      const v = await view.getIncidentView("inc", id);
      expect(v.incident).toMatchObject({ state: "closed", severity: "critical", openedAt: T0 + 2000, closedAt: T0 + 6000, durationMs: 4000 });
      expect(v.incident.tiers).toEqual(expect.arrayContaining(["host", "web"]));
      expect(v.incident.hosts).toContain("web1");
      expect(v.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["host.unreachable", "host.back"]));
      // each event shows the cluster as it was then: web1 down at the loss, nothing critical at the return
      const lost = v.events.find((e) => e.kind === "host.unreachable");
      const back = v.events.find((e) => e.kind === "host.back");
      const frame = (fid: number | null | undefined) => v.frames.find((f) => f.id === fid);
      expect(frame(lost?.frameId)?.findings.some((f) => f.severity === "critical" && f.hosts.includes("web1"))).toBe(true);
      expect(frame(back?.frameId)?.findings.some((f) => f.severity === "critical")).toBe(false);

      expect(received.map((p) => [p.event, p.incident.id, p.incident.state])).toEqual([
        ["incident.opened", id, "open"],
        ["incident.closed", id, "closed"],
      ]);
      expect(received[1]?.incident).toMatchObject({ cluster: "inc", severity: "critical", durationSeconds: 4, closedAt: new Date(T0 + 6000).toISOString() });
      expect(received[1]?.incident.link).toMatch(new RegExp(`/clusters/inc/incidents/${id}$`));
      expect((await db.incident.findUnique({ where: { id } }))?.webhookStatus).toMatch(/^closed: delivered, HTTP 204/);

      await view.addIncidentNote("inc", id, "web1's hypervisor | rebooted by hand", admin);
      const noted = await view.getIncidentView("inc", id);
      expect(noted.notes.map((n) => [n.author, n.text])).toEqual([["alice", "web1's hypervisor | rebooted by hand"]]);
      expect(noted.events.find((e) => e.kind === "incident.note")).toMatchObject({ actor: "alice", tier: "operator", incidentId: id });
      const md = incidentMarkdown(noted, "http://console/x");
      expect(md).toContain(`# Incident ${id}: web1 is not answering`);
      expect(md).toMatch(/\| Duration \| 4 s \|/);
      // the note as written, its pipe escaped like everything people write
      expect(md).toContain("**alice**: web1's hypervisor \\| rebooted by hand");
      expect(md).toMatch(/\| host \| web1 \| web1 stopped answering/);

      const settingEvents = await db.event.findMany({ where: { kind: "settings.changed" } });
      expect(settingEvents.length).toBeGreaterThan(0);
      expect(settingEvents.every((e) => e.actor === "alice")).toBe(true);
    } finally {
      await settings.setWebhookUrl("", admin);
      await new Promise((r) => server.close(r));
    }
  });

  it("a webhook that cannot be reached is recorded on the incident as failed, and the recorder goes on", async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    await settings.setWebhookUrl(`http://127.0.0.1:${port}/gone`, admin);
    try {
      const { deliverIncidentWebhook } = await import("@/lib/timeline/webhook");
      const row = await db.incident.create({ data: { clusterId: "inc2", openedAt: new Date(T0), severity: "critical", title: "t" } });
      const { summaryOf } = await import("@/lib/timeline/incidents");
      const status = await deliverIncidentWebhook({ kind: "opened", incident: summaryOf(row) });
      expect(status).toMatch(/^opened: failed: .*ECONNREFUSED/);
      expect((await db.incident.findUnique({ where: { id: row.id } }))?.webhookStatus).toMatch(/^opened: failed/);
    } finally {
      await settings.setWebhookUrl("", admin);
    }
  });
});

