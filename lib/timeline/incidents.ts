import "server-only";
import type { Finding } from "@/lib/cluster/findings-types";
import { db } from "@/lib/db";
import { INCIDENT_CLOSE_GRACE_MS, type IncidentFinding, type TrackedIncident, involve, joinInvolved, stepIncident } from "@/lib/timeline/incident-logic";

export type IncidentState = "open" | "closed";

/** An incident as every screen, export and webhook reads it. */
export interface IncidentSummary {
  id: number;
  clusterId: string;
  state: IncidentState;
  severity: string;
  title: string;
  tiers: string[];
  hosts: string[];
  findings: IncidentFinding[];
  /** epoch ms */
  openedAt: number;
  closedAt: number | null;
  /** closed: its length; open: how long so far */
  durationMs: number;
  webhookStatus: string | null;
}

type IncidentRow = NonNullable<Awaited<ReturnType<typeof db.incident.findFirst>>>;

function stringList(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === "string") : [];
}

function findingList(text: string): IncidentFinding[] {
  const value: unknown = JSON.parse(text);
  // written only by this module from IncidentFinding values
  return Array.isArray(value) ? (value as IncidentFinding[]) : [];
}

export function summaryOf(row: IncidentRow, now = Date.now()): IncidentSummary {
  const openedAt = row.openedAt.getTime();
  const closedAt = row.closedAt?.getTime() ?? null;
  return {
    id: row.id,
    clusterId: row.clusterId,
    state: closedAt === null ? "open" : "closed",
    severity: row.severity,
    title: row.title,
    tiers: stringList(row.tiers),
    hosts: stringList(row.hosts),
    findings: findingList(row.findings),
    openedAt,
    closedAt,
    durationMs: Math.max(0, (closedAt ?? now) - openedAt),
    webhookStatus: row.webhookStatus,
  };
}

// Incident rows are read, grown and written back by the recorder and by whoever records events
// (workflows, notes): one at a time in this process, so no union of tiers or hosts is lost.
const g = globalThis as unknown as { clusterdeckIncidentLock?: Promise<unknown> };

export function withIncidentLock<T>(fn: () => Promise<T>): Promise<T> {
  const run = (g.clusterdeckIncidentLock ?? Promise.resolve()).then(fn, fn);
  g.clusterdeckIncidentLock = run.catch(() => undefined);
  return run;
}

export async function openIncidentRow(clusterId: string): Promise<IncidentRow | null> {
  return db.incident.findFirst({ where: { clusterId, closedAt: null }, orderBy: { openedAt: "desc" } });
}

/** Grow the open incident's tiers and hosts by what the given items involve. Call inside withIncidentLock. */
export async function involveInIncident(row: IncidentRow, items: readonly { tier: string; hosts: readonly (string | null)[] }[]): Promise<void> {
  const before = { tiers: stringList(row.tiers), hosts: stringList(row.hosts) };
  const after = involve(before, items);
  if (after.tiers.length === before.tiers.length && after.hosts.length === before.hosts.length) return;
  await db.incident.update({ where: { id: row.id }, data: { tiers: JSON.stringify(after.tiers), hosts: JSON.stringify(after.hosts) } });
}

export type IncidentTransition = { kind: "opened" | "closed"; incident: IncidentSummary };

export interface IncidentTracker {
  /** One poll's findings; opens, grows or closes the cluster's incident. Returns what happened, if it opened or closed. */
  observe(at: number, findings: readonly Finding[]): Promise<IncidentTransition | null>;
}

/** The recorder's incident state machine for one cluster, resuming an incident left open by an earlier process. */
export function createIncidentTracker(clusterId: string, graceMs = INCIDENT_CLOSE_GRACE_MS): IncidentTracker {
  let loaded = false;
  let open: TrackedIncident | null = null;

  async function load(): Promise<void> {
    const row = await openIncidentRow(clusterId);
    open = row
      ? { id: row.id, openedAt: row.openedAt.getTime(), title: row.title, tiers: stringList(row.tiers), hosts: stringList(row.hosts), findings: findingList(row.findings), clearSince: null }
      : null;
    loaded = true;
  }

  return {
    observe(at, findings) {
      return withIncidentLock(async () => {
        if (!loaded) await load();
        const change = stepIncident(open, at, findings, graceMs);
        switch (change.kind) {
          case "none":
            return null;
          case "grace":
            open = change.incident;
            return null;
          case "open": {
            const i = change.incident;
            const row = await db.incident.create({
              data: {
                clusterId,
                openedAt: new Date(i.openedAt),
                severity: "critical",
                title: i.title,
                tiers: JSON.stringify(i.tiers),
                hosts: JSON.stringify(i.hosts),
                findings: JSON.stringify(i.findings),
              },
            });
            open = { ...i, id: row.id };
            return { kind: "opened", incident: summaryOf(row) };
          }
          case "update": {
            const i = change.incident;
            // events may have grown tiers and hosts since this tracker last read them
            const row = await db.incident.findUnique({ where: { id: i.id } });
            const merged = row ? joinInvolved(i, { tiers: stringList(row.tiers), hosts: stringList(row.hosts) }) : i;
            await db.incident.update({
              where: { id: i.id },
              data: { tiers: JSON.stringify(merged.tiers), hosts: JSON.stringify(merged.hosts), findings: JSON.stringify(merged.findings) },
            });
            open = merged;
            return null;
          }
          case "close": {
            const row = await db.incident.update({ where: { id: change.incident.id }, data: { closedAt: new Date(change.closedAt) } });
            open = null;
            return { kind: "closed", incident: summaryOf(row) };
          }
        }
      });
    },
  };
}

export const INCIDENT_LIST_LIMIT = 50;

/** Open incidents first, then the most recent. */
export async function listIncidents(clusterId: string, limit = INCIDENT_LIST_LIMIT): Promise<IncidentSummary[]> {
  const [open, recent] = await Promise.all([
    db.incident.findMany({ where: { clusterId, closedAt: null }, orderBy: { openedAt: "desc" } }),
    db.incident.findMany({ where: { clusterId, closedAt: { not: null } }, orderBy: { openedAt: "desc" }, take: limit }),
  ]);
  const now = Date.now();
  return [...open, ...recent].map((r) => summaryOf(r, now));
}

export async function findIncident(clusterId: string, id: number): Promise<IncidentSummary | null> {
  const row = await db.incident.findFirst({ where: { id, clusterId } });
  return row ? summaryOf(row) : null;
}

export async function setWebhookStatus(id: number, status: string): Promise<void> {
  await db.incident.update({ where: { id }, data: { webhookStatus: status } });
}
