import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Store from "@/lib/cluster/sample-store";
import type * as DbModule from "@/lib/db";
import { migratedDatabase } from "@/test/support/database";

// The sample store against a real SQLite database with the project's migrations.

// Imported only after DATABASE_URL points at the test database: lib/db connects on import.
let store: typeof Store;
let db: typeof DbModule.db;
let dir = "";

const T = Date.UTC(2026, 10, 22, 12, 0, 0);
const MIN = 60_000;

beforeAll(async () => {
  const database = migratedDatabase();
  dir = database.dir;
  process.env.DATABASE_URL = database.url;
  store = await import("@/lib/cluster/sample-store");
  db = (await import("@/lib/db")).db;
});

afterAll(async () => {
  await db.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("storeSamples", () => {
  it("writes raw rows and folds them into minute and ten-minute buckets", async () => {
    for (let i = 0; i < 9; i++) {
      await store.storeSamples("a", new Date(T + i * 10_000), [
        { series: "host.load1", subject: "web1", value: i },
        { series: "host.load1", subject: "web2", value: 10 },
      ]);
    }
    const rows = await db.sample.findMany({ where: { clusterId: "a", subject: "web1" }, orderBy: [{ resolution: "asc" }, { bucket: "asc" }] });
    expect(rows.filter((r) => r.resolution === 0)).toHaveLength(9);
    const minutes = rows.filter((r) => r.resolution === 60).map((r) => [r.bucket.getTime() - T, r.value, r.min, r.max, r.count]);
    expect(minutes).toEqual([
      [0, 2.5, 0, 5, 6],
      [MIN, 7, 6, 8, 3],
    ]);
    const tens = rows.filter((r) => r.resolution === 600).map((r) => [r.bucket.getTime() - T, r.value, r.min, r.max, r.count]);
    expect(tens).toEqual([[0, 4, 0, 8, 9]]);
  });

  it("the same instant stored twice merges instead of failing", async () => {
    const at = new Date(T + 3 * MIN);
    await store.storeSamples("b", at, [{ series: "web.sessions", subject: "cluster", value: 10 }]);
    await store.storeSamples("b", at, [{ series: "web.sessions", subject: "cluster", value: 20 }]);
    const raw = await db.sample.findMany({ where: { clusterId: "b", resolution: 0 } });
    expect(raw.map((r) => [r.value, r.min, r.max, r.count])).toEqual([[15, 10, 20, 2]]);
  });

  it("prunes each resolution past its retention, at most once a minute", async () => {
    const one = (value: number) => [{ series: "db.lag.heartbeat" as const, subject: "db2", value }];
    await store.storeSamples("c", new Date(T), one(1));
    const count = (resolution: number) => db.sample.count({ where: { clusterId: "c", resolution } });
    expect([await count(0), await count(60), await count(600)]).toEqual([1, 1, 1]);

    // At T + 2 h the first raw row is exactly at its retention and stays.
    await store.storeSamples("c", new Date(T + 2 * 3_600_000), one(2));
    expect(await count(0)).toBe(2);
    // 30 s later it is past retention, but the last prune was under a minute ago...
    await store.storeSamples("c", new Date(T + 2 * 3_600_000 + 30_000), one(3));
    expect(await count(0)).toBe(3);
    // ...so only the store a minute after that prune removes it.
    await store.storeSamples("c", new Date(T + 2 * 3_600_000 + MIN), one(4));
    expect(await count(0)).toBe(3);

    // Ten-minute buckets so far: T, T + 2 h, T + 3 d; 35 days keeps them all...
    await store.storeSamples("c", new Date(T + 3 * 86_400_000), one(5));
    expect([await count(0), await count(60), await count(600)]).toEqual([1, 1, 3]);
    // ...until T + 36 d, which leaves T + 3 d and its own.
    await store.storeSamples("c", new Date(T + 36 * 86_400_000), one(6));
    expect([await count(0), await count(60), await count(600)]).toEqual([1, 1, 2]);
  });
});

describe("querySeries", () => {
  it("an hour reads raw samples in time order, a day ten-minute buckets; other series and clusters stay out", async () => {
    const now = T + 2 * 86_400_000;
    for (let i = 0; i < 4; i++) {
      const at = new Date(now - 50 * MIN + i * 15 * MIN);
      await store.storeSamples("d", at, [
        { series: "web.connections", subject: "web2", value: 100 + i },
        { series: "web.connections", subject: "web1", value: i },
        { series: "host.load1", subject: "web1", value: 9 },
      ]);
    }
    await store.storeSamples("d", new Date(now - 2 * 3_600_000), [{ series: "web.connections", subject: "web1", value: 99 }]);
    await store.storeSamples("e", new Date(now - MIN), [{ series: "web.connections", subject: "web1", value: 77 }]);

    const hour = await store.querySeries({ clusterId: "d", series: "web.connections", range: "1h", now });
    expect(hour).toMatchObject({ series: "web.connections", range: "1h", resolution: 0, stepMs: 10_000 });
    expect(hour.points.map((p) => [(now - p.t) / MIN, p.subject, p.value])).toEqual([
      [50, "web1", 0],
      [50, "web2", 100],
      [35, "web1", 1],
      [35, "web2", 101],
      [20, "web1", 2],
      [20, "web2", 102],
      [5, "web1", 3],
      [5, "web2", 103],
    ]);

    const day = await store.querySeries({ clusterId: "d", series: "web.connections", range: "1d", now });
    expect(day).toMatchObject({ resolution: 600, stepMs: 600_000 });
    expect(day.points.every((p) => p.t % 600_000 === 0)).toBe(true);
    expect(day.points.filter((p) => p.subject === "web1").map((p) => p.value)).toEqual([99, 0, 1, 2, 3]);
  });
});
