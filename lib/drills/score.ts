import "server-only";
import { db } from "@/lib/db";

/** Drill scorecards and the failover marks that keep a tier from failing over again unacknowledged. */

export interface Measurement {
  name: string;
  value: number | null;
  unit: string;
}

export interface Expectation {
  /** "the VIP has an owner again within 30 s" */
  text: string;
  /** the measurement it is judged on, and its bound (at most) */
  measure: string;
  bound: number;
  measured: number | null;
  passed: boolean | null;
}

export function judge(expectations: readonly Omit<Expectation, "measured" | "passed">[], measurements: readonly Measurement[]): Expectation[] {
  return expectations.map((e) => {
    const m = measurements.find((x) => x.name === e.measure)?.value ?? null;
    return { ...e, measured: m, passed: m === null ? null : m <= e.bound };
  });
}

export interface ScoreInput {
  runId: string;
  clusterId: string;
  kind: string;
  target: string;
  measurements: Measurement[];
  expectations: Expectation[];
  aborted: boolean;
}

export async function storeScore(s: ScoreInput): Promise<boolean> {
  const passed = !s.aborted && s.expectations.every((e) => e.passed === true);
  const data = {
    clusterId: s.clusterId,
    kind: s.kind,
    target: s.target,
    at: new Date(),
    passed,
    aborted: s.aborted,
    measurements: JSON.stringify(s.measurements),
    expectations: JSON.stringify(s.expectations),
  };
  await db.drillScore.upsert({ where: { runId: s.runId }, create: { runId: s.runId, ...data }, update: data });
  return passed;
}

export async function markFailover(clusterId: string, tiers: readonly string[], source: string, message: string): Promise<void> {
  if (tiers.length === 0) return;
  await db.failoverMark.createMany({ data: tiers.map((tier) => ({ clusterId, tier, at: new Date(), source, message })) });
}

/** failovers not yet acknowledged, per tier */
export async function unacknowledged(clusterId: string): Promise<{ id: number; tier: string; at: number; message: string; source: string }[]> {
  const rows = await db.failoverMark.findMany({ where: { clusterId, ackAt: null }, orderBy: { at: "asc" } });
  return rows.map((r) => ({ id: r.id, tier: r.tier, at: r.at.getTime(), message: r.message, source: r.source }));
}

/** an operator has looked at a failover: another drill may fail that tier over again */
export async function acknowledgeFailover(clusterId: string, id: number, by: string): Promise<{ tier: string; message: string } | null> {
  const mark = await db.failoverMark.findFirst({ where: { id, clusterId, ackAt: null } });
  if (!mark) return null;
  await db.failoverMark.update({ where: { id }, data: { ackBy: by, ackAt: new Date() } });
  return { tier: mark.tier, message: mark.message };
}
