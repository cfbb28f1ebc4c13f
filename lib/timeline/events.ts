import "server-only";
import { EVENT_SEVERITIES, EVENT_TIERS, type EventDraft, type EventSeverity, type EventTier, type JsonValue } from "@/lib/cluster/transitions";
import { db } from "@/lib/db";
import { involveInIncident, openIncidentRow, withIncidentLock } from "@/lib/timeline/incidents";

export interface ClusterEvent {
  id: number;
  /** epoch ms */
  at: number;
  clusterId: string;
  host: string | null;
  tier: EventTier;
  /** an EventKind from transitions, or a kind later writers add */
  kind: string;
  severity: EventSeverity;
  message: string;
  before: JsonValue;
  after: JsonValue;
  actor: string | null;
  incidentId: number | null;
}

export const EVENT_LIST_LIMIT = 200;

function toJson(value: JsonValue): string | null {
  return value === null ? null : JSON.stringify(value);
}

function oneOf<T extends string>(allowed: readonly T[], value: string, fallback: T): T {
  return allowed.find((x) => x === value) ?? fallback;
}

function fromJson(text: string | null): JsonValue {
  return text === null ? null : (JSON.parse(text) as JsonValue);
}

export interface EventRow {
  id: number;
  at: Date;
  clusterId: string;
  host: string | null;
  tier: string;
  kind: string;
  severity: string;
  message: string;
  before: string | null;
  after: string | null;
  actor: string | null;
  incidentId: number | null;
}

export function eventOf(r: EventRow): ClusterEvent {
  return {
    id: r.id,
    at: r.at.getTime(),
    clusterId: r.clusterId,
    host: r.host,
    tier: oneOf(EVENT_TIERS, r.tier, "host"),
    kind: r.kind,
    severity: oneOf(EVENT_SEVERITIES, r.severity, "info"),
    message: r.message,
    before: fromJson(r.before),
    after: fromJson(r.after),
    actor: r.actor,
    incidentId: r.incidentId,
  };
}

/**
 * Stores events, each tagged with its cluster's open incident (whoever writes them: the recorder,
 * a workflow, an operator), and grows that incident's tiers and hosts by theirs.
 */
export async function recordEvents(drafts: EventDraft[]): Promise<number> {
  if (drafts.length === 0) return 0;
  const clusters = [...new Set(drafts.map((d) => d.clusterId))];
  return withIncidentLock(async () => {
    let count = 0;
    for (const clusterId of clusters) {
      const mine = drafts.filter((d) => d.clusterId === clusterId);
      const incident = await openIncidentRow(clusterId);
      const written = await db.event.createMany({
        data: mine.map((d) => ({
          at: new Date(d.at),
          clusterId: d.clusterId,
          host: d.host,
          tier: d.tier,
          kind: d.kind,
          severity: d.severity,
          message: d.message,
          before: toJson(d.before),
          after: toJson(d.after),
          actor: d.actor ?? null,
          incidentId: incident?.id ?? null,
        })),
      });
      count += written.count;
      if (incident) await involveInIncident(incident, mine.map((d) => ({ tier: d.tier, hosts: [d.host] })));
    }
    return count;
  });
}

/** Newest first. */
export async function listEvents({ clusterId, since, limit = EVENT_LIST_LIMIT }: { clusterId: string; since?: Date; limit?: number }): Promise<ClusterEvent[]> {
  const rows = await db.event.findMany({
    where: { clusterId, ...(since ? { at: { gte: since } } : {}) },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: Math.max(1, Math.min(limit, 1000)),
  });
  return rows.map(eventOf);
}

export const INCIDENT_EVENT_LIMIT = 2_000;

/** An incident's events, oldest first. */
export async function incidentEvents(incidentId: number, limit = INCIDENT_EVENT_LIMIT): Promise<ClusterEvent[]> {
  const rows = await db.event.findMany({ where: { incidentId }, orderBy: [{ at: "asc" }, { id: "asc" }], take: limit });
  return rows.map(eventOf);
}
