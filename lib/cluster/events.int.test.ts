import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateOf } from "@/lib/cluster/derive";
import type * as RecorderModule from "@/lib/cluster/recorder";
import type * as DbModule from "@/lib/db";
import type * as Events from "@/lib/timeline/events";
import { migratedDatabase } from "@/test/support/database";
import { type TestLab, startTestLab } from "@/test/support/lab";

// The whole chain the console runs: the lab broken for real, polled over SSH, its state derived,
// and the recorder storing what changed as events in SQLite — once, and the repair too.

let t: TestLab;
let recorder: RecorderModule.Recorder;
let events: typeof Events;
let db: typeof DbModule.db;
let dir = "";

async function pollAndRecord(): Promise<void> {
  await recorder.onState(stateOf(t.cluster, await t.collector.pollOnce()));
}

async function recordUntil(kind: string, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await pollAndRecord();
    const found = (await events.listEvents({ clusterId: t.cluster.id })).some((e) => e.kind === kind && e.host === host);
    if (found) return;
    if (Date.now() > deadline) throw new Error(`no ${kind} event for ${host} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  const database = migratedDatabase();
  dir = database.dir;
  process.env.DATABASE_URL = database.url;
  const recorderModule = await import("@/lib/cluster/recorder");
  events = await import("@/lib/timeline/events");
  db = (await import("@/lib/db")).db;
  t = await startTestLab({ seed: 3, speed: 10 });
  recorder = recorderModule.createRecorder(t.cluster);
  await t.collector.pollOnce();
  await pollAndRecord();
});

afterAll(async () => {
  await t?.stop();
  await db?.$disconnect();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("events recorded from the live lab", () => {
  it("a healthy start records nothing to alarm anyone", async () => {
    const recorded = await events.listEvents({ clusterId: t.cluster.id });
    expect(recorded.filter((e) => e.severity !== "info")).toEqual([]);
  });

  it("web1 powered off and on: the host lost and its pool weight dropped, then back, each recorded once", async () => {
    await t.control("POST", "/faults", { kind: "vm-off", target: "web1" });
    try {
      await recordUntil("host.unreachable", "web1", 20_000);
      await recordUntil("lvs.weight-changed", "lb1", 20_000);
    } finally {
      await t.control("POST", "/faults/clear", { kind: "vm-off", target: "web1" });
    }
    await recordUntil("host.back", "web1", 30_000);
    const recorded = await events.listEvents({ clusterId: t.cluster.id });
    const about = (kind: string, host: string) => recorded.filter((e) => e.kind === kind && e.host === host);
    expect(about("host.unreachable", "web1")).toHaveLength(1);
    expect(about("host.back", "web1")).toHaveLength(1);
    expect(about("host.unreachable", "web1")[0]).toMatchObject({ severity: "critical", tier: "host" });
    const weight = about("lvs.weight-changed", "lb1")[0];
    expect(weight?.message).toMatch(/web1/);
    expect(weight?.before).not.toEqual(weight?.after);
  });

  it("replication broken and repaired: the SQL thread stopping and starting are recorded", async () => {
    await t.control("POST", "/faults", { kind: "replication-break", target: "db2" });
    try {
      await recordUntil("replication.thread-stopped", "db2", 15_000);
    } finally {
      await t.control("POST", "/faults/clear", { kind: "replication-break", target: "db2" });
    }
    await recordUntil("replication.thread-started", "db2", 15_000);
  });
});
