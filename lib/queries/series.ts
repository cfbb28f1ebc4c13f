import { queryOptions } from "@tanstack/react-query";
import type { SeriesName, SeriesRange, SeriesView } from "@/lib/cluster/samples";
import { fetchJson } from "@/lib/queries/client";

export const SERIES_REFRESH_MS = 10_000;

/** The same options on the server (with a direct fetcher) and in the browser (over HTTP). */
export function seriesQuery(clusterId: string, series: SeriesName, range: SeriesRange, fetcher?: () => Promise<SeriesView>) {
  const params = new URLSearchParams({ series, range });
  return queryOptions({
    queryKey: ["clusters", clusterId, "series", series, range],
    queryFn: fetcher ?? (() => fetchJson<SeriesView>(`/api/clusters/${encodeURIComponent(clusterId)}/series?${params.toString()}`)),
    refetchInterval: SERIES_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}
