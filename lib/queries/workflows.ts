import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/client";
import { ACTIVE_RUN_STATUSES, type RunList, type RunStatus, type RunView } from "@/lib/workflows/types";

export const RUN_LIST_REFRESH_MS = 2_000;
export const RUN_VIEW_REFRESH_MS = 1_000;

export function isActiveRun(status: RunStatus): boolean {
  return ACTIVE_RUN_STATUSES.includes(status);
}

/** The prefix of every run query of a cluster: invalidate it after any workflow action. */
export function runsKey(clusterId: string) {
  return ["clusters", clusterId, "runs"] as const;
}

/** The cluster's lock, active run, drained nodes and run history. Same options on server and client. */
export function runListQuery(clusterId: string, fetcher?: () => Promise<RunList>) {
  return queryOptions({
    queryKey: [...runsKey(clusterId), "list"],
    queryFn: fetcher ?? (() => fetchJson<RunList>(`/api/clusters/${encodeURIComponent(clusterId)}/runs`)),
    refetchInterval: RUN_LIST_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}

/** One run with its steps and outputs; polled every second until it finishes, then left alone. */
export function runViewQuery(clusterId: string, runId: string, fetcher?: () => Promise<RunView>) {
  return queryOptions({
    queryKey: [...runsKey(clusterId), "run", runId],
    queryFn:
      fetcher ?? (() => fetchJson<RunView>(`/api/clusters/${encodeURIComponent(clusterId)}/runs/${encodeURIComponent(runId)}`)),
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === undefined || isActiveRun(status) ? RUN_VIEW_REFRESH_MS : false;
    },
    refetchIntervalInBackground: false,
  });
}
