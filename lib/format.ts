/** "42 s", "3 min", "2 h 5 min", "4 d 3 h" — how long ago or how long up, in an operator's words. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** mm:ss as ipvsadm prints expiries */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function formatPercent(value: number | null, digits = 0): string {
  return value === null ? "—" : `${value.toFixed(digits)} %`;
}

export function formatNumber(value: number | null, digits = 2): string {
  return value === null ? "—" : value.toFixed(digits);
}

export function severityOfPercent(value: number | null, warn: number, crit: number): "" | "warn" | "crit" {
  if (value === null) return "";
  if (value >= crit) return "crit";
  if (value >= warn) return "warn";
  return "";
}
