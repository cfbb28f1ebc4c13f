import "server-only";
import { type DehydratedState, dehydrate } from "@tanstack/react-query";
import type { Metadata } from "next";
import { requirePageOperator } from "@/lib/auth/current";
import { querySeries } from "@/lib/cluster/sample-store";
import type { SeriesName } from "@/lib/cluster/samples";
import { getClusterView } from "@/lib/cluster/views";
import { type ClusterSpec, getCluster } from "@/lib/inventory";
import { clusterViewQuery } from "@/lib/queries/cluster-view";
import { makeQueryClient } from "@/lib/queries/client";
import { seriesQuery } from "@/lib/queries/series";

export interface ClusterPageParams {
  params: Promise<{ clusterId: string }>;
}

/**
 * What every cluster page prefetches on the server with the same query options its client then
 * polls: the cluster view, and the last hour of the series its charts draw.
 */
export async function prefetchClusterPage(
  clusterId: string,
  charted: readonly SeriesName[],
): Promise<{ state: DehydratedState; cluster: ClusterSpec }> {
  // before anything is read: an anonymous request must not get the state in a redirect's body
  await requirePageOperator();
  const cluster = getCluster(clusterId);
  const queryClient = makeQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(clusterViewQuery(clusterId, () => getClusterView(clusterId))),
    ...charted.map((series) => queryClient.prefetchQuery(seriesQuery(clusterId, series, "1h", () => querySeries({ clusterId, series, range: "1h" })))),
  ]);
  return { state: dehydrate(queryClient), cluster };
}

export function clusterPageMetadata(page: string): (props: ClusterPageParams) => Promise<Metadata> {
  return async ({ params }) => ({ title: `${page} — ${(await params).clusterId}` });
}
