import "server-only";
import { Prisma } from "@/generated/prisma/client";
import { db } from "@/lib/db";
import { type Cursor, type EventQuery, SCAN_BUDGET, cursorOf, cursorText } from "@/lib/timeline/event-query";
import { type ClusterEvent, type EventRow, eventOf } from "@/lib/timeline/events";

export interface TimelinePage {
  events: ClusterEvent[];
  /** pass back as `cursor` for the next (older) page; null at the end */
  nextCursor: string | null;
  /**
   * Set when the page stopped at its scan budget before filling up: every event newer than this
   * (epoch ms) that matches has been returned, older ones were not searched yet.
   */
  searchedTo: number | null;
}

// Newest first is (at DESC, id DESC). Every index on Event ends in `at`, and SQLite appends the
// rowid (= id), so one equality column plus the time range walks an index in exactly that order with
// no sort. One filter picks the index; the others (and the text search) are checked on the rows the
// index yields, at most SCAN_BUDGET of them per page, so no page costs more than that scan.
type Indexed = { index: string; column: Prisma.Sql; value: string } | null;

function indexedFilter(q: EventQuery): Indexed {
  if (q.kind) return { index: "Event_clusterId_kind_at_idx", column: Prisma.raw('"kind"'), value: q.kind };
  if (q.host) return { index: "Event_clusterId_host_at_idx", column: Prisma.raw('"host"'), value: q.host };
  if (q.tier) return { index: "Event_clusterId_tier_at_idx", column: Prisma.raw('"tier"'), value: q.tier };
  const only = q.severity?.length === 1 ? q.severity[0] : undefined;
  if (only) return { index: "Event_clusterId_severity_at_idx", column: Prisma.raw('"severity"'), value: only };
  return null;
}

function residualFilters(q: EventQuery, indexed: Indexed): Prisma.Sql[] {
  const index = indexed?.index;
  const out: Prisma.Sql[] = [];
  if (q.host && index !== "Event_clusterId_host_at_idx") out.push(Prisma.sql`"host" = ${q.host}`);
  if (q.tier && index !== "Event_clusterId_tier_at_idx") out.push(Prisma.sql`"tier" = ${q.tier}`);
  if (q.severity && index !== "Event_clusterId_severity_at_idx") out.push(Prisma.sql`"severity" IN (${Prisma.join(q.severity)})`);
  if (q.q) out.push(Prisma.sql`"message" LIKE ${`%${escapeLike(q.q)}%`} ESCAPE '\\'`);
  return out;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The index walk: cluster, the indexed column, the time range and the cursor. */
function walk(clusterId: string, q: EventQuery, indexed: Indexed, cursor: Cursor | null): Prisma.Sql {
  const conds: Prisma.Sql[] = [Prisma.sql`"clusterId" = ${clusterId}`];
  if (indexed) conds.push(Prisma.sql`${indexed.column} = ${indexed.value}`);
  if (q.from !== undefined) conds.push(Prisma.sql`"at" >= ${new Date(q.from)}`);
  if (q.to !== undefined) conds.push(Prisma.sql`"at" <= ${new Date(q.to)}`);
  if (cursor) {
    const at = new Date(cursor.at);
    // `at <=` bounds the index range; the OR only sorts out ties on the same instant
    conds.push(Prisma.sql`"at" <= ${at} AND ("at" < ${at} OR "id" < ${cursor.id})`);
  }
  const index = Prisma.raw(`"${indexed?.index ?? "Event_clusterId_at_idx"}"`);
  return Prisma.sql`FROM "Event" INDEXED BY ${index} WHERE ${Prisma.join(conds, " AND ")} ORDER BY "at" DESC, "id" DESC`;
}

const COLUMNS = Prisma.raw(`"id", "at", "clusterId", "host", "tier", "kind", "severity", "message", "before", "after", "actor", "incidentId"`);

interface RawEventRow extends Omit<EventRow, "at" | "id" | "incidentId"> {
  id: number | bigint;
  at: Date | string | number;
  incidentId: number | bigint | null;
}

/** Raw rows come back with SQLite's own types: DATETIME as text or Date, integers maybe as bigint. */
function dateOf(v: Date | string | number): Date {
  return v instanceof Date ? v : new Date(v);
}

function rowOf(r: RawEventRow): EventRow {
  return { ...r, id: Number(r.id), at: dateOf(r.at), incidentId: r.incidentId === null ? null : Number(r.incidentId) };
}

export async function queryTimeline(clusterId: string, q: EventQuery): Promise<TimelinePage> {
  const indexed = indexedFilter(q);
  const residual = residualFilters(q, indexed);
  const cursor = cursorOf(q.cursor);
  const take = q.limit + 1;
  const walked = walk(clusterId, q, indexed, cursor);
  const raw =
    residual.length === 0
      ? await db.$queryRaw<RawEventRow[]>(Prisma.sql`SELECT ${COLUMNS} ${walked} LIMIT ${take}`)
      : // the subquery runs as a co-routine in index order: the outer filter stops at `take` matches
        await db.$queryRaw<RawEventRow[]>(
          Prisma.sql`SELECT ${COLUMNS} FROM (SELECT ${COLUMNS} ${walked} LIMIT ${SCAN_BUDGET}) WHERE ${Prisma.join(residual, " AND ")} LIMIT ${take}`,
        );
  const rows = raw.map(rowOf);
  const events = rows.slice(0, q.limit).map(eventOf);
  const last = events[events.length - 1];
  if (rows.length > q.limit && last) return { events, nextCursor: cursorText({ at: last.at, id: last.id }), searchedTo: null };
  if (residual.length === 0) return { events, nextCursor: null, searchedTo: null };
  // Fewer matches than a page: did the scan stop at its budget with older events left to search?
  const edge = await db.$queryRaw<{ at: Date | string | number; id: number | bigint }[]>(
    Prisma.sql`SELECT "at", "id" ${walked} LIMIT 1 OFFSET ${SCAN_BUDGET - 1}`,
  );
  const stop = edge[0];
  if (!stop) return { events, nextCursor: null, searchedTo: null };
  const stopAt = dateOf(stop.at).getTime();
  return { events, nextCursor: cursorText({ at: stopAt, id: Number(stop.id) }), searchedTo: stopAt };
}
