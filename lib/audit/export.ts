import type { AuditRow } from "@/lib/audit/query";

// The audit's downloads: pure functions of rows, so the escaping is tested without a server.

export const CSV_COLUMNS = ["at", "cluster", "host", "actor", "purpose", "why", "command", "exitCode", "outcome", "durationMs", "stdout", "stderr", "error"] as const;

/**
 * One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula (= + - @, or a leading tab
 * or carriage return) gets a leading apostrophe (OWASP's CSV injection advice); numbers stay numbers.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

export function csvLine(r: AuditRow): string {
  const cells = [
    new Date(r.at).toISOString(),
    r.clusterId,
    r.host,
    r.actor,
    r.purpose,
    r.why.label,
    r.command,
    r.exitCode,
    r.outcome,
    r.durationMs,
    r.stdout,
    r.stderr,
    r.error,
  ];
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** The last line of a capped CSV export: a row whose first cell says so. */
export function csvCappedNote(cap: number): string {
  return `${csvCell(`export stopped at ${cap} rows: narrow the date range for the rest`)}\r\n`;
}

export function jsonRow(r: AuditRow): unknown {
  return {
    at: new Date(r.at).toISOString(),
    cluster: r.clusterId,
    host: r.host,
    actor: r.actor,
    purpose: r.purpose,
    why: r.why,
    command: r.command,
    exitCode: r.exitCode,
    outcome: r.outcome,
    durationMs: r.durationMs,
    stdout: r.stdout,
    stderr: r.stderr,
    error: r.error,
  };
}
