// The timeline over a year of events: 1,000,000 events in a migrated SQLite database, then the
// queries the timeline and incident pages make, timed. Target: every one under 100 ms.
// Alone: `npx tsx bench/timeline.ts` (BENCH_TIMELINE_EVENTS to change the count); also part of `npm run bench`.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

const EVENTS = Number(process.env.BENCH_TIMELINE_EVENTS ?? 1_000_000);
const RUNS = Math.max(20, Number(process.env.BENCH_RUNS ?? 30));
const TARGET_MS = 100;
const YEAR_MS = 365 * 86_400_000;
const CLUSTER = "lab";

interface Figures {
  label: string;
  median: number;
  p95: number;
  rows: number;
}

/** A small deterministic PRNG, so every run fills the same year. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Template = { tier: string; kind: string; hosts: string[]; weight: number; severity: () => string; message: (host: string, n: number) => string };

function templates(rnd: () => number): Template[] {
  const sev = (warn: number, crit: number) => () => {
    const x = rnd();
    return x < crit ? "critical" : x < crit + warn ? "warning" : "info";
  };
  const all = ["lb1", "lb2", "web1", "web2", "fs1", "fs2", "db1", "db2"];
  return [
    { tier: "host", kind: "host.unreachable", hosts: all, weight: 3, severity: () => "critical", message: (h) => `${h} stopped answering: no SSH answer within 4000 ms` },
    { tier: "host", kind: "host.back", hosts: all, weight: 3, severity: () => "info", message: (h) => `${h} answers again` },
    { tier: "balancer", kind: "lvs.weight-changed", hosts: ["lb1", "lb2"], weight: 14, severity: sev(0.3, 0), message: (h, n) => `${h}: weight of web${1 + (n % 2)} ${n % 3} → ${(n + 1) % 3}` },
    { tier: "balancer", kind: "vip.moved", hosts: ["lb1", "lb2"], weight: 2, severity: () => "warning", message: (h) => `the VIP moved to ${h}` },
    { tier: "web", kind: "apache.down", hosts: ["web1", "web2"], weight: 4, severity: () => "critical", message: (h) => `${h}: Apache is not running` },
    { tier: "web", kind: "apache.up", hosts: ["web1", "web2"], weight: 4, severity: () => "info", message: (h) => `${h}: Apache is running again` },
    { tier: "web", kind: "code.version-changed", hosts: ["web1", "web2"], weight: 10, severity: () => "info", message: (h, n) => `${h} serves Moodle 4.${n % 5}.${n % 9} (build ${20260000 + (n % 9999)})` },
    { tier: "web", kind: "maintenance.on", hosts: ["web1", "web2"], weight: 4, severity: () => "warning", message: (h) => `${h}: maintenance mode on` },
    { tier: "storage", kind: "drbd.state-changed", hosts: ["fs1", "fs2"], weight: 10, severity: sev(0.25, 0.05), message: (h, n) => `${h}: r0 ${["UpToDate", "SyncSource", "Inconsistent", "Outdated"][n % 4]} → ${["UpToDate", "SyncTarget", "StandAlone"][n % 3]}` },
    { tier: "database", kind: "replication.lag-over", hosts: ["db2"], weight: 12, severity: sev(0.8, 0.1), message: (h, n) => `${h} is ${30 + (n % 400)} s behind its source` },
    { tier: "database", kind: "replication.lag-back", hosts: ["db2"], weight: 12, severity: () => "info", message: (h) => `${h} caught up with its source` },
    { tier: "database", kind: "replication.thread-stopped", hosts: ["db1", "db2"], weight: 3, severity: () => "critical", message: (h) => `${h}: the SQL thread stopped: Error 1062 Duplicate entry` },
    { tier: "workflow", kind: "workflow.step", hosts: ["web1", "web2", "lb1"], weight: 19, severity: sev(0.05, 0.01), message: (h, n) => `Drain ${h}: step ${n % 7} succeeded (run c${(n * 7919).toString(36)})` },
  ];
}

// Prisma's SQLite adapter stores DateTime as ISO 8601 text with "+00:00"; the fill must match it.
const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");

/** A migrated database holding `count` events over the last year, with incidents over some of them. */
export function fillYear(count: number): { dir: string; url: string; incidentIds: number[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-bench-timeline-"));
  const file = path.join(dir, "timeline.db");
  const url = `file:${file}`;
  execFileSync(path.join(process.cwd(), "node_modules", ".bin", "prisma"), ["migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = OFF");
  const rnd = random(42);
  const kinds = templates(rnd);
  const total = kinds.reduce((n, k) => n + k.weight, 0);
  const pick = () => {
    let x = rnd() * total;
    for (const k of kinds) if ((x -= k.weight) < 0) return k;
    return kinds[0] as Template;
  };
  const insertEvent = sqlite.prepare(
    `INSERT INTO "Event" ("at", "clusterId", "host", "tier", "kind", "severity", "message", "before", "after", "actor", "incidentId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertIncident = sqlite.prepare(
    `INSERT INTO "Incident" ("clusterId", "openedAt", "closedAt", "severity", "title", "tiers", "hosts", "findings") VALUES (?, ?, ?, 'critical', ?, '["host","web"]', '["web1"]', '[]')`,
  );
  const start = Date.now() - YEAR_MS;
  const step = YEAR_MS / count;
  const incidentIds: number[] = [];
  let incident: { id: number; until: number } | null = null;
  const fill = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const at = Math.round(start + i * step + rnd() * step * 0.5);
      if (incident && i >= incident.until) incident = null;
      // roughly one incident a day, each grouping a burst of 50–500 events
      if (!incident && rnd() < 365 / count) {
        const size = 50 + Math.floor(rnd() * 450);
        const id = Number(insertIncident.run(CLUSTER, iso(at), iso(Math.round(at + size * step)), `web1 is not answering (${i})`).lastInsertRowid);
        incidentIds.push(id);
        incident = { id, until: i + size };
      }
      const k = pick();
      const host = k.hosts[Math.floor(rnd() * k.hosts.length)] ?? null;
      const workflow = k.tier === "workflow";
      insertEvent.run(iso(at), CLUSTER, host, k.tier, k.kind, k.severity(), k.message(host ?? "", i), null, null, workflow ? "admin" : null, incident?.id ?? null);
    }
  });
  const chunk = 50_000;
  for (let i = 0; i < count; i += chunk) {
    fill(i, Math.min(count, i + chunk));
    process.stderr.write(`\rfilling: ${Math.min(count, i + chunk).toLocaleString("en")} events`);
  }
  process.stderr.write("\n");
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  return { dir, url, incidentIds };
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

async function measure(label: string, fn: () => Promise<number>): Promise<Figures> {
  let rows = 0;
  for (let i = 0; i < 3; i++) rows = await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { label, median: percentile(times, 50), p95: percentile(times, 95), rows };
}

/** Fill, time every query the timeline makes, print the figures; returns them (bench/run.ts prints its own table too). */
export async function timelineBench(count = EVENTS): Promise<Figures[]> {
  const t0 = performance.now();
  const { dir, url, incidentIds } = fillYear(count);
  console.log(`\ntimeline: ${count.toLocaleString("en")} events over a year, ${incidentIds.length} incidents, filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.env.DATABASE_URL = url;
  const { EventQuery } = await import("@/lib/timeline/event-query");
  const { queryTimeline } = await import("@/lib/timeline/timeline-query");
  const { incidentEvents } = await import("@/lib/timeline/events");
  const { db } = await import("@/lib/db");
  try {
    const page = (query: Record<string, string>) => async () => (await queryTimeline(CLUSTER, EventQuery.parse(query))).events.length;
    const first = await queryTimeline(CLUSTER, EventQuery.parse({}));
    const deepCursor = (await queryTimeline(CLUSTER, EventQuery.parse({ to: String(Date.now() - YEAR_MS / 2), limit: "1" }))).events[0];
    const month = String(Date.now() - 200 * 86_400_000);
    const monthEnd = String(Date.now() - 170 * 86_400_000);
    const incident = incidentIds[Math.floor(incidentIds.length / 2)] ?? 1;
    const rows = [
      await measure("page 1 (no filter)", page({})),
      await measure("page 2 (cursor)", page({ cursor: first.nextCursor ?? "" })),
      await measure("a page half a year back (cursor)", page({ cursor: deepCursor ? `${deepCursor.at}.${deepCursor.id}` : "" })),
      await measure("tier + severity (database, critical)", page({ tier: "database", severity: "critical" })),
      await measure("severity warning+critical", page({ severity: "warning,critical" })),
      await measure("host (fs2)", page({ host: "fs2" })),
      await measure("kind (vip.moved)", page({ kind: "vip.moved" })),
      await measure("time range (30 days, 7 months ago)", page({ from: month, to: monthEnd })),
      await measure("search 'Duplicate entry' (common)", page({ q: "Duplicate entry" })),
      await measure("search 'c1x' (rare, one budgeted page)", page({ q: "c1x" })),
      await measure("search in a time range", page({ q: "behind", from: month, to: monthEnd })),
      await measure("incident's events (oldest first)", async () => (await incidentEvents(incident)).length),
    ];
    const width = Math.max(...rows.map((r) => r.label.length));
    console.log(`\n${"timeline query".padEnd(width)}   median      p95   rows   (ms, ${RUNS} runs, target < ${TARGET_MS} ms)`);
    for (const r of rows) {
      console.log(`${r.label.padEnd(width)} ${r.median.toFixed(2).padStart(8)} ${r.p95.toFixed(2).padStart(8)} ${String(r.rows).padStart(6)}   ${r.p95 < TARGET_MS ? "ok" : "OVER TARGET"}`);
    }
    return rows;
  } finally {
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (invokedDirectly) {
  // lib/ modules import "server-only", which only resolves under the react-server condition.
  if (!process.execArgv.some((a) => a.includes("react-server"))) {
    const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
    const run = spawnSync(tsx, ["--conditions=react-server", fileURLToPath(import.meta.url)], { stdio: "inherit" });
    process.exit(run.status ?? 1);
  }
  timelineBench().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
