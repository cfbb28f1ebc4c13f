import "server-only";
import { db } from "@/lib/db";
import { unacknowledged } from "@/lib/drills/score";
import type { DrillList, ExpectationView, MeasurementView } from "@/lib/drills/types";
import { getCluster } from "@/lib/inventory";

const SCORE_LIMIT = 200;

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export async function listDrills(clusterId: string): Promise<DrillList> {
  getCluster(clusterId);
  const [rows, marks] = await Promise.all([
    db.drillScore.findMany({ where: { clusterId }, orderBy: { at: "desc" }, take: SCORE_LIMIT }),
    unacknowledged(clusterId),
  ]);
  return {
    scores: rows.map((r) => ({
      runId: r.runId,
      kind: r.kind,
      target: r.target,
      at: r.at.getTime(),
      passed: r.passed,
      aborted: r.aborted,
      measurements: json<MeasurementView[]>(r.measurements, []),
      expectations: json<ExpectationView[]>(r.expectations, []),
    })),
    unacknowledged: marks,
  };
}
