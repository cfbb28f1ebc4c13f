"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { TimeSeriesPanel } from "@/components/charts/time-series-panel";
import { chartRows, relabel } from "@/lib/charts/series";
import type { SeriesRange } from "@/lib/cluster/samples";
import { seriesQuery } from "@/lib/queries/series";

const HEARTBEAT = "heartbeat";
const SECONDS_BEHIND = "Seconds_Behind";

function seconds(v: number): string {
  return v < 10 ? `${Number(v.toFixed(1))} s` : `${Math.round(v)} s`;
}

/** Both figures per replica: true lag from the heartbeat table, and what the replica claims. */
export function ReplicationLagChart({ clusterId, range }: { clusterId: string; range: SeriesRange }) {
  const heartbeat = useQuery(seriesQuery(clusterId, "db.lag.heartbeat", range));
  const behind = useQuery(seriesQuery(clusterId, "db.lag.seconds-behind", range));
  const data = useMemo(() => {
    if (!heartbeat.data || !behind.data) return null;
    const points = [
      ...relabel(heartbeat.data.points, (s) => `${s} ${HEARTBEAT}`),
      ...relabel(behind.data.points, (s) => `${s} ${SECONDS_BEHIND}`),
    ];
    return chartRows(points, heartbeat.data.stepMs);
  }, [heartbeat.data, behind.data]);
  return (
    <TimeSeriesPanel
      title="Replication lag"
      testId="chart-replication-lag"
      range={range}
      data={data}
      updatedAt={Math.max(heartbeat.dataUpdatedAt, behind.dataUpdatedAt)}
      error={heartbeat.error ?? behind.error}
      format={seconds}
      lineGroup={(line) => line.split(" ")[0] ?? line}
      dashed={(line) => line.endsWith(SECONDS_BEHIND)}
      note={
        <p style={{ color: "var(--muted)", fontSize: 12, margin: "-6px 0 6px" }}>
          solid: heartbeat, the true lag · dashed: Seconds_Behind, empty while a thread is stopped
        </p>
      }
    />
  );
}
