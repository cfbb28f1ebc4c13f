import { HydrationBoundary, dehydrate } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Client } from "@/app/(console)/clusters/[clusterId]/database/client";
import { querySeries } from "@/lib/cluster/sample-store";
import type { SeriesName } from "@/lib/cluster/samples";
import { getClusterView } from "@/lib/cluster/views";
import { getCluster } from "@/lib/inventory";
import { clusterViewQuery } from "@/lib/queries/cluster-view";
import { makeQueryClient } from "@/lib/queries/client";
import { seriesQuery } from "@/lib/queries/series";

export const dynamic = "force-dynamic";

const CHARTED: SeriesName[] = ["db.lag.heartbeat", "db.lag.seconds-behind"];

export async function generateMetadata({ params }: { params: Promise<{ clusterId: string }> }): Promise<Metadata> {
  const { clusterId } = await params;
  return { title: `Database — ${clusterId}` };
}

export default async function DatabasePage({ params }: { params: Promise<{ clusterId: string }> }) {
  const { clusterId } = await params;
  const cluster = getCluster(clusterId);
  const queryClient = makeQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(clusterViewQuery(clusterId, () => getClusterView(clusterId))),
    ...CHARTED.map((series) => queryClient.prefetchQuery(seriesQuery(clusterId, series, "1h", () => querySeries({ clusterId, series, range: "1h" })))),
  ]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <Client
        clusterId={clusterId}
        staleAfterSeconds={cluster.thresholds.staleAfterSeconds}
        lagThresholdSeconds={cluster.thresholds.replicationLagSeconds}
      />
    </HydrationBoundary>
  );
}
