import { queryOptions } from "@tanstack/react-query";
import type { OverviewView } from "@/lib/cluster/overview";
import { fetchJson } from "@/lib/queries/client";

export const OVERVIEW_REFRESH_MS = 2_000;

/** The same options on the server (with a direct fetcher) and in the browser (over HTTP). */
export function overviewQuery(clusterId: string, fetcher?: () => Promise<OverviewView>) {
  return queryOptions({
    queryKey: ["clusters", clusterId, "overview"],
    queryFn: fetcher ?? (() => fetchJson<OverviewView>(`/api/clusters/${encodeURIComponent(clusterId)}/overview`)),
    refetchInterval: OVERVIEW_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}
