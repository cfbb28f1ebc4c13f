import { queryOptions } from "@tanstack/react-query";
import type { DrillList } from "@/lib/drills/types";
import { fetchJson } from "@/lib/queries/client";

export function drillsKey(clusterId: string) {
  return ["clusters", clusterId, "drills"] as const;
}

/** Scorecards and unacknowledged failovers. Same options on server and client. */
export function drillListQuery(clusterId: string, fetcher?: () => Promise<DrillList>) {
  return queryOptions({
    queryKey: drillsKey(clusterId),
    queryFn: fetcher ?? (() => fetchJson<DrillList>(`/api/clusters/${encodeURIComponent(clusterId)}/drills`)),
    refetchInterval: 5_000,
    refetchIntervalInBackground: false,
  });
}
