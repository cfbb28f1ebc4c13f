"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { TimeSeriesPanel } from "@/components/charts/time-series-panel";
import { chartRows } from "@/lib/charts/series";
import type { SeriesRange } from "@/lib/cluster/samples";
import { seriesQuery } from "@/lib/queries/series";

/** Moodle sessions: per web node with file sessions, for the whole cluster with database sessions. */
export function SessionsChart({ clusterId, range }: { clusterId: string; range: SeriesRange }) {
  const query = useQuery(seriesQuery(clusterId, "web.sessions", range));
  const data = useMemo(() => (query.data ? chartRows(query.data.points, query.data.stepMs) : null), [query.data]);
  return (
    <TimeSeriesPanel
      title="Sessions"
      testId="chart-sessions"
      range={range}
      data={data}
      updatedAt={query.dataUpdatedAt}
      error={query.error}
      format={(v) => v.toFixed(0)}
      lineLabel={(line) => (line === "cluster" ? "all nodes (database)" : line)}
    />
  );
}
