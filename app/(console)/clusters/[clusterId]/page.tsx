import { HydrationBoundary } from "@tanstack/react-query";
import { Client } from "@/app/(console)/clusters/[clusterId]/client";
import type { SeriesName } from "@/lib/cluster/samples";
import { type ClusterPageParams, clusterPageMetadata, prefetchClusterPage } from "@/lib/queries/prefetch-cluster";

export const dynamic = "force-dynamic";

const CHARTED: SeriesName[] = ["host.load1"];

export const generateMetadata = clusterPageMetadata("Overview");

export default async function OverviewPage({ params }: ClusterPageParams) {
  const { clusterId } = await params;
  const { state, cluster } = await prefetchClusterPage(clusterId, CHARTED);
  return (
    <HydrationBoundary state={state}>
      <Client clusterId={clusterId} label={cluster.label ?? cluster.id} staleAfterSeconds={cluster.thresholds.staleAfterSeconds} />
    </HydrationBoundary>
  );
}
