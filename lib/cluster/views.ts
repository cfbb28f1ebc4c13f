import "server-only";
import { clusterSnapshot } from "@/lib/cluster";
import { type OverviewView, overviewOf } from "@/lib/cluster/overview";
import { AppError } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";

export async function getOverview(clusterId: string): Promise<OverviewView> {
  const cluster = getCluster(clusterId);
  const snapshot = clusterSnapshot(clusterId);
  if (!snapshot) throw new AppError("NotFound", `no collector for cluster "${clusterId}"`);
  return overviewOf(cluster, snapshot);
}
