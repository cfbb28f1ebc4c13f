import { queryOptions } from "@tanstack/react-query";
import type { ClusterView } from "@/lib/cluster/findings-types";
import { fetchJson } from "@/lib/queries/client";

export const CLUSTER_VIEW_REFRESH_MS = 2_000;

/** State, findings and verdict of one cluster: what every cluster page reads. Same options on server and client. */
export function clusterViewQuery(clusterId: string, fetcher?: () => Promise<ClusterView>) {
  return queryOptions({
    queryKey: ["clusters", clusterId, "view"],
    queryFn: fetcher ?? (() => fetchJson<ClusterView>(`/api/clusters/${encodeURIComponent(clusterId)}/view`)),
    refetchInterval: CLUSTER_VIEW_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}
