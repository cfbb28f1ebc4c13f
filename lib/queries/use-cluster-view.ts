"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ClusterView } from "@/lib/cluster/findings-types";
import { CLUSTER_VIEW_REFRESH_MS, clusterViewQuery } from "@/lib/queries/cluster-view";

/** While the stream delivers, polling only checks that nothing was missed. */
const POLL_WHILE_STREAMING_MS = 15_000;

/**
 * The cluster's view, pushed by the server the moment a host's poll lands or goes overdue (server-sent events),
 * with the plain query's polling as the fallback while the stream is down.
 */
export function useClusterView(clusterId: string) {
  const queryClient = useQueryClient();
  const [streaming, setStreaming] = useState(false);
  useEffect(() => {
    const source = new EventSource(`/api/clusters/${encodeURIComponent(clusterId)}/view/stream`);
    const key = clusterViewQuery(clusterId).queryKey;
    source.onmessage = (e: MessageEvent<string>) => {
      queryClient.setQueryData(key, JSON.parse(e.data) as ClusterView);
      setStreaming(true);
    };
    source.onerror = () => setStreaming(false);
    return () => source.close();
  }, [clusterId, queryClient]);
  return useQuery({ ...clusterViewQuery(clusterId), refetchInterval: streaming ? POLL_WHILE_STREAMING_MS : CLUSTER_VIEW_REFRESH_MS });
}
