import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateOf } from "@/lib/cluster/derive";
import { findingsOf } from "@/lib/cluster/findings";
import type * as LiveModule from "@/lib/cluster/live-recorder";
import type * as RecorderModule from "@/lib/cluster/recorder";
import type * as DbModule from "@/lib/db";
import { migratedDatabase } from "@/test/support/database";
import { type TestLab, pollUntil, startTestLab } from "@/test/support/lab";

// The lab broken for real and watched as the console watches it: the collector polling on its own,
// the recorder fed on every poll (lib/cluster/live-recorder.ts). Each fault must reach the timeline
// within 2 s of the poll that saw it, and each episode must be one incident that closes after the repair.

const GRACE_MS = 5_000;
const LATENCY_LIMIT_MS = 2_000;

let t: TestLab;
let db: typeof DbModule.db;
let stopRecording: () => void = () => undefined;
let dir = "";
/** first wall-clock moment the collector's snapshot showed a critical finding about each host */
const detected = new Map<string, number>();
const latencies: { what: string; ms: number }[] = [];

interface Truth {
  vms: { name: string; power: boolean }[];
  faults: { kind: string; target: string }[];
}

beforeAll(async () => {
  const database = migratedDatabase();
  dir = database.dir;
  process.env.DATABASE_URL = database.url;
  const recorderModule: typeof RecorderModule = await import("@/lib/cluster/recorder");
  const live: typeof LiveModule = await import("@/lib/cluster/live-recorder");
  db = (await import("@/lib/db")).db;
  t = await startTestLab({ seed: 5, speed: 10 });
  t.collector.onSnapshot((snap) => {
    if (snap.hosts.some((h) => h.lastAttemptAt === null)) return;
    const now = Date.now();
    for (const f of findingsOf(stateOf(t.cluster, snap), t.cluster)) {
      if (f.severity !== "critical") continue;
      for (const h of f.hosts) if (!detected.has(h)) detected.set(h, now);
    }
  });
  stopRecording = live.recordLive(t.cluster, t.collector, recorderModule.createRecorder(t.cluster, { closeGraceMs: GRACE_MS, onIncident: () => undefined }));
  t.collector.start();
  // a healthy start: nothing open
  await pollUntil(() => db.stateFrame.count(), (n) => n > 0, 20_000);
  const open = await db.incident.findMany({ where: { closedAt: null } });
  if (open.length > 0) await pollUntil(() => db.incident.count({ where: { closedAt: null } }), (n) => n === 0, 30_000);
}, 90_000);

afterAll(async () => {
  stopRecording();
  t?.collector.stop();
  await t?.stop();
  await db?.$disconnect();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (latencies.length > 0) console.log(`detection → on the timeline: ${latencies.map((l) => `${l.what} ${l.ms} ms`).join(", ")}`);
});

/** Break something; the detection clock for `host` starts afresh. */
async function inject(kind: string, target: string, host: string): Promise<void> {
  detected.delete(host);
  await t.control("POST", "/faults", { kind, target });
}

/** Repair everything named, each even when another repair fails. */
async function clear(...faults: [kind: string, target: string][]): Promise<void> {
  const results = await Promise.allSettled(faults.map(([kind, target]) => t.control("POST", "/faults/clear", { kind, target })));
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length > 0) console.error("could not clear:", failed);
}

/** Wait for a new event, and measure from the snapshot that first showed the host in trouble. */
async function eventOnTimeline(kind: string, host: string, afterId: number): Promise<{ id: number; incidentId: number | null }> {
  const event = await pollUntil(() => db.event.findFirst({ where: { kind, host, id: { gt: afterId } }, orderBy: { id: "desc" } }), (e) => e !== null, 40_000, 20);
  const seenAt = Date.now();
  if (!event) throw new Error(`no ${kind} event for ${host}`);
  const at = detected.get(host);
  if (at === undefined) throw new Error(`the collector never showed a critical finding about ${host}`);
  latencies.push({ what: `${kind} ${host}`, ms: seenAt - at });
  expect(seenAt - at).toBeLessThan(LATENCY_LIMIT_MS);
  return { id: event.id, incidentId: event.incidentId };
}

async function closed(incidentId: number) {
  const row = await pollUntil(() => db.incident.findUnique({ where: { id: incidentId } }), (r) => r?.closedAt != null, 60_000);
  expect(row?.closedAt).not.toBeNull();
  return row;
}

const lastEventId = async () => (await db.event.findFirst({ orderBy: { id: "desc" } }))?.id ?? 0;

const list = (text: string | undefined) => JSON.parse(text ?? "[]") as string[];

describe("faults in the lab become incidents on the timeline", () => {
  it("web1 powered off: on the timeline within 2 s, one incident (host, web) that closes after web1 is back", async () => {
    const before = await db.incident.count();
    const after = await lastEventId();
    await inject("vm-off", "web1", "web1");
    let incidentId: number | null;
    try {
      const lost = await eventOnTimeline("host.unreachable", "web1", after);
      incidentId = lost.incidentId;
      expect(incidentId).not.toBeNull();
      const truth = (await t.control("GET", "/truth")) as Truth;
      expect(truth.vms.find((v) => v.name === "web1")?.power).toBe(false);
      expect(truth.faults).toContainEqual(expect.objectContaining({ kind: "vm-off", target: "web1" }));
    } finally {
      await clear(["vm-off", "web1"]);
    }
    if (incidentId === null) throw new Error("no incident");
    const row = await closed(incidentId);
    expect(await db.incident.count()).toBe(before + 1);
    expect(list(row?.tiers)).toEqual(expect.arrayContaining(["host", "web"]));
    expect(list(row?.hosts)).toContain("web1");
    const events = await db.event.findMany({ where: { incidentId } });
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(["host.unreachable", "host.back"]));
    // the truth agrees the episode is over
    const truth = (await t.control("GET", "/truth")) as Truth;
    expect(truth.vms.find((v) => v.name === "web1")?.power).toBe(true);
    expect(truth.faults).toEqual([]);
  }, 120_000);

  it("replication broken while web1 is off: both faults group into one incident across tiers, closed after both repairs", async () => {
    const before = await db.incident.count();
    const after = await lastEventId();
    await inject("vm-off", "web1", "web1");
    let incidentId: number | null;
    try {
      incidentId = (await eventOnTimeline("host.unreachable", "web1", after)).incidentId;
      await inject("replication-break", "db2", "db2");
      const broken = await eventOnTimeline("replication.thread-stopped", "db2", after);
      expect(broken.incidentId).toBe(incidentId);
      const truth = (await t.control("GET", "/truth")) as Truth;
      expect(truth.faults.map((f) => `${f.kind} ${f.target}`).sort()).toEqual(["replication-break db2", "vm-off web1"]);
    } finally {
      await clear(["replication-break", "db2"], ["vm-off", "web1"]);
    }
    if (incidentId === null) throw new Error("no incident");
    const row = await closed(incidentId);
    expect(await db.incident.count()).toBe(before + 1);
    expect(list(row?.tiers)).toEqual(expect.arrayContaining(["host", "web", "database"]));
    expect(list(row?.hosts)).toEqual(expect.arrayContaining(["web1", "db2"]));
    const kinds = (await db.event.findMany({ where: { incidentId } })).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["host.unreachable", "replication.thread-stopped", "replication.thread-started", "host.back"]));
    // every moment of change has the cluster's state recorded with it
    const frames = await db.stateFrame.count({ where: { at: { gte: row?.openedAt } } });
    expect(frames).toBeGreaterThanOrEqual(2);
  }, 150_000);

  it("replication broken alone: its own incident, database tier only", async () => {
    const after = await lastEventId();
    await inject("replication-break", "db2", "db2");
    let incidentId: number | null;
    try {
      incidentId = (await eventOnTimeline("replication.thread-stopped", "db2", after)).incidentId;
    } finally {
      await clear(["replication-break", "db2"]);
    }
    if (incidentId === null) throw new Error("no incident");
    const row = await closed(incidentId);
    expect(list(row?.tiers)).toEqual(["database"]);
    expect(list(row?.hosts)).toContain("db2");
    expect(row?.title).toMatch(/db2/);
  }, 120_000);
});
