import "server-only";
import { db } from "@/lib/db";
import { EVENT_SEVERITIES, EVENT_TIERS, type EventDraft, type EventSeverity, type EventTier, type JsonValue } from "@/lib/cluster/transitions";

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

export async function recordEvents(drafts: EventDraft[]): Promise<number> {
  if (drafts.length === 0) return 0;
  const { count } = await db.event.createMany({
    data: drafts.map((d) => ({
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
    })),
  });
  return count;
}

/** Newest first. */
export async function listEvents({ clusterId, since, limit = EVENT_LIST_LIMIT }: { clusterId: string; since?: Date; limit?: number }): Promise<ClusterEvent[]> {
  const rows = await db.event.findMany({
    where: { clusterId, ...(since ? { at: { gte: since } } : {}) },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: Math.max(1, Math.min(limit, 1000)),
  });
  return rows.map((r) => ({
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
  }));
}
