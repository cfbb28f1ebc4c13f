"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { TimeSeriesPanel } from "@/components/charts/time-series-panel";
import { chartRows } from "@/lib/charts/series";
import type { SeriesRange } from "@/lib/cluster/samples";
import { seriesQuery } from "@/lib/queries/series";

/** 1-minute load average per VM. */
export function LoadChart({ clusterId, range }: { clusterId: string; range: SeriesRange }) {
  const query = useQuery(seriesQuery(clusterId, "host.load1", range));
  const data = useMemo(() => (query.data ? chartRows(query.data.points, query.data.stepMs) : null), [query.data]);
  return (
    <TimeSeriesPanel
      title="Load (1 min)"
      testId="chart-load"
      range={range}
      data={data}
      updatedAt={query.dataUpdatedAt}
      error={query.error}
      format={(v) => v.toFixed(2)}
    />
  );
}
