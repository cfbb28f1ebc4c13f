import { HydrationBoundary } from "@tanstack/react-query";
import { Client } from "@/app/(console)/clusters/[clusterId]/storage/client";
import type { SeriesName } from "@/lib/cluster/samples";
import { type ClusterPageParams, clusterPageMetadata, prefetchClusterPage } from "@/lib/queries/prefetch-cluster";

export const dynamic = "force-dynamic";

const CHARTED: SeriesName[] = ["drbd.resync.percent"];

export const generateMetadata = clusterPageMetadata("Storage");

export default async function StoragePage({ params }: ClusterPageParams) {
  const { clusterId } = await params;
  const { state, cluster } = await prefetchClusterPage(clusterId, CHARTED);
  return (
    <HydrationBoundary state={state}>
      <Client clusterId={clusterId} staleAfterSeconds={cluster.thresholds.staleAfterSeconds} />
    </HydrationBoundary>
  );
}
