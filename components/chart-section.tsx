"use client";

import { type ReactNode, useState } from "react";
import { RangeToggle } from "@/components/charts/range-toggle";
import type { SeriesRange } from "@/lib/cluster/samples";

/** A page's charts under one 1 h / 1 d toggle. */
export function ChartSection({ title = "Trends", children }: { title?: string; children: (range: SeriesRange) => ReactNode }) {
  const [range, setRange] = useState<SeriesRange>("1h");
  return (
    <section aria-label={title} data-testid="charts">
      <div className="charts-head">
        <h2>{title}</h2>
        <RangeToggle value={range} onChange={setRange} />
      </div>
      <div className="charts">{children(range)}</div>
    </section>
  );
}
