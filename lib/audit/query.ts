import "server-only";
import { Prisma } from "@/generated/prisma/client";
import { type AuditCursor, type AuditQuery, cursorText } from "@/lib/audit/filters";
import { isDrillKind, purposeOf } from "@/lib/audit/purpose";
import { db } from "@/lib/db";

export interface AuditWhy {
  kind: "workflow" | "drill" | "action" | "test" | "other";
  /** in the operator's words: the run's title and step, or the action's name */
  label: string;
  runId: string | null;
}

export interface AuditRow {
  id: number;
  /** epoch ms */
  at: number;
  clusterId: string;
  host: string;
  command: string;
  purpose: string;
  why: AuditWhy;
  actor: string | null;
  exitCode: number | null;
  outcome: string;
  durationMs: number;
  stdout: string | null;
  stderr: string | null;
  error: string | null;
}

export interface AuditPage {
  rows: AuditRow[];
  /** pass back as `cursor` for the next (older) page; null at the end */
  nextCursor: string | null;
}

interface RawRow {
  id: number | bigint;
  at: Date | string | number;
  clusterId: string;
  host: string;
  command: string;
  purpose: string;
  actor: string | null;
  exitCode: number | bigint | null;
  outcome: string;
  durationMs: number | bigint;
  stdout: string | null;
  stderr: string | null;
  error: string | null;
}

const COLUMNS = Prisma.raw(`"id", "at", "clusterId", "host", "command", "purpose", "actor", "exitCode", "outcome", "durationMs", "stdout", "stderr", "error"`);

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The run id inside "workflow:<run>:<step>" ("workflow:" is 9 characters). */
const RUN_OF_PURPOSE = Prisma.raw(`substr("purpose", 10, instr(substr("purpose", 10), ':') - 1)`);

function conditions(clusterId: string, q: Omit<AuditQuery, "cursor" | "limit">, cursor: AuditCursor | null): Prisma.Sql[] {
  const conds: Prisma.Sql[] = [Prisma.sql`"clusterId" = ${clusterId}`];
  if (q.from !== undefined) conds.push(Prisma.sql`"at" >= ${new Date(q.from)}`);
  if (q.to !== undefined) conds.push(Prisma.sql`"at" <= ${new Date(q.to)}`);
  if (cursor) {
    const at = new Date(cursor.at);
    // `at <=` bounds the (clusterId, at) index range; the OR only sorts out ties on the same instant
    conds.push(Prisma.sql`"at" <= ${at} AND ("at" < ${at} OR "id" < ${cursor.id})`);
  }
  if (q.actor) conds.push(Prisma.sql`"actor" = ${q.actor}`);
  if (q.host) conds.push(Prisma.sql`"host" = ${q.host}`);
  if (q.outcome) conds.push(Prisma.sql`"outcome" = ${q.outcome}`);
  if (q.q) conds.push(Prisma.sql`"command" LIKE ${`%${escapeLike(q.q)}%`} ESCAPE '\\'`);
  const drills = Prisma.sql`${RUN_OF_PURPOSE} IN (SELECT "id" FROM "WorkflowRun" WHERE "clusterId" = ${clusterId} AND "kind" LIKE 'drill-%')`;
  if (q.kind === "workflow") conds.push(Prisma.sql`"purpose" LIKE 'workflow:%' AND NOT (${drills})`);
  if (q.kind === "drill") conds.push(Prisma.sql`"purpose" LIKE 'workflow:%' AND ${drills}`);
  if (q.kind === "action") conds.push(Prisma.sql`"purpose" LIKE 'action:%'`);
  if (q.kind === "test") conds.push(Prisma.sql`"purpose" = 'test'`);
  return conds;
}

function num(v: number | bigint): number {
  return Number(v);
}

async function rowsOf(raw: RawRow[]): Promise<AuditRow[]> {
  const runIds = new Set<string>();
  for (const r of raw) {
    const p = purposeOf(r.purpose);
    if (p.kind === "workflow") runIds.add(p.runId);
  }
  const runs = new Map(
    runIds.size === 0
      ? []
      : (await db.workflowRun.findMany({ where: { id: { in: [...runIds] } }, select: { id: true, kind: true, title: true } })).map((r) => [r.id, r]),
  );
  return raw.map((r) => {
    const p = purposeOf(r.purpose);
    let why: AuditWhy;
    if (p.kind === "workflow") {
      const run = runs.get(p.runId);
      const step = /^\d+$/.test(p.step) ? `step ${Number(p.step) + 1}` : p.step;
      why = { kind: run && isDrillKind(run.kind) ? "drill" : "workflow", label: `${run?.title ?? `run ${p.runId}`}, ${step}`, runId: p.runId };
    } else if (p.kind === "action") why = { kind: "action", label: p.name, runId: null };
    else if (p.kind === "test") why = { kind: "test", label: "test", runId: null };
    else why = { kind: "other", label: r.purpose, runId: null };
    const at = r.at instanceof Date ? r.at : new Date(r.at);
    return {
      id: num(r.id),
      at: at.getTime(),
      clusterId: r.clusterId,
      host: r.host,
      command: r.command,
      purpose: r.purpose,
      why,
      actor: r.actor,
      exitCode: r.exitCode === null ? null : num(r.exitCode),
      outcome: r.outcome,
      durationMs: num(r.durationMs),
      stdout: r.stdout,
      stderr: r.stderr,
      error: r.error,
    };
  });
}

/** One page of the command audit, newest first: (at DESC, id DESC) walks the (clusterId, at) index. */
export async function queryAudit(clusterId: string, q: AuditQuery): Promise<AuditPage> {
  const conds = conditions(clusterId, q, q.cursor ?? null);
  const raw = await db.$queryRaw<RawRow[]>(
    Prisma.sql`SELECT ${COLUMNS} FROM "CommandRun" WHERE ${Prisma.join(conds, " AND ")} ORDER BY "at" DESC, "id" DESC LIMIT ${q.limit + 1}`,
  );
  const rows = await rowsOf(raw.slice(0, q.limit));
  const last = rows[rows.length - 1];
  return { rows, nextCursor: raw.length > q.limit && last ? cursorText({ at: last.at, id: last.id }) : null };
}

export const EXPORT_ROW_CAP = 100_000;
const EXPORT_BATCH = 1_000;

/** Every row the filters match, newest first, in batches (for the export); at most `cap`, then `capped` is set. */
export async function* auditRowsFor(clusterId: string, q: AuditQuery, cap = EXPORT_ROW_CAP): AsyncGenerator<AuditRow[], { capped: boolean }> {
  let cursor = q.cursor;
  let sent = 0;
  for (;;) {
    const limit = Math.min(EXPORT_BATCH, cap - sent);
    if (limit <= 0) {
      const more = await queryAudit(clusterId, { ...q, cursor, limit: 1 });
      return { capped: more.rows.length > 0 };
    }
    const page = await queryAudit(clusterId, { ...q, cursor, limit });
    if (page.rows.length > 0) yield page.rows;
    sent += page.rows.length;
    if (!page.nextCursor) return { capped: false };
    const last = page.rows[page.rows.length - 1];
    cursor = last ? { at: last.at, id: last.id } : undefined;
  }
}

/** The oldest row still kept for a cluster (the retention's effect, shown on the page). */
export async function oldestAuditRow(clusterId: string): Promise<number | null> {
  const row = await db.commandRun.findFirst({ where: { clusterId }, orderBy: [{ at: "asc" }, { id: "asc" }], select: { at: true } });
  return row?.at.getTime() ?? null;
}

/** The distinct operators in a cluster's audit, for the actor filter. */
export async function auditActors(clusterId: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ actor: string }[]>(
    Prisma.sql`SELECT DISTINCT "actor" FROM "CommandRun" WHERE "clusterId" = ${clusterId} AND "actor" IS NOT NULL ORDER BY "actor" LIMIT 500`,
  );
  return rows.map((r) => r.actor);
}
