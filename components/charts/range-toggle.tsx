"use client";

import type { SeriesRange } from "@/lib/cluster/samples";

const RANGES: { value: SeriesRange; label: string }[] = [
  { value: "1h", label: "1 h" },
  { value: "1d", label: "1 d" },
];

/** The time window every chart on a page shows. */
export function RangeToggle({ value, onChange }: { value: SeriesRange; onChange: (range: SeriesRange) => void }) {
  return (
    <div role="group" aria-label="time range" style={{ display: "inline-flex", gap: 4 }}>
      {RANGES.map((r) => (
        <button
          key={r.value}
          type="button"
          aria-pressed={value === r.value}
          onClick={() => onChange(r.value)}
          style={value === r.value ? { borderColor: "var(--accent)", color: "var(--accent)" } : { color: "var(--muted)" }}
        >
          {r.label}
        </button>
      ))}
    </div>
  );
}
