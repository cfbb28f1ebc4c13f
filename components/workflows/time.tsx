"use client";

import { useNow } from "@/components/workflows/use-now";
import { formatCountdown, formatDuration } from "@/lib/format";

const DAY = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** "0.4 s", "12.3 s", "3 min": how long a command or step took. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms / 1000);
}

/** m:ss, or h:mm:ss past the hour: a clock that visibly ticks. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 3600) return formatCountdown(s);
  const h = Math.floor(s / 3600);
  return `${h}:${formatCountdown(s % 3600).padStart(5, "0")}`;
}

/** A moment in the browser's time zone: the time alone today, with the date otherwise. */
export function When({ at }: { at: number }) {
  const date = new Date(at);
  const today = new Date().toDateString() === date.toDateString();
  return (
    // the server renders in its own time zone; the browser's rendering wins
    <time dateTime={date.toISOString()} title={date.toISOString()} suppressHydrationWarning>
      {today ? TIME.format(date) : `${DAY.format(date)} ${TIME.format(date)}`}
    </time>
  );
}

/** How long from `from` to `to`, counting live while `to` is null. */
export function Elapsed({ from, to, clock = false }: { from: number; to: number | null; clock?: boolean }) {
  const now = useNow(to === null);
  const ms = (to ?? now) - from;
  return (
    <span className="mono" suppressHydrationWarning>
      {clock ? formatClock(ms / 1000) : formatMs(ms)}
    </span>
  );
}

/** Counts down to the epoch-ms `until`, in the browser's clock. */
export function UntilCountdown({ until, label }: { until: number; label: string }) {
  const now = useNow();
  const left = Math.max(0, (until - now) / 1000);
  return (
    <span className="mono countdown" title={`${label} in ${Math.ceil(left)} s`} suppressHydrationWarning>
      {formatClock(left)}
    </span>
  );
}
