import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as RecorderModule from "@/lib/cluster/recorder";
import type * as DbModule from "@/lib/db";
import type * as Events from "@/lib/timeline/events";
import type { ClusterState } from "@/lib/cluster/state";
import { ClusterSpec } from "@/lib/inventory/schema";
import { T0, healthyCluster, silence } from "@/test/support/cluster-state";
import { migratedDatabase } from "@/test/support/database";

// The recorder writing events and samples into a real migrated SQLite database.

let recorderModule: typeof RecorderModule;
let events: typeof Events;
let db: typeof DbModule.db;
let dir = "";

const spec = ClusterSpec.parse({
  id: "lab",
  servers: [{ name: "A" }, { name: "B" }],
  hosts: [{ name: "lb1", role: "lb", server: "A", address: "127.0.0.1", auth: { agent: true } }],
  balancer: { vip: "203.0.113.10" },
});

beforeAll(async () => {
  const database = migratedDatabase();
  dir = database.dir;
  process.env.DATABASE_URL = database.url;
  recorderModule = await import("@/lib/cluster/recorder");
  events = await import("@/lib/timeline/events");
  db = (await import("@/lib/db")).db;
});

afterAll(async () => {
  await db.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

function at(seconds: number, edit: (s: ClusterState) => ClusterState = (s) => s): ClusterState {
  const s = healthyCluster();
  s.takenAt = T0 + seconds * 1000;
  return edit(s);
}

describe("recorder", () => {
  it("records transitions as events and samples at most every 10 s", async () => {
    const recorder = recorderModule.createRecorder(spec);
    await recorder.onState(at(0));
    await recorder.onState(at(2, (s) => silence(s, "web2")));
    await recorder.onState(at(4, (s) => silence(s, "web2")));
    await recorder.onState(at(10, (s) => silence(s, "web2")));
    await recorder.onState(at(12));

    const listed = await events.listEvents({ clusterId: "lab" });
    expect(listed.map((e) => [e.kind, e.host, e.message, e.at - T0])).toEqual([
      ["host.back", "web2", "web2 answers again", 12_000],
      ["host.unreachable", "web2", "web2 stopped answering: no SSH answer within 4000 ms", 2_000],
    ]);
    expect(listed[1]).toMatchObject({ tier: "host", severity: "critical", before: "up", after: { reachable: false } });
    expect(await events.listEvents({ clusterId: "lab", since: new Date(T0 + 5_000) })).toHaveLength(1);
    expect(await events.listEvents({ clusterId: "lab", limit: 1 })).toHaveLength(1);

    const raw = await db.sample.findMany({ where: { clusterId: "lab", series: "host.load1", resolution: 0 }, orderBy: { bucket: "asc" } });
    const times = [...new Set(raw.map((r) => r.bucket.getTime() - T0))];
    expect(times).toEqual([0, 10_000]);
    // web2 was silent at 10 s: a gap, not a zero.
    expect(raw.filter((r) => r.bucket.getTime() === T0 + 10_000).map((r) => r.subject)).not.toContain("web2");
  });

  it("an old or repeated snapshot changes nothing", async () => {
    const recorder = recorderModule.createRecorder({ ...spec, id: "other" });
    const first = { ...at(100), clusterId: "other" };
    await recorder.onState(first);
    await recorder.onState({ ...silence(at(90), "db1"), clusterId: "other" });
    await recorder.onState(first);
    expect(await events.listEvents({ clusterId: "other" })).toEqual([]);
  });
});
