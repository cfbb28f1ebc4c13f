import type { SeriesPoint, SeriesRange } from "@/lib/cluster/samples";

// Pure mapping from stored points to recharts rows. Unknown stays null, so a silent host is a
// gap in its line and never a drop to zero.

export interface ChartRow {
  /** epoch ms */
  t: number;
  [line: string]: number | null;
}

export interface ChartData {
  rows: ChartRow[];
  /** the line keys, in legend order */
  lines: string[];
}

/** A gap wider than this many steps is drawn as a break in every line. */
export const GAP_STEPS = 2.5;

const RANGE_MS: Record<SeriesRange, number> = { "1h": 3_600_000, "1d": 86_400_000 };

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** Points of several subjects (and figures) as one row per instant, a key per line. */
export function chartRows(points: SeriesPoint[], stepMs: number, lineOf: (p: SeriesPoint) => string = (p) => p.subject): ChartData {
  const lines = [...new Set(points.map(lineOf))].sort(naturalOrder);
  const byTime = new Map<number, ChartRow>();
  for (const p of points) {
    let row = byTime.get(p.t);
    if (!row) {
      row = { t: p.t };
      for (const line of lines) row[line] = null;
      byTime.set(p.t, row);
    }
    row[lineOf(p)] = Number.isFinite(p.value) ? p.value : null;
  }
  const sorted = [...byTime.values()].sort((a, b) => a.t - b.t);
  const rows: ChartRow[] = [];
  for (const row of sorted) {
    const last = rows.at(-1);
    if (last && stepMs > 0 && row.t - last.t > GAP_STEPS * stepMs) {
      const gap: ChartRow = { t: last.t + stepMs };
      for (const line of lines) gap[line] = null;
      rows.push(gap);
    }
    rows.push(row);
  }
  return { rows, lines };
}

/** Renames each point's line, to chart two figures of the same subjects together. */
export function relabel(points: SeriesPoint[], label: (subject: string) => string): SeriesPoint[] {
  return points.map((p) => ({ ...p, subject: label(p.subject) }));
}

/** The window a chart shows: the range up to `now`, whatever the data covers. */
export function timeDomain(range: SeriesRange, now: number): [number, number] {
  return [now - RANGE_MS[range], now];
}

/** Round local clock times for the axis: every 10 min over an hour, every 3 h over a day. */
export function timeTicks([from, to]: [number, number], range: SeriesRange, offsetMinutes = new Date(to).getTimezoneOffset()): number[] {
  const every = range === "1h" ? 600_000 : 3 * 3_600_000;
  const offset = -offsetMinutes * 60_000;
  const ticks: number[] = [];
  for (let t = Math.ceil((from + offset) / every) * every - offset; t <= to; t += every) ticks.push(t);
  return ticks;
}

/** HH:MM in the viewer's clock. */
export function clockLabel(t: number): string {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** The colour of a line: stable per position, readable on the dark panels. */
export const LINE_COLOURS = ["#4aa3ff", "#f0883e", "#3fb950", "#d2a8ff", "#39c5cf", "#f778ba", "#e3b341", "#a5d6ff"] as const;

export function lineColour(index: number): string {
  return LINE_COLOURS[index % LINE_COLOURS.length] ?? "#4aa3ff";
}
