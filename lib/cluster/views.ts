import "server-only";
import { clusterSnapshot } from "@/lib/cluster";
import { stateOf } from "@/lib/cluster/derive";
import { findingsOf } from "@/lib/cluster/findings";
import type { ClusterView } from "@/lib/cluster/findings-types";
import { verdictOf } from "@/lib/cluster/verdict";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";

function snapshotOf(clusterId: string) {
  const snapshot = clusterSnapshot(clusterId);
  if (!snapshot) throw new AppError("NotFound", `no collector for cluster "${clusterId}"`);
  return snapshot;
}


/** What every cluster page reads: the typed state, what is wrong, and whether either server could fail. */
export async function getClusterView(clusterId: string): Promise<ClusterView> {
  const cluster = getCluster(clusterId);
  const state = stateOf(cluster, snapshotOf(clusterId));
  // nodes a drain workflow took out on purpose are not "missing from the pool"
  const drains = await db.drain.findMany({ where: { clusterId }, select: { host: true } });
  const drainedHosts = drains.map((d) => d.host);
  return { state, findings: findingsOf(state, cluster, { drainedHosts }), verdict: verdictOf(state, cluster, { drainedHosts }) };
}
