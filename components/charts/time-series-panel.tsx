"use client";

import type { ReactNode } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { type ChartData, clockLabel, lineColour, timeDomain, timeTicks } from "@/lib/charts/series";
import type { SeriesRange } from "@/lib/cluster/samples";

const AXIS = "#5c6873";
const TICK = { fill: "#8b98a5", fontSize: 11 };
const GRID = "#2a3440";

export interface TimeSeriesPanelProps {
  title: string;
  range: SeriesRange;
  /** null while the first answer is pending */
  data: ChartData | null;
  /** when the data was fetched: the right edge of the time axis */
  updatedAt: number;
  error: Error | null;
  format: (value: number) => string;
  lineLabel?: (line: string) => string;
  /** lines with the same group share a colour (two figures of one subject) */
  lineGroup?: (line: string) => string;
  dashed?: (line: string) => boolean;
  yDomain?: [number, number];
  note?: ReactNode;
  testId: string;
}

/** The frame every metric chart shares: title, loading, error and empty states, one line per key. */
export function TimeSeriesPanel({
  title,
  range,
  data,
  updatedAt,
  error,
  format,
  lineLabel = (l) => l,
  lineGroup = (l) => l,
  dashed = () => false,
  yDomain,
  note,
  testId,
}: TimeSeriesPanelProps) {
  let body: ReactNode;
  if (error && !data) {
    body = (
      <p role="alert" style={{ color: "var(--crit)", margin: 0 }}>
        could not load: {error.message}
      </p>
    );
  } else if (!data) {
    body = <p style={{ color: "var(--muted)", margin: 0 }}>loading…</p>;
  } else if (data.rows.length === 0) {
    body = <p style={{ color: "var(--muted)", margin: 0 }}>no samples yet</p>;
  } else {
    const domain = timeDomain(range, updatedAt);
    const groups = [...new Set(data.lines.map(lineGroup))];
    body = (
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={data.rows} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={domain}
            ticks={timeTicks(domain, range)}
            tickFormatter={(t: number) => clockLabel(t)}
            stroke={AXIS}
            tick={TICK}
            allowDataOverflow
          />
          <YAxis width={48} stroke={AXIS} tick={TICK} tickFormatter={(v: number) => format(v)} domain={yDomain ?? [0, "auto"]} allowDecimals />
          <Tooltip
            contentStyle={{ background: "#1c242d", border: `1px solid ${GRID}`, borderRadius: 6, fontSize: 12 }}
            labelStyle={{ color: "#8b98a5" }}
            labelFormatter={(t) => (typeof t === "number" ? clockLabel(t) : t)}
            formatter={(value) => (typeof value === "number" ? format(value) : "—")}
          />
          <Legend wrapperStyle={{ fontSize: 12, color: "#8b98a5" }} />
          {data.lines.map((line) => (
            <Line
              key={line}
              dataKey={line}
              name={lineLabel(line)}
              type="linear"
              stroke={lineColour(groups.indexOf(lineGroup(line)))}
              strokeDasharray={dashed(line) ? "4 3" : undefined}
              strokeWidth={1.6}
              dot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    );
  }
  return (
    <section className="panel" data-testid={testId} aria-label={title}>
      <h2>{title}</h2>
      {note}
      {body}
    </section>
  );
}
