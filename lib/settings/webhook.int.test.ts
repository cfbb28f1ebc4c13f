import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as DbModule from "@/lib/db";
import type * as SettingsModule from "@/lib/settings";
import type * as WebhookModule from "@/lib/timeline/webhook";
import { migratedDatabase } from "@/test/support/database";

// Issue 10, holes 4 and 5 for the incident webhook, against a real HTTP receiver on loopback: a loopback
// or private destination is refused when saved and when called unless the environment allows it, and
// the URL's path (a chat service's secret) is never shown, recorded on the timeline, or logged.

interface Received {
  path: string;
  body: string;
}

let dir = "";
const admin = { id: "u1", username: "alice", role: "admin" as const };
const received: Received[] = [];
let answer: { status: number; body: string; location?: string } = { status: 204, body: "" };
const receiver = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    received.push({ path: req.url ?? "", body });
    res.writeHead(answer.status, answer.location ? { location: answer.location } : {}).end(answer.body);
  });
});
let port = 0;

/** the modules as a console started with (or without) CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE=1 has them */
async function consoleWith(allowPrivate: boolean): Promise<{ settings: typeof SettingsModule; webhook: typeof WebhookModule; db: typeof DbModule.db }> {
  if (allowPrivate) process.env.CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE = "1";
  else delete process.env.CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE;
  vi.resetModules();
  return { settings: await import("@/lib/settings"), webhook: await import("@/lib/timeline/webhook"), db: (await import("@/lib/db")).db };
}

async function anIncident(db: typeof DbModule.db) {
  const row = await db.incident.create({ data: { clusterId: "hooks", openedAt: new Date(), severity: "critical", title: "web1 is not answering" } });
  const { summaryOf } = await import("@/lib/timeline/incidents");
  return { kind: "opened" as const, incident: summaryOf(row) };
}

beforeAll(async () => {
  const database = migratedDatabase();
  dir = database.dir;
  process.env.DATABASE_URL = database.url;
  process.env.CLUSTERDECK_INVENTORY = path.join(process.cwd(), "docs", "clusterdeck.example.yaml");
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  port = (receiver.address() as AddressInfo).port;
});

afterAll(async () => {
  delete process.env.CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE;
  await new Promise((r) => receiver.close(r));
  const { db } = await import("@/lib/db");
  await db.$disconnect();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the incident webhook refuses internal destinations unless the environment allows them", () => {
  it.each([
    ["loopback", () => `http://127.0.0.1:${port}/hook`, /may not call 127\.0\.0\.1: loopback addresses are refused unless CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE=1/],
    ["a name that resolves to loopback", () => `http://localhost:${port}/hook`, /may not call localhost \((127\.0\.0\.1|::1)\): loopback/],
    ["loopback written as one number", () => `http://2130706433:${port}/hook`, /may not call 127\.0\.0\.1: loopback/],
    ["IPv6 loopback", () => `http://[::1]:${port}/hook`, /may not call ::1: loopback/],
    ["IPv4-mapped loopback", () => `http://[::ffff:127.0.0.1]:${port}/hook`, /IPv4-mapped loopback/],
    ["cloud metadata", () => "http://169.254.169.254/latest/meta-data/", /link-local/],
    ["a private network", () => "https://10.20.30.40/hooks/x", /private \(RFC 1918\)/],
    ["the unspecified address", () => `http://0.0.0.0:${port}/`, /this network/],
    ["a name that does not resolve", () => "https://no-such-host.invalid/hooks/x", /does not resolve/],
  ])("refuses %s when saved, with a clear reason, and keeps the URL it had", async (_name, url, why) => {
    const { settings } = await consoleWith(false);
    const before = await settings.getWebhookSetting();
    await expect(settings.setWebhookUrl(url(), admin)).rejects.toMatchObject({ code: "InvalidInput", message: expect.stringMatching(why) });
    expect(await settings.getWebhookSetting()).toEqual(before);
  });

  it("refuses a stored internal URL when the incident is sent (a name may resolve elsewhere by then): the receiver gets nothing", async () => {
    const { settings, webhook, db } = await consoleWith(false);
    for (const url of [`http://localhost:${port}/hook`, `http://127.0.0.1:${port}/hook`]) {
      // as written by an older console, or before the name's answer changed
      await db.setting.upsert({ where: { key: settings.WEBHOOK_URL_SETTING }, create: { key: settings.WEBHOOK_URL_SETTING, value: url }, update: { value: url } });
      const transition = await anIncident(db);
      const status = await webhook.deliverIncidentWebhook(transition);
      expect(status).toMatch(/^opened: failed: the webhook may not call .*loopback/);
      expect((await db.incident.findUnique({ where: { id: transition.incident.id } }))?.webhookStatus).toMatch(/^opened: failed: the webhook may not call/);
    }
    expect(received).toEqual([]);
    await db.setting.delete({ where: { key: settings.WEBHOOK_URL_SETTING } });
  });

  it("the request's own lookup checks what the name resolves to as it connects, so a rebound name is refused too", async () => {
    const { webhookLookup } = await import("@/lib/settings/webhook-destination");
    const call = (allowPrivate: boolean) =>
      new Promise<number | string>((resolve) => {
        const req = http.request(`http://localhost:${port}/rebound`, { method: "POST", lookup: webhookLookup(allowPrivate), agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", (err: NodeJS.ErrnoException) => resolve(`${err.code ?? ""}: ${err.message}`));
        req.end("{}");
      });
    expect(await call(false)).toMatch(/^EWEBHOOKREFUSED: the webhook may not call localhost \((127\.0\.0\.1|::1)\): loopback/);
    expect(received.filter((r) => r.path === "/rebound")).toEqual([]);
    expect(await call(true)).toBe(204);
    expect(received.filter((r) => r.path === "/rebound")).toHaveLength(1);
    received.length = 0;
  });

  it("with CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE=1 calls a local receiver; shows, records and logs only scheme and host; follows no redirect and reads no answer", async () => {
    const { settings, webhook, db } = await consoleWith(true);
    const errors = vi.spyOn(console, "error");
    try {
      const url = `http://localhost:${port}/services/T0/B0/s3cr3t-path?token=t0k3n`;
      const saved = await settings.setWebhookUrl(url, admin);
      expect(saved).toMatchObject({ display: `http://localhost:${port}/…`, updatedBy: "alice", allowPrivate: true });
      expect(JSON.stringify(saved)).not.toContain("s3cr3t");
      expect(await settings.webhookUrl()).toBe(url);

      answer = { status: 204, body: "" };
      const delivered = await webhook.deliverIncidentWebhook(await anIncident(db));
      expect(delivered).toMatch(/^opened: delivered, HTTP 204, \d+ ms$/);
      expect(received.map((r) => r.path)).toEqual(["/services/T0/B0/s3cr3t-path?token=t0k3n"]);
      expect(JSON.parse(received[0]?.body ?? "{}")).toMatchObject({ event: "incident.opened", incident: { cluster: "hooks", title: "web1 is not answering" } });

      // an internal service's answer: its status only, never its body
      answer = { status: 500, body: "root:x:0:0:internal secret body" };
      const refused = await webhook.deliverIncidentWebhook(await anIncident(db));
      expect(refused).toMatch(/^opened: refused, HTTP 500, \d+ ms$/);
      // a redirect is not followed
      answer = { status: 302, body: "", location: `http://127.0.0.1:${port}/elsewhere` };
      expect(await webhook.deliverIncidentWebhook(await anIncident(db))).toMatch(/^opened: refused, HTTP 302/);
      expect(received.map((r) => r.path).filter((p) => p === "/elsewhere")).toEqual([]);

      await settings.setWebhookUrl(`http://localhost:${port}/services/T0/B0/an0ther`, admin);
      await settings.setWebhookUrl("", admin);
      const events = await db.event.findMany({ where: { kind: "settings.changed" }, orderBy: { id: "asc" } });
      expect([...new Set(events.map((e) => e.message))]).toEqual([
        `incident webhook set to http://localhost:${port}/…`,
        `incident webhook replaced (still http://localhost:${port}/…)`,
        "incident webhook turned off",
      ]);
      expect(events.every((e) => e.actor === "alice")).toBe(true);
      const everything = JSON.stringify({ events, incidents: await db.incident.findMany(), logged: errors.mock.calls });
      for (const secret of ["s3cr3t", "t0k3n", "an0ther", "internal secret body"]) expect(everything).not.toContain(secret);
      expect(errors.mock.calls.map((c) => String(c[0]))).toContain(`[webhook] incident ${(await db.incident.findFirst({ orderBy: { id: "desc" } }))?.id} opened: http://localhost:${port}/… answered HTTP 302`);
    } finally {
      errors.mockRestore();
      answer = { status: 204, body: "" };
    }
  });
});
