import { queryOptions } from "@tanstack/react-query";
import type { TimelinePage } from "@/lib/timeline/timeline-query";
import type { IncidentSummary } from "@/lib/timeline/incidents";
import type { IncidentView } from "@/lib/timeline/incident-view";
import { fetchJson } from "@/lib/queries/client";

export const TIMELINE_REFRESH_MS = 2_000;

const base = (clusterId: string) => `/api/clusters/${encodeURIComponent(clusterId)}`;

/** One page of events for a filter set (`search` is the query string, which is also the key). The newest page follows live. */
export function timelineQuery(clusterId: string, search: string, fetcher?: () => Promise<TimelinePage>) {
  const paged = new URLSearchParams(search).has("cursor");
  return queryOptions({
    queryKey: ["clusters", clusterId, "timeline", "events", search],
    queryFn: fetcher ?? (() => fetchJson<TimelinePage>(`${base(clusterId)}/events${search ? `?${search}` : ""}`)),
    refetchInterval: paged ? false : TIMELINE_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}

export function incidentListQuery(clusterId: string, fetcher?: () => Promise<IncidentSummary[]>) {
  return queryOptions({
    queryKey: ["clusters", clusterId, "timeline", "incidents"],
    queryFn: fetcher ?? (() => fetchJson<IncidentSummary[]>(`${base(clusterId)}/incidents`)),
    refetchInterval: TIMELINE_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}

/** An incident with its events, states and notes; followed live while it is open. */
export function incidentViewQuery(clusterId: string, id: number, fetcher?: () => Promise<IncidentView>) {
  return queryOptions({
    queryKey: ["clusters", clusterId, "timeline", "incident", id],
    queryFn: fetcher ?? (() => fetchJson<IncidentView>(`${base(clusterId)}/incidents/${id}`)),
    refetchInterval: (query) => (query.state.data?.incident.state === "closed" ? 10_000 : TIMELINE_REFRESH_MS),
    refetchIntervalInBackground: false,
  });
}

export function incidentExportUrl(clusterId: string, id: number, format: "json" | "md"): string {
  return `${base(clusterId)}/incidents/${id}/export?format=${format}`;
}
