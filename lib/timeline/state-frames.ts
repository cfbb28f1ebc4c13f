import "server-only";
import type { Finding, RedundancyVerdict } from "@/lib/cluster/findings-types";
import { db } from "@/lib/db";

/** The cluster as it was at one moment: what the incident page shows beside each event. */
export interface StateFrame {
  id: number;
  /** epoch ms */
  at: number;
  verdict: RedundancyVerdict;
  findings: Finding[];
}

export async function recordStateFrame(clusterId: string, at: number, verdict: RedundancyVerdict, findings: readonly Finding[]): Promise<void> {
  await db.stateFrame.create({ data: { clusterId, at: new Date(at), verdict: JSON.stringify(verdict), findings: JSON.stringify(findings) } });
}

function frameOf(r: { id: number; at: Date; verdict: string; findings: string }): StateFrame {
  // written only by recordStateFrame, from these types
  return { id: r.id, at: r.at.getTime(), verdict: JSON.parse(r.verdict) as RedundancyVerdict, findings: JSON.parse(r.findings) as Finding[] };
}

/** Every frame in [from, to], and the last one before `from` (the state when the window began). */
export async function framesBetween(clusterId: string, from: number, to: number): Promise<StateFrame[]> {
  const [before, within] = await Promise.all([
    db.stateFrame.findFirst({ where: { clusterId, at: { lt: new Date(from) } }, orderBy: [{ at: "desc" }, { id: "desc" }] }),
    db.stateFrame.findMany({ where: { clusterId, at: { gte: new Date(from), lte: new Date(to) } }, orderBy: [{ at: "asc" }, { id: "asc" }], take: 5_000 }),
  ]);
  return [...(before ? [before] : []), ...within].map(frameOf);
}

/** The latest frame at or before `at`, from frames sorted oldest first. */
export function frameAt<T extends { at: number }>(frames: readonly T[], at: number): T | null {
  let lo = 0;
  let hi = frames.length - 1;
  let found: T | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = frames[mid];
    if (f === undefined) break;
    if (f.at <= at) {
      found = f;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
