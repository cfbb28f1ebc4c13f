import { HydrationBoundary, dehydrate } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Client } from "@/app/(console)/clusters/[clusterId]/client";
import { getOverview } from "@/lib/cluster/views";
import { getCluster } from "@/lib/inventory";
import { makeQueryClient } from "@/lib/queries/client";
import { overviewQuery } from "@/lib/queries/overview";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ clusterId: string }> }): Promise<Metadata> {
  const { clusterId } = await params;
  return { title: `Overview — ${clusterId}` };
}

export default async function OverviewPage({ params }: { params: Promise<{ clusterId: string }> }) {
  const { clusterId } = await params;
  const cluster = getCluster(clusterId);
  const queryClient = makeQueryClient();
  await queryClient.prefetchQuery(overviewQuery(clusterId, () => getOverview(clusterId)));
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <Client clusterId={clusterId} staleAfterSeconds={cluster.thresholds.staleAfterSeconds} />
    </HydrationBoundary>
  );
}
