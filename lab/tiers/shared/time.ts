const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function pad(n: number, width = 2): string {
  return String(Math.trunc(n)).padStart(width, "0");
}

/** Apache's `Friday, 29-Jul-2016 14:06:15 UTC` */
export function apacheDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** MySQL DATETIME text, optionally with fractional digits */
export function sqlDatetime(ms: number, frac = 0): string {
  const d = new Date(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (frac <= 0) return base;
  const micros = Math.floor((ms % 1000) * 1000);
  return `${base}.${pad(micros, 6).slice(0, frac)}`;
}

/** ISO-like timestamp as pt-heartbeat stores it: 2024-08-02T10:15:42.123456 */
export function heartbeatTs(ms: number): string {
  return sqlDatetime(ms, 6).replace(" ", "T");
}

/** parse `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]` as UTC */
export function parseSqlDatetime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) return null;
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + frac;
}

/** MySQL's Last_*_Error_Timestamp `240802 10:15:42` */
export function mysqlErrorTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `Mon, 05 Aug 2024 10:15:42 GMT` as HTTP and PHP's userdate-ish output use */
export function httpDate(ms: number): string {
  const d = new Date(ms);
  return d.toUTCString();
}
