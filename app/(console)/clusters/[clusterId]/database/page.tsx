import { HydrationBoundary } from "@tanstack/react-query";
import { Client } from "@/app/(console)/clusters/[clusterId]/database/client";
import type { SeriesName } from "@/lib/cluster/samples";
import { type ClusterPageParams, clusterPageMetadata, prefetchClusterPage } from "@/lib/queries/prefetch-cluster";

export const dynamic = "force-dynamic";

const CHARTED: SeriesName[] = ["db.lag.heartbeat", "db.lag.seconds-behind"];

export const generateMetadata = clusterPageMetadata("Database");

export default async function DatabasePage({ params }: ClusterPageParams) {
  const { clusterId } = await params;
  const { state, cluster } = await prefetchClusterPage(clusterId, CHARTED);
  return (
    <HydrationBoundary state={state}>
      <Client
        clusterId={clusterId}
        staleAfterSeconds={cluster.thresholds.staleAfterSeconds}
        lagThresholdSeconds={cluster.thresholds.replicationLagSeconds}
      />
    </HydrationBoundary>
  );
}
