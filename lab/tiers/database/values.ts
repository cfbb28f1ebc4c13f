import { parseSqlDatetime, sqlDatetime } from "../shared/time";

/** a SQL value as the emulated server computes with it */
export type SqlValue =
  | { t: "null" }
  | { t: "int"; v: number }
  | { t: "dec"; v: number; scale: number }
  | { t: "double"; v: number }
  | { t: "str"; v: string }
  | { t: "time"; ms: number; frac: number };

export const NULL: SqlValue = { t: "null" };

export function int(v: number): SqlValue {
  return { t: "int", v: Math.trunc(v) };
}

export function str(v: string): SqlValue {
  return { t: "str", v };
}

export function isNumeric(v: SqlValue): boolean {
  return v.t === "int" || v.t === "dec" || v.t === "double";
}

function formatDouble(v: number): string {
  if (!Number.isFinite(v)) return "NULL";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const s = String(v);
  return s.includes("e") ? s.replace("e+", "e") : s;
}

/** the text the mysql client prints for a value; null for SQL NULL */
export function render(v: SqlValue): string | null {
  switch (v.t) {
    case "null":
      return null;
    case "int":
      return String(v.v);
    case "dec":
      return v.v.toFixed(v.scale);
    case "double":
      return formatDouble(v.v);
    case "str":
      return v.v;
    case "time":
      return sqlDatetime(v.ms, v.frac);
  }
}

export function toNumber(v: SqlValue): number | null {
  switch (v.t) {
    case "null":
      return null;
    case "int":
    case "dec":
    case "double":
      return v.v;
    case "str": {
      const n = Number.parseFloat(v.v);
      return Number.isNaN(n) ? 0 : n;
    }
    case "time":
      return Number(sqlDatetime(v.ms).replace(/\D/g, ""));
  }
}

/** a value read as a point in time (ms), as MySQL converts strings and datetimes */
export function toTime(v: SqlValue): number | null {
  if (v.t === "time") return v.ms;
  if (v.t === "str") return parseSqlDatetime(v.v);
  return null;
}

export function compare(a: SqlValue, b: SqlValue): number | null {
  if (a.t === "null" || b.t === "null") return null;
  if (a.t === "time" || b.t === "time") {
    const x = toTime(a);
    const y = toTime(b);
    if (x === null || y === null) return null;
    return x - y;
  }
  if (a.t === "str" && b.t === "str") return a.v.localeCompare(b.v, "en", { sensitivity: "accent" });
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === null || y === null) return null;
  return x - y;
}

export function truthy(v: SqlValue): boolean {
  const n = toNumber(v);
  return n !== null && n !== 0;
}
