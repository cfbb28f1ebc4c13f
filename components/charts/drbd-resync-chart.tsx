"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { TimeSeriesPanel } from "@/components/charts/time-series-panel";
import { chartRows } from "@/lib/charts/series";
import type { SeriesRange } from "@/lib/cluster/samples";
import { seriesQuery } from "@/lib/queries/series";

/** DRBD sync per storage node: 100 % in sync, lower while a resync runs, a gap while disconnected. */
export function DrbdResyncChart({ clusterId, range }: { clusterId: string; range: SeriesRange }) {
  const query = useQuery(seriesQuery(clusterId, "drbd.resync.percent", range));
  const data = useMemo(() => (query.data ? chartRows(query.data.points, query.data.stepMs) : null), [query.data]);
  return (
    <TimeSeriesPanel
      title="DRBD sync"
      testId="chart-drbd-resync"
      range={range}
      data={data}
      updatedAt={query.dataUpdatedAt}
      error={query.error}
      format={(v) => `${Number(v.toFixed(1))} %`}
      yDomain={[0, 100]}
    />
  );
}
