import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvCell, csvHeader, csvLine } from "@/lib/audit/export";
import { auditQueryOf } from "@/lib/audit/filters";
import type * as ProbeSummaryModule from "@/lib/audit/probe-summary";
import type * as QueryModule from "@/lib/audit/query";
import type * as RetentionModule from "@/lib/audit/retention";
import type * as DbModule from "@/lib/db";
import { AppError, httpStatus } from "@/lib/errors";
import type { AuditEntry } from "@/lib/ssh/audit";
import { migratedDatabase } from "@/test/support/database";

// The command audit against a real SQLite database with the project's migrations.

let db: typeof DbModule.db;
let query: typeof QueryModule;
let retention: typeof RetentionModule;
let probes: typeof ProbeSummaryModule;
let dir = "";

const T = Date.UTC(2026, 10, 15, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const admin = { id: "u1", username: "alice", role: "admin" as const };

beforeAll(async () => {
  const database = migratedDatabase();
  dir = database.dir;
  process.env.DATABASE_URL = database.url;
  // settings changes are recorded on every cluster of the inventory: the documented example has "production"
  process.env.CLUSTERDECK_INVENTORY = path.join(process.cwd(), "docs", "clusterdeck.example.yaml");
  db = (await import("@/lib/db")).db;
  query = await import("@/lib/audit/query");
  retention = await import("@/lib/audit/retention");
  probes = await import("@/lib/audit/probe-summary");
});

afterAll(async () => {
  await db.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

const q = (search: Record<string, string>) => auditQueryOf(new URLSearchParams(search));

describe("queryAudit filters", () => {
  beforeAll(async () => {
    await db.workflowRun.createMany({
      data: [
        { id: "run-drain", clusterId: "f", kind: "drain", title: "Drain web1", params: "{}", summary: "[]", warnings: "[]", status: "succeeded", actor: "bob" },
        { id: "run-drill", clusterId: "f", kind: "drill-server", title: "Server failover drill", params: "{}", summary: "[]", warnings: "[]", status: "succeeded", actor: "carol" },
      ],
    });
    const base = { clusterId: "f", exitCode: 0, outcome: "ok", durationMs: 12 };
    await db.commandRun.createMany({
      data: [
        { ...base, at: new Date(T), host: "lb1", command: "ipvsadm -e -t 10.0.0.1:80 -r 192.168.10.11:80 -w 0", purpose: "workflow:run-drain:1", actor: "bob" },
        { ...base, at: new Date(T + 1000), host: "web1", command: "grep 50%_done /var/log/x", purpose: "workflow:run-drill:0", actor: "carol" },
        { ...base, at: new Date(T + 2000), host: "web1", command: "grep 50Xydone /var/log/x", purpose: "action:plan:drain", actor: "bob", exitCode: 1, outcome: "failed" },
        { ...base, at: new Date(T + DAY), host: "db1", command: "mysql -e 'SHOW SLAVE STATUS\\G'", purpose: "test", actor: null },
        { ...base, clusterId: "other", at: new Date(T), host: "lb1", command: "ipvsadm -Ln", purpose: "action:x", actor: "bob" },
      ],
    });
  });

  const commands = async (search: Record<string, string>) => (await query.queryAudit("f", q(search))).rows.map((r) => r.command);

  it.each([
    [{}, 4],
    [{ actor: "bob" }, 2],
    [{ host: "web1" }, 2],
    [{ outcome: "failed" }, 1],
    [{ kind: "workflow" }, 1],
    [{ kind: "drill" }, 1],
    [{ kind: "action" }, 1],
    [{ kind: "test" }, 1],
    [{ actor: "bob", host: "lb1" }, 1],
    [{ q: "ipvsadm" }, 1],
    [{ from: "2026-11-16" }, 1],
    [{ to: "2026-11-15" }, 3],
    [{ from: "2026-11-15T12:00:01Z", to: "2026-11-15T12:00:01Z" }, 1],
  ] as [Record<string, string>, number][])("%j matches %i rows, only of this cluster", async (search, count) => {
    const page = await query.queryAudit("f", q(search));
    expect(page.rows).toHaveLength(count);
    expect(page.rows.every((r) => r.clusterId === "f")).toBe(true);
  });

  it("searches the command for text, with % and _ taken literally", async () => {
    expect(await commands({ q: "50%_done" })).toEqual(["grep 50%_done /var/log/x"]);
    expect(await commands({ q: "50%" })).toEqual(["grep 50%_done /var/log/x"]);
  });

  it("says why: the run's title and step (linked by run id) for workflows, drills told apart", async () => {
    const rows = (await query.queryAudit("f", q({}))).rows;
    const why = Object.fromEntries(rows.map((r) => [r.host + r.at, r.why]));
    expect(why[`lb1${T}`]).toEqual({ kind: "workflow", label: "Drain web1, step 2", runId: "run-drain" });
    expect(why[`web1${T + 1000}`]).toEqual({ kind: "drill", label: "Server failover drill, step 1", runId: "run-drill" });
    expect(why[`web1${T + 2000}`]).toEqual({ kind: "action", label: "plan:drain", runId: null });
  });

  it("lists the operators who ran commands, for the actor filter", async () => {
    expect(await query.auditActors("f")).toEqual(["bob", "carol"]);
  });
});

describe("keyset pages", () => {
  it("cover every row exactly once, newest first, ties on the same instant included", async () => {
    // 3 rows per instant, so pages end in the middle of a tie
    const data = Array.from({ length: 137 }, (_, i) => ({
      clusterId: "p",
      at: new Date(T - Math.floor(i / 3) * 1000),
      host: `web${(i % 2) + 1}`,
      command: `echo ${i}`,
      purpose: "action:test",
      actor: "dave",
      exitCode: 0,
      outcome: "ok",
      durationMs: 1,
    }));
    await db.commandRun.createMany({ data });
    const all = await db.commandRun.findMany({ where: { clusterId: "p" }, orderBy: [{ at: "desc" }, { id: "desc" }], select: { id: true } });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: QueryModule.AuditPage = await query.queryAudit("p", q({ limit: "10", ...(cursor ? { cursor } : {}) }));
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 100);
    expect(pages).toBe(14);
    expect(seen).toEqual(all.map((r) => r.id));
    expect(new Set(seen).size).toBe(137);
  });

  it("the export's batches walk the same rows and stop at the cap, saying so", async () => {
    const walk = async (cap: number) => {
      const gen = query.auditRowsFor("p", q({}), cap);
      const rows: number[] = [];
      for (;;) {
        const next = await gen.next();
        if (next.done) return { rows, capped: next.value.capped };
        rows.push(...next.value.map((r) => r.id));
      }
    };
    expect(await walk(1000)).toMatchObject({ capped: false });
    expect((await walk(1000)).rows).toHaveLength(137);
    const capped = await walk(50);
    expect(capped.rows).toHaveLength(50);
    expect(capped.capped).toBe(true);
    expect(await walk(137)).toMatchObject({ capped: false });
  });
});

describe("bad filters are a 400, never a 500", () => {
  it.each([
    ["cursor", "garbage"],
    ["cursor", "1.2.3"],
    ["cursor", "99999999999999.5"],
    ["cursor", "1764000000000.0"],
    ["cursor", "1764000000000.99999999999999999"],
    ["from", "2026-02-31"],
    ["from", "tomorrow"],
    ["from", "99999-01-01"],
    ["to", "1e400"],
    ["to", "2026-11-01T25:00Z"],
    ["from", "1800-01-01"],
    ["kind", "probe"],
    ["outcome", "maybe"],
    ["limit", "0"],
    ["limit", "100000"],
    ["q", "x".repeat(201)],
  ])("%s=%s", (key, value) => {
    let thrown: unknown;
    try {
      auditQueryOf(new URLSearchParams({ [key]: value }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const err = thrown as AppError;
    expect(httpStatus[err.code]).toBe(400);
    expect(err.message).toContain(key);
  });

  it("a range that ends before it starts", () => {
    expect(() => auditQueryOf(new URLSearchParams({ from: "2026-11-02", to: "2026-11-01" }))).toThrow(/ends before it starts/);
  });

  it("a bare date at the end of a range takes in the whole day", () => {
    const parsed = auditQueryOf(new URLSearchParams({ from: "2026-11-01", to: "2026-11-30" }));
    expect(parsed.from).toBe(Date.UTC(2026, 10, 1));
    expect(parsed.to).toBe(Date.UTC(2026, 11, 1) - 1);
  });
});

describe("CSV export escaping", () => {
  it.each([
    ["=HYPERLINK(\"http://evil\")", `"'=HYPERLINK(""http://evil"")"`],
    ["+1+1", "'+1+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "'\tx"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["line1\nline2", '"line1\nline2"'],
    ["ipvsadm -Ln", "ipvsadm -Ln"],
  ])("%j → %s", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it("numbers stay numbers (a negative exit code is not a formula) and null is empty", () => {
    expect(csvCell(-1)).toBe("-1");
    expect(csvCell(null)).toBe("");
  });

  it("one row is one CSV record with the header's columns", () => {
    const line = csvLine({
      id: 1,
      at: T,
      clusterId: "f",
      host: "web1",
      command: "=cmd|' /C calc'!A0",
      purpose: "action:x",
      why: { kind: "action", label: "x", runId: null },
      actor: "bob",
      exitCode: 2,
      outcome: "failed",
      durationMs: 5,
      stdout: "a\r\nb",
      stderr: null,
      error: null,
    });
    expect(line).toBe(`2026-11-15T12:00:00.000Z,f,web1,bob,action:x,x,'=cmd|' /C calc'!A0,2,failed,5,"a\r\nb",,\r\n`);
    expect(csvHeader().split(",")).toHaveLength(13);
  });
});

describe("retention", () => {
  it("defaults to 400 days, refuses values out of bounds, and records a change on the timeline", async () => {
    expect((await retention.getAuditRetention()).days).toBe(400);
    await expect(retention.setAuditRetention(29, admin)).rejects.toThrow();
    await expect(retention.setAuditRetention(3651, admin)).rejects.toThrow();
    expect(retention.AuditRetentionInput.safeParse({ days: "12.5" }).success).toBe(false);
    const set = await retention.setAuditRetention(90, admin);
    expect(set).toMatchObject({ days: 90, updatedBy: "alice" });
    const events = await db.event.findMany({ where: { kind: "settings.changed", clusterId: "production" } });
    expect(events.map((e) => [e.message, e.actor, e.tier])).toEqual([["command audit kept for 90 days (was 400)", "alice", "operator"]]);
    await retention.setAuditRetention(90, admin);
    expect(await db.event.count({ where: { kind: "settings.changed" } })).toBe(1);
  });

  it("prunes command runs and probe summaries past retention, of that cluster only, at most hourly", async () => {
    await retention.setAuditRetention(30, admin);
    const now = T;
    const row = (clusterId: string, ageDays: number) => ({
      clusterId,
      at: new Date(now - ageDays * DAY),
      host: "web1",
      command: `age ${ageDays}`,
      purpose: "action:x",
      exitCode: 0,
      outcome: "ok",
      durationMs: 1,
    });
    await db.commandRun.createMany({ data: [row("r", 31), row("r", 29), row("r2", 31)] });
    await db.probeReadSummary.createMany({
      data: [
        { clusterId: "r", host: "web1", hour: new Date(now - 31 * DAY), reads: 1, failures: 0, durationMs: 1 },
        { clusterId: "r", host: "web1", hour: new Date(now - 29 * DAY), reads: 1, failures: 0, durationMs: 1 },
      ],
    });
    expect(await retention.pruneAuditIfDue("r", now)).toBe(true);
    expect((await db.commandRun.findMany({ where: { clusterId: { in: ["r", "r2"] } }, orderBy: { id: "asc" } })).map((r) => `${r.clusterId} ${r.command}`)).toEqual([
      "r age 29",
      "r2 age 31",
    ]);
    expect(await db.probeReadSummary.count({ where: { clusterId: "r" } })).toBe(1);
    expect(await query.oldestAuditRow("r")).toBe(now - 29 * DAY);

    await db.commandRun.create({ data: row("r", 40) });
    expect(await retention.pruneAuditIfDue("r", now + HOUR - 1)).toBe(false);
    expect(await db.commandRun.count({ where: { clusterId: "r" } })).toBe(2);
    expect(await retention.pruneAuditIfDue("r", now + HOUR)).toBe(true);
    expect(await db.commandRun.count({ where: { clusterId: "r" } })).toBe(1);
  });
});

describe("probe reads summarised", () => {
  const entry = (at: number, host: string, outcome: AuditEntry["outcome"], extra: Partial<AuditEntry> = {}): AuditEntry => ({
    at: new Date(at),
    clusterId: "s",
    host,
    command: "cat /proc/loadavg",
    purpose: { kind: "probe", probes: ["loadavg"] },
    actor: null,
    exitCode: outcome === "ok" ? 0 : 1,
    outcome,
    durationMs: 10,
    ...extra,
  });

  it("counts reads per cluster, host and hour in memory and writes one row per host-hour on flush", async () => {
    const s = new probes.ProbeReadSummarizer();
    try {
      for (let i = 0; i < 5; i++) s.record(entry(T + i * 1000, "web1", "ok"));
      s.record(entry(T + 5000, "web1", "failed", { stderr: "cat: /proc/loadavg: No such file\nmore" }));
      s.record(entry(T + HOUR, "web1", "ok"));
      s.record(entry(T, "db1", "error", { exitCode: null, error: "connect ECONNREFUSED" }));
      s.record(entry(T + 1, "lb1", "failed", { stderr: "ldirectord: bad check passwd=hunter2 in line 3" }));
      expect(s.pendingCount()).toBe(4);
      expect(await db.probeReadSummary.count({ where: { clusterId: "s" } })).toBe(0);
      expect(await s.flush()).toBe(4);
      expect(s.pendingCount()).toBe(0);
      const rows = await db.probeReadSummary.findMany({ where: { clusterId: "s" }, orderBy: [{ host: "asc" }, { hour: "asc" }] });
      expect(rows.map((r) => [r.host, r.hour.getTime(), r.reads, r.failures, r.durationMs, r.lastError])).toEqual([
        ["db1", T, 1, 1, 10, "connect ECONNREFUSED"],
        ["lb1", T, 1, 1, 10, expect.stringMatching(/^exit 1: ldirectord: bad check passwd=(?!hunter2)\S+ in line 3$/)],
        ["web1", T, 6, 1, 60, "exit 1: cat: /proc/loadavg: No such file"],
        ["web1", T + HOUR, 1, 0, 10, null],
      ]);

      // a later flush adds to the same host-hour and keeps its last error when the new reads went well
      s.record(entry(T + 10_000, "web1", "ok"));
      s.record(entry(T + 11_000, "web1", "timeout", { exitCode: null }));
      s.record(entry(T + 12_000, "web1", "ok"));
      expect(await s.flush()).toBe(1);
      const again = await db.probeReadSummary.findUniqueOrThrow({ where: { clusterId_host_hour: { clusterId: "s", host: "web1", hour: new Date(T) } } });
      expect([again.reads, again.failures, again.durationMs, again.lastError]).toEqual([9, 2, 90, "timed out"]);
      s.record(entry(T + 13_000, "web1", "ok"));
      await s.flush();
      expect((await db.probeReadSummary.findUniqueOrThrow({ where: { clusterId_host_hour: { clusterId: "s", host: "web1", hour: new Date(T) } } })).lastError).toBe("timed out");

      const summary = await probes.probeSummaryFor("s", { from: T, to: T + 2 * HOUR });
      expect(summary).toEqual([
        { host: "db1", reads: 1, failures: 1, meanMs: 10, lastHour: T, lastError: "connect ECONNREFUSED", lastErrorHour: T },
        expect.objectContaining({ host: "lb1", reads: 1, failures: 1 }),
        { host: "web1", reads: 11, failures: 2, meanMs: 10, lastHour: T + HOUR, lastError: "timed out", lastErrorHour: T },
      ]);
      // by default the last 24 hours: at T + 25 h only the hour T + 1 h is in range
      expect((await probes.probeSummaryFor("s", {}, T + 25 * HOUR)).map((p) => [p.host, p.reads])).toEqual([["web1", 1]]);
      expect(await probes.probeSummaryFor("s", { from: T + HOUR + 1 }, T + 2 * HOUR)).toEqual([
        { host: "web1", reads: 1, failures: 0, meanMs: 10, lastHour: T + HOUR, lastError: null, lastErrorHour: null },
      ]);
    } finally {
      s.stop();
    }
  });
});
