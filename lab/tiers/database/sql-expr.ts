import type { Cursor } from "./sql-lexer";
import { SqlError } from "./sql-lexer";
import type { SqlValue } from "./values";
import { NULL, compare, int, render, str, toNumber, toTime, truthy } from "./values";

export type Expr =
  | { k: "lit"; v: SqlValue }
  | { k: "var"; name: string }
  | { k: "col"; name: string }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "neg"; a: Expr }
  | { k: "not"; a: Expr }
  | { k: "fn"; name: string; args: Expr[]; star: boolean; concat?: GroupConcat }
  | { k: "interval"; n: Expr; unit: string }
  | { k: "isnull"; a: Expr; neg: boolean }
  | { k: "like"; a: Expr; pattern: Expr; neg: boolean }
  | { k: "in"; a: Expr; list: Expr[]; neg: boolean };

/** GROUP_CONCAT([DISTINCT] expr [ORDER BY expr [ASC|DESC], ...] [SEPARATOR 'x'] [LIMIT n]) */
export interface GroupConcat {
  distinct: boolean;
  order: { expr: Expr; desc: boolean }[];
  separator: string;
  limit: number | null;
}

export interface EvalEnv {
  now: number;
  variable(name: string): SqlValue | undefined;
  row?: Record<string, SqlValue>;
  group?: Record<string, SqlValue>[];
  version: string;
  database: string | null;
  user: string;
  /** CONNECTION_ID(): the session's thread id */
  connectionId: number;
}

const AGGREGATES = new Set(["COUNT", "MAX", "MIN", "SUM", "GROUP_CONCAT"]);
const NOW_FNS = new Set(["NOW", "CURRENT_TIMESTAMP", "SYSDATE", "UTC_TIMESTAMP", "LOCALTIMESTAMP"]);
const UNIT_MS: Record<string, number> = {
  MICROSECOND: 0.001,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

export function parseExpr(c: Cursor): Expr {
  return parseOr(c);
}

function parseOr(c: Cursor): Expr {
  let a = parseAnd(c);
  while (c.accept("OR") || c.accept("|")) a = { k: "bin", op: "OR", a, b: parseAnd(c) };
  return a;
}

function parseAnd(c: Cursor): Expr {
  let a = parseNot(c);
  while (c.accept("AND")) a = { k: "bin", op: "AND", a, b: parseNot(c) };
  return a;
}

function parseNot(c: Cursor): Expr {
  if (c.accept("NOT")) return { k: "not", a: parseNot(c) };
  return parseComparison(c);
}

function parseComparison(c: Cursor): Expr {
  const a = parseAdditive(c);
  const t = c.peek();
  if (t.type === "op" && ["=", "<>", "!=", "<", ">", "<=", ">=", "<=>"].includes(t.text)) {
    c.next();
    return { k: "bin", op: t.text === "!=" ? "<>" : t.text, a, b: parseAdditive(c) };
  }
  if (c.accept("IS")) {
    const neg = c.accept("NOT");
    c.expect("NULL");
    return { k: "isnull", a, neg };
  }
  const neg = c.accept("NOT");
  if (c.accept("LIKE")) return { k: "like", a, pattern: parseAdditive(c), neg };
  if (c.accept("IN")) {
    c.expect("(");
    const list = [parseExpr(c)];
    while (c.accept(",")) list.push(parseExpr(c));
    c.expect(")");
    return { k: "in", a, list, neg };
  }
  if (neg) throw c.error();
  return a;
}

function parseAdditive(c: Cursor): Expr {
  let a = parseMultiplicative(c);
  for (;;) {
    const t = c.peek();
    if (t.type === "op" && (t.text === "+" || t.text === "-")) {
      c.next();
      a = { k: "bin", op: t.text, a, b: parseMultiplicative(c) };
    } else return a;
  }
}

function parseMultiplicative(c: Cursor): Expr {
  let a = parseUnary(c);
  for (;;) {
    const t = c.peek();
    if (t.type === "op" && (t.text === "*" || t.text === "/" || t.text === "%")) {
      c.next();
      a = { k: "bin", op: t.text, a, b: parseUnary(c) };
    } else if (c.accept("DIV")) a = { k: "bin", op: "DIV", a, b: parseUnary(c) };
    else return a;
  }
}

function parseUnary(c: Cursor): Expr {
  if (c.accept("-")) return { k: "neg", a: parseUnary(c) };
  if (c.accept("+")) return parseUnary(c);
  return parsePrimary(c);
}

function numberLiteral(text: string): SqlValue {
  if (/[eE]/.test(text)) return { t: "double", v: Number(text) };
  if (text.includes(".")) return { t: "dec", v: Number(text), scale: text.length - text.indexOf(".") - 1 };
  return int(Number(text));
}

/** words the parser never takes for a column name: a statement that puts one there fails at it */
const RESERVED = new Set(["BY", "FROM", "WHERE", "ORDER", "GROUP", "HAVING", "LIMIT", "SELECT", "UNION", "INTO", "ON", "SET", "AND", "OR", "AS", "DESC", "ASC"]);

function parsePrimary(c: Cursor): Expr {
  const head = c.peek();
  if (head.type === "ident" && !head.quoted && RESERVED.has(head.upper)) throw c.error();
  const t = c.next();
  if (t.type === "number") return { k: "lit", v: numberLiteral(t.text) };
  if (t.type === "string") return { k: "lit", v: str(t.text) };
  if (t.type === "sysvar") return { k: "var", name: t.text.toLowerCase() };
  if (t.type === "op" && t.text === "(") {
    const e = parseExpr(c);
    c.expect(")");
    return e;
  }
  if (t.type !== "ident") throw c.error();
  if (!t.quoted) {
    if (t.upper === "NULL") return { k: "lit", v: NULL };
    if (t.upper === "TRUE") return { k: "lit", v: int(1) };
    if (t.upper === "FALSE") return { k: "lit", v: int(0) };
    if (t.upper === "INTERVAL") {
      const n = parseAdditive(c);
      const unit = c.next().upper;
      if (!(unit in UNIT_MS)) throw c.error();
      return { k: "interval", n, unit };
    }
  }
  if (!t.quoted && c.peek().text === "(") {
    c.next();
    const name = t.upper;
    if (c.accept("*")) {
      c.expect(")");
      return { k: "fn", name, args: [], star: true };
    }
    if (name === "GROUP_CONCAT") return parseGroupConcat(c);
    const args: Expr[] = [];
    if (name === "TIMESTAMPDIFF") {
      const unit = c.next().upper;
      if (!(unit in UNIT_MS)) throw c.error();
      args.push({ k: "lit", v: str(unit) });
      c.expect(",");
    }
    if (!c.accept(")")) {
      args.push(parseExpr(c));
      while (c.accept(",")) args.push(parseExpr(c));
      c.expect(")");
    }
    return { k: "fn", name, args, star: false };
  }
  if (!t.quoted && (t.upper === "CURRENT_TIMESTAMP" || t.upper === "LOCALTIMESTAMP")) {
    return { k: "fn", name: t.upper, args: [], star: false };
  }
  let name = t.text;
  while (c.accept(".")) name = c.next().text;
  return { k: "col", name: name.toLowerCase() };
}

function parseGroupConcat(c: Cursor): Expr {
  const concat: GroupConcat = { distinct: c.accept("DISTINCT"), order: [], separator: ",", limit: null };
  const args = [parseExpr(c)];
  while (c.accept(",")) args.push(parseExpr(c));
  if (c.accept("ORDER", "BY")) {
    do {
      const expr = parseExpr(c);
      const desc = c.accept("DESC");
      if (!desc) c.accept("ASC");
      concat.order.push({ expr, desc });
    } while (c.accept(","));
  }
  if (c.accept("SEPARATOR")) {
    const t = c.next();
    if (t.type !== "string") throw c.error();
    concat.separator = t.text;
  }
  if (c.accept("LIMIT")) {
    const t = c.next();
    if (t.type !== "number") throw c.error();
    concat.limit = Number(t.text);
  }
  c.expect(")");
  return { k: "fn", name: "GROUP_CONCAT", args, star: false, concat };
}

export function hasAggregate(e: Expr): boolean {
  switch (e.k) {
    case "fn":
      return AGGREGATES.has(e.name) || e.args.some(hasAggregate);
    case "bin":
      return hasAggregate(e.a) || hasAggregate(e.b);
    case "neg":
    case "not":
    case "isnull":
      return hasAggregate(e.a);
    default:
      return false;
  }
}

function arith(op: string, a: SqlValue, b: SqlValue): SqlValue {
  if (a.t === "null" || b.t === "null") return NULL;
  const x = toNumber(a) ?? 0;
  const y = toNumber(b) ?? 0;
  const double = a.t === "double" || b.t === "double" || a.t === "str" || b.t === "str" || a.t === "time" || b.t === "time";
  const scaleOf = (v: SqlValue): number => (v.t === "dec" ? v.scale : 0);
  if (op === "/") {
    if (y === 0) return NULL;
    if (double) return { t: "double", v: x / y };
    return { t: "dec", v: x / y, scale: scaleOf(a) + 4 };
  }
  if (op === "DIV") return y === 0 ? NULL : int(Math.trunc(x / y));
  if (op === "%") {
    if (y === 0) return NULL;
    return a.t === "int" && b.t === "int" ? int(x % y) : { t: "double", v: x % y };
  }
  const v = op === "+" ? x + y : op === "-" ? x - y : x * y;
  if (double) return { t: "double", v };
  if (a.t === "int" && b.t === "int") return int(v);
  const scale = op === "*" ? scaleOf(a) + scaleOf(b) : Math.max(scaleOf(a), scaleOf(b));
  return { t: "dec", v, scale };
}

function likeRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".");
  return new RegExp(`^${body}$`, "is");
}

export function likeMatch(value: string, pattern: string): boolean {
  return likeRegex(pattern).test(value);
}

function nowValue(env: EvalEnv, args: SqlValue[]): SqlValue {
  const frac = args[0] ? (toNumber(args[0]) ?? 0) : 0;
  const ms = frac >= 3 ? env.now : Math.floor(env.now / 1000) * 1000;
  return { t: "time", ms, frac };
}

function fracOfString(s: string): number {
  const m = /\.(\d+)$/.exec(s.trim());
  return m?.[1] ? m[1].length : 0;
}

function callFn(e: Extract<Expr, { k: "fn" }>, env: EvalEnv): SqlValue {
  if (AGGREGATES.has(e.name)) {
    const rows = env.group ?? (env.row ? [env.row] : []);
    if (e.name === "COUNT") {
      if (e.star) return int(rows.length);
      const arg = e.args[0];
      return int(arg ? rows.filter((r) => evaluate(arg, { ...env, row: r, group: undefined }).t !== "null").length : 0);
    }
    const arg = e.args[0];
    if (!arg) throw new SqlError(1064, "42000", "aggregate needs an argument");
    const vals = rows.map((r) => evaluate(arg, { ...env, row: r, group: undefined })).filter((v) => v.t !== "null");
    if (vals.length === 0) return NULL;
    if (e.name === "SUM") return vals.reduce<SqlValue>((acc, v) => arith("+", acc, v), int(0));
    if (e.name === "GROUP_CONCAT") return groupConcat(e, rows, env);
    return vals.reduce<SqlValue>((best, v) => {
      const cmp = compare(v, best) ?? 0;
      return (e.name === "MAX" ? cmp > 0 : cmp < 0) ? v : best;
    }, vals[0] ?? NULL);
  }
  const args = e.args.map((a) => evaluate(a, env));
  const a0 = args[0] ?? NULL;
  if (NOW_FNS.has(e.name)) return nowValue(env, args);
  switch (e.name) {
    case "UNIX_TIMESTAMP": {
      if (args.length === 0) return int(Math.floor(env.now / 1000));
      const ms = toTime(a0);
      if (ms === null) return NULL;
      const frac = a0.t === "time" ? a0.frac : a0.t === "str" ? fracOfString(a0.v) : 0;
      return frac > 0 ? { t: "dec", v: ms / 1000, scale: frac } : int(Math.floor(ms / 1000));
    }
    case "FROM_UNIXTIME": {
      const n = toNumber(a0);
      return n === null ? NULL : { t: "time", ms: n * 1000, frac: 0 };
    }
    case "TIMESTAMPDIFF": {
      const unit = a0.t === "str" ? a0.v : "SECOND";
      const from = toTime(args[1] ?? NULL);
      const to = toTime(args[2] ?? NULL);
      if (from === null || to === null) return NULL;
      return int(Math.trunc((to - from) / (UNIT_MS[unit] ?? 1000)));
    }
    case "VERSION":
      return str(env.version);
    case "DATABASE":
    case "SCHEMA":
      return env.database ? str(env.database) : NULL;
    case "USER":
    case "CURRENT_USER":
    case "SESSION_USER":
      return str(env.user);
    case "CONNECTION_ID":
      return int(env.connectionId);
    case "SUBSTRING_INDEX": {
      const text = render(a0);
      const delim = render(args[1] ?? NULL);
      const count = toNumber(args[2] ?? NULL);
      if (text === null || delim === null || count === null) return NULL;
      return str(substringIndex(text, delim, Math.trunc(count)));
    }
    case "SUBSTRING":
    case "SUBSTR": {
      const text = render(a0);
      const from = toNumber(args[1] ?? NULL);
      if (text === null || from === null) return NULL;
      const start = from > 0 ? from - 1 : from < 0 ? Math.max(0, text.length + from) : text.length;
      const len = args[2] === undefined ? undefined : (toNumber(args[2]) ?? 0);
      return str(len === undefined ? text.slice(start) : text.slice(start, start + Math.max(0, len)));
    }
    case "ROUND": {
      const n = toNumber(a0);
      const d = toNumber(args[1] ?? int(0)) ?? 0;
      if (n === null) return NULL;
      const f = 10 ** d;
      const v = Math.round(n * f) / f;
      return d > 0 ? { t: "dec", v, scale: d } : int(v);
    }
    case "ABS": {
      const n = toNumber(a0);
      if (n === null) return NULL;
      if (a0.t === "int") return int(Math.abs(n));
      if (a0.t === "dec") return { t: "dec", v: Math.abs(n), scale: a0.scale };
      return { t: "double", v: Math.abs(n) };
    }
    case "IFNULL":
    case "COALESCE":
      return args.find((v) => v.t !== "null") ?? NULL;
    case "CONCAT":
      return args.some((v) => v.t === "null") ? NULL : str(args.map((v) => render(v) ?? "").join(""));
    default:
      throw new SqlError(1305, "42000", `FUNCTION ${env.database ?? "mysql"}.${e.name.toLowerCase()} does not exist`);
  }
}

/** SUBSTRING_INDEX(str, delim, count): before the count-th delimiter (from the end when negative) */
export function substringIndex(text: string, delim: string, count: number): string {
  if (delim === "" || count === 0) return "";
  const parts = text.split(delim);
  return count > 0 ? parts.slice(0, count).join(delim) : parts.slice(Math.max(0, parts.length + count)).join(delim);
}

function groupConcat(e: Extract<Expr, { k: "fn" }>, rows: Record<string, SqlValue>[], env: EvalEnv): SqlValue {
  const gc = e.concat;
  if (!gc) return NULL;
  const items = rows
    .map((r) => {
      const vals = e.args.map((a) => evaluate(a, { ...env, row: r, group: undefined }));
      const text = vals.some((v) => v.t === "null") ? null : vals.map((v) => render(v) ?? "").join("");
      return { text, keys: gc.order.map((o) => evaluate(o.expr, { ...env, row: r, group: undefined })) };
    })
    .filter((x): x is { text: string; keys: SqlValue[] } => x.text !== null);
  items.sort((x, y) => {
    for (const [i, o] of gc.order.entries()) {
      const cmp = compare(x.keys[i] ?? NULL, y.keys[i] ?? NULL) ?? 0;
      if (cmp !== 0) return o.desc ? -cmp : cmp;
    }
    return 0;
  });
  let texts = items.map((x) => x.text);
  if (gc.distinct) texts = texts.filter((t, i) => texts.indexOf(t) === i);
  if (gc.limit !== null) texts = texts.slice(0, gc.limit);
  return texts.length === 0 ? NULL : str(texts.join(gc.separator));
}

export function evaluate(e: Expr, env: EvalEnv): SqlValue {
  switch (e.k) {
    case "lit":
      return e.v;
    case "var": {
      const name = e.name.replace(/^(global|session|local)\./, "");
      const v = env.variable(name);
      if (v === undefined) throw new SqlError(1193, "HY000", `Unknown system variable '${name}'`);
      return v;
    }
    case "col": {
      const row = env.row ?? env.group?.[0];
      const v = row?.[e.name];
      if (v === undefined) {
        if (row === undefined && env.group !== undefined) return NULL;
        throw new SqlError(1054, "42S22", `Unknown column '${e.name}' in 'field list'`);
      }
      return v;
    }
    case "neg": {
      const v = evaluate(e.a, env);
      return arith("-", int(0), v);
    }
    case "not":
      return int(truthy(evaluate(e.a, env)) ? 0 : 1);
    case "interval": {
      const n = toNumber(evaluate(e.n, env)) ?? 0;
      return int(n * (UNIT_MS[e.unit] ?? 1000));
    }
    case "isnull": {
      const isNull = evaluate(e.a, env).t === "null";
      return int(isNull !== e.neg ? 1 : 0);
    }
    case "like": {
      const v = render(evaluate(e.a, env));
      const p = render(evaluate(e.pattern, env));
      if (v === null || p === null) return NULL;
      return int(likeMatch(v, p) !== e.neg ? 1 : 0);
    }
    case "in": {
      const v = evaluate(e.a, env);
      const hit = e.list.some((x) => compare(v, evaluate(x, env)) === 0);
      return int(hit !== e.neg ? 1 : 0);
    }
    case "fn":
      return callFn(e, env);
    case "bin": {
      if (e.op === "AND") return int(truthy(evaluate(e.a, env)) && truthy(evaluate(e.b, env)) ? 1 : 0);
      if (e.op === "OR") return int(truthy(evaluate(e.a, env)) || truthy(evaluate(e.b, env)) ? 1 : 0);
      const a = evaluate(e.a, env);
      const b = evaluate(e.b, env);
      if (e.b.k === "interval" && (e.op === "+" || e.op === "-")) {
        const ms = toTime(a);
        const shift = toNumber(b) ?? 0;
        if (ms === null) return NULL;
        return { t: "time", ms: ms + (e.op === "+" ? shift : -shift), frac: a.t === "time" ? a.frac : 0 };
      }
      if (["+", "-", "*", "/", "%", "DIV"].includes(e.op)) return arith(e.op, a, b);
      const cmp = compare(a, b);
      if (cmp === null) return e.op === "<=>" ? int(a.t === b.t ? 1 : 0) : NULL;
      const r =
        e.op === "=" || e.op === "<=>"
          ? cmp === 0
          : e.op === "<>"
            ? cmp !== 0
            : e.op === "<"
              ? cmp < 0
              : e.op === ">"
                ? cmp > 0
                : e.op === "<="
                  ? cmp <= 0
                  : cmp >= 0;
      return int(r ? 1 : 0);
    }
  }
}
