import type { Finding } from "@/lib/cluster/findings-types";

/**
 * An incident closes only after no critical finding has been seen for this long, so a finding that
 * flaps (a host answering every other poll, lag hovering at its threshold) stays one incident.
 */
export const INCIDENT_CLOSE_GRACE_MS = 15_000;

/** The tiers an incident can involve: the cluster's, not the console's own ("workflow", "operator"). */
export const INCIDENT_TIERS = ["host", "balancer", "web", "storage", "database"] as const;
export type IncidentTier = (typeof INCIDENT_TIERS)[number];

export interface IncidentFinding {
  id: string;
  rule: string;
  tier: string;
  component: string;
  hosts: string[];
  message: string;
  /** epoch ms the incident first saw it */
  firstSeenAt: number;
}

/** What the tracker keeps about the open incident between polls. */
export interface TrackedIncident {
  id: number;
  openedAt: number;
  title: string;
  tiers: string[];
  hosts: string[];
  findings: IncidentFinding[];
  /** when the last critical finding cleared; null while one remains */
  clearSince: number | null;
}

export type IncidentChange =
  | { kind: "none" }
  /** a new incident: the caller stores it and hands back its id */
  | { kind: "open"; incident: Omit<TrackedIncident, "id"> }
  /** new findings, tiers or hosts to store */
  | { kind: "update"; incident: TrackedIncident }
  /** only the in-memory grace clock moved: nothing to store */
  | { kind: "grace"; incident: TrackedIncident }
  | { kind: "close"; incident: TrackedIncident; closedAt: number };

const TIER_RANK: Record<string, number> = Object.fromEntries(INCIDENT_TIERS.map((t, i) => [t, i]));

function sortedUnion(a: readonly string[], b: readonly string[], rank?: Record<string, number>): string[] {
  const all = [...new Set([...a, ...b])];
  return rank ? all.sort((x, y) => (rank[x] ?? 99) - (rank[y] ?? 99) || x.localeCompare(y)) : all.sort();
}

/** Tiers and hosts of an incident grown by whatever was involved: findings or events. */
export function involve<T extends { tiers: string[]; hosts: string[] }>(incident: T, items: readonly { tier: string; hosts: readonly (string | null)[] }[]): T {
  const tiers = items.map((i) => i.tier).filter((t): t is IncidentTier => t in TIER_RANK);
  const hosts = items.flatMap((i) => i.hosts).filter((h): h is string => h !== null && h !== "cluster");
  return { ...incident, tiers: sortedUnion(incident.tiers, tiers, TIER_RANK), hosts: sortedUnion(incident.hosts, hosts) };
}

/** Both incidents' tiers and hosts together. */
export function joinInvolved<T extends { tiers: string[]; hosts: string[] }>(a: T, b: { tiers: readonly string[]; hosts: readonly string[] }): T {
  return { ...a, tiers: sortedUnion(a.tiers, b.tiers, TIER_RANK), hosts: sortedUnion(a.hosts, b.hosts) };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * One poll's step of the incident state machine: open on the first critical finding, collect every
 * critical finding seen while open, close once none has been seen for `graceMs`. The closing time
 * is when the last one cleared, so the duration is the outage, not the outage plus the grace.
 */
export function stepIncident(open: TrackedIncident | null, at: number, findings: readonly Finding[], graceMs = INCIDENT_CLOSE_GRACE_MS): IncidentChange {
  const critical = findings.filter((f) => f.severity === "critical");
  if (open === null) {
    const first = critical[0];
    if (!first) return { kind: "none" };
    const opened = involve(
      { openedAt: at, title: first.message, tiers: [], hosts: [], findings: critical.map((f) => seen(f, at)), clearSince: null },
      critical.map((f) => ({ tier: f.tier, hosts: f.hosts })),
    );
    return { kind: "open", incident: opened };
  }
  if (critical.length === 0) {
    if (open.clearSince === null) return { kind: "grace", incident: { ...open, clearSince: at } };
    if (at - open.clearSince >= graceMs) return { kind: "close", incident: open, closedAt: open.clearSince };
    return { kind: "none" };
  }
  const known = new Set(open.findings.map((f) => f.id));
  const fresh = critical.filter((f) => !known.has(f.id));
  const grown = involve(
    { ...open, findings: [...open.findings, ...fresh.map((f) => seen(f, at))], clearSince: null },
    fresh.map((f) => ({ tier: f.tier, hosts: f.hosts })),
  );
  if (fresh.length > 0 || !sameList(grown.tiers, open.tiers) || !sameList(grown.hosts, open.hosts)) return { kind: "update", incident: grown };
  if (open.clearSince !== null) return { kind: "grace", incident: grown };
  return { kind: "none" };
}

function seen(f: Finding, at: number): IncidentFinding {
  return { id: f.id, rule: f.rule, tier: f.tier, component: f.component, hosts: [...f.hosts], message: f.message, firstSeenAt: at };
}
