"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { TimeSeriesPanel } from "@/components/charts/time-series-panel";
import { chartRows } from "@/lib/charts/series";
import type { SeriesRange } from "@/lib/cluster/samples";
import { seriesQuery } from "@/lib/queries/series";

/** LVS connections (active + inactive) per web node, as the balancer holding the VIP counts them. */
export function ConnectionsChart({ clusterId, range }: { clusterId: string; range: SeriesRange }) {
  const query = useQuery(seriesQuery(clusterId, "web.connections", range));
  const data = useMemo(() => (query.data ? chartRows(query.data.points, query.data.stepMs) : null), [query.data]);
  return (
    <TimeSeriesPanel
      title="Connections per web node"
      testId="chart-connections"
      range={range}
      data={data}
      updatedAt={query.dataUpdatedAt}
      error={query.error}
      format={(v) => v.toFixed(0)}
    />
  );
}
