import type { Column } from "./sql";

export interface ResultSet {
  columns: Column[];
  rows: (string | null)[][];
}

function shown(v: string | null): string {
  return v === null ? "NULL" : v;
}

/** the mysql client's boxed table (interactive or --table) */
export function formatTable(rs: ResultSet): string {
  if (rs.columns.length === 0 || rs.rows.length === 0) return "";
  const widths = rs.columns.map((c, i) => Math.max(c.name.length, ...rs.rows.map((r) => shown(r[i] ?? null).length)));
  const rule = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+\n`;
  const head = `|${rs.columns.map((c, i) => ` ${c.name.padEnd(widths[i] ?? 0)} `).join("|")}|\n`;
  const body = rs.rows
    .map((r) => {
      const cells = rs.columns.map((c, i) => {
        const text = shown(r[i] ?? null);
        const w = widths[i] ?? 0;
        return ` ${c.numeric ? text.padStart(w) : text.padEnd(w)} `;
      });
      return `|${cells.join("|")}|\n`;
    })
    .join("");
  return rule + head + rule + body + rule;
}

function escapeBatch(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\0/g, "\\0").replace(/\t/g, "\\t").replace(/\n/g, "\\n");
}

/** tab-separated output (--batch, or whenever stdout is not a terminal) */
export function formatBatch(rs: ResultSet, opts: { headers: boolean; raw: boolean }): string {
  if (rs.columns.length === 0 || rs.rows.length === 0) return "";
  const cell = (v: string | null): string => (v === null ? "NULL" : opts.raw ? v : escapeBatch(v));
  const lines = rs.rows.map((r) => rs.columns.map((_, i) => cell(r[i] ?? null)).join("\t"));
  if (opts.headers) lines.unshift(rs.columns.map((c) => c.name).join("\t"));
  return `${lines.join("\n")}\n`;
}

/** `\G` / --vertical output */
export function formatVertical(rs: ResultSet): string {
  if (rs.columns.length === 0 || rs.rows.length === 0) return "";
  const width = Math.max(...rs.columns.map((c) => c.name.length));
  return rs.rows
    .map((r, n) => {
      const head = `${"*".repeat(27)} ${n + 1}. row ${"*".repeat(27)}\n`;
      const fields = rs.columns.map((c, i) => `${c.name.padStart(width)}: ${shown(r[i] ?? null)}\n`).join("");
      return head + fields;
    })
    .join("");
}
