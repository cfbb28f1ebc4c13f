/** A labelled progress bar; an unknown value draws an empty, dashed track. */
export function ProgressBar({ percent, label, tone = "" }: { percent: number | null; label: string; tone?: "" | "warn" | "crit" | "ok" }) {
  const clamped = percent === null ? null : Math.min(100, Math.max(0, percent));
  return (
    <div
      className={`progress${clamped === null ? " unknown" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={clamped ?? undefined}
    >
      <span className={tone} style={{ width: `${clamped ?? 0}%` }} />
    </div>
  );
}
