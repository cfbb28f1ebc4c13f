import { createHash } from "node:crypto";
import { ToolError } from "../model/types";
import type { ExecContext, ExecResult, Tool } from "../model/types";
import { userOf } from "../shell/access";
import type { CoreDeps } from "./deps";
import { absPath, joinLines, lines, ok, parseFlags, readInputs, result } from "./io";

/** text filters every VM has: cat, head, tail, wc, grep, sort, uniq, cut, tr, tee, checksums */
export function textTools(deps: CoreDeps): Record<string, Tool> {
  const all = (run: (ctx: ExecContext) => ExecResult): Tool => ({ roles: "all", run });
  const files = deps.files;
  return {
    cat: all((ctx) => {
      const names = ctx.argv.slice(1).filter((a) => a === "-" || !a.startsWith("-"));
      const r = readInputs(ctx, files, names, "cat");
      return result(r.inputs.map((i) => i.text).join(""), r.errors, r.failed ? 1 : 0);
    }),
    head: all((ctx) => headTail(ctx, deps, "head")),
    tail: all((ctx) => headTail(ctx, deps, "tail")),
    wc: all((ctx) => wc(ctx, deps)),
    grep: all((ctx) => grep(ctx, deps)),
    egrep: all((ctx) => grep({ ...ctx, argv: ["grep", "-E", ...ctx.argv.slice(1)] }, deps)),
    fgrep: all((ctx) => grep({ ...ctx, argv: ["grep", "-F", ...ctx.argv.slice(1)] }, deps)),
    sort: all((ctx) => sort(ctx, deps)),
    uniq: all((ctx) => uniq(ctx, deps)),
    cut: all((ctx) => cut(ctx, deps)),
    tr: all((ctx) => tr(ctx)),
    tee: all((ctx) => {
      const p = parseFlags(ctx.argv.slice(1), "");
      const append = p.flags.has("a");
      let err = "";
      for (const f of p.rest) {
        try {
          files.write(ctx.vm, absPath(ctx, f), ctx.stdin, append, userOf(ctx));
        } catch (e) {
          if (!(e instanceof ToolError)) throw e;
          err += `tee: ${e.message}\n`;
        }
      }
      return result(ctx.stdin, err, err ? 1 : 0);
    }),
    md5sum: all((ctx) => checksum(ctx, deps, "md5")),
    sha1sum: all((ctx) => checksum(ctx, deps, "sha1")),
    sha256sum: all((ctx) => checksum(ctx, deps, "sha256")),
  };
}

function headTail(ctx: ExecContext, deps: CoreDeps, tool: "head" | "tail"): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "nc", { numericShorthand: "n", long: { lines: "n", bytes: "c", quiet: "q", silent: "q", follow: "f" } });
  if (p.error) return result("", `${tool}: ${p.error}\n`, 1);
  const nRaw = p.flags.get("n")?.at(-1);
  const cRaw = p.flags.get("c")?.at(-1);
  const r = readInputs(ctx, deps.files, p.rest, tool);
  const many = r.inputs.length > 1 && !p.flags.has("q");
  let out = "";
  r.inputs.forEach((input, idx) => {
    if (many) out += `${idx > 0 ? "\n" : ""}==> ${input.name === "-" ? "standard input" : input.name} <==\n`;
    if (cRaw !== undefined) {
      const n = Math.abs(Number(cRaw));
      out += tool === "head" ? input.text.slice(0, n) : cRaw.startsWith("+") ? input.text.slice(n - 1) : input.text.slice(-n);
      return;
    }
    const all = input.text.split(/(?<=\n)/);
    const spec = nRaw ?? "10";
    const n = Math.abs(Number(spec.replace(/^\+/, "")));
    if (tool === "head") out += (spec.startsWith("-") ? all.slice(0, Math.max(0, all.length - n)) : all.slice(0, n)).join("");
    else out += (spec.startsWith("+") ? all.slice(Math.max(0, n - 1)) : n === 0 ? [] : all.slice(-n)).join("");
  });
  return result(out, r.errors, r.failed ? 1 : 0);
}

function wc(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "", { long: { lines: "l", words: "w", bytes: "c", chars: "m" } });
  if (p.error) return result("", `wc: ${p.error}\n`, 1);
  let cols = ["l", "w", "m", "c"].filter((f) => p.flags.has(f));
  if (cols.length === 0) cols = ["l", "w", "c"];
  const r = readInputs(ctx, deps.files, p.rest, "wc");
  const count = (t: string): Record<string, number> => ({
    l: (t.match(/\n/g) ?? []).length,
    w: t.split(/\s+/).filter(Boolean).length,
    c: Buffer.byteLength(t),
    m: [...t].length,
  });
  const rows = r.inputs.map((i) => ({ name: i.name === "-" && p.rest.length === 0 ? "" : i.name, c: count(i.text) }));
  if (rows.length > 1) {
    const total: Record<string, number> = { l: 0, w: 0, c: 0, m: 0 };
    for (const row of rows) for (const k of Object.keys(total)) total[k] = (total[k] ?? 0) + (row.c[k] ?? 0);
    rows.push({ name: "total", c: total });
  }
  const onlyStdin = p.rest.length === 0;
  const maxLen = Math.max(1, ...rows.flatMap((row) => cols.map((k) => String(row.c[k] ?? 0).length)));
  const width = cols.length === 1 && rows.length === 1 ? 1 : onlyStdin ? Math.max(7, maxLen) : maxLen;
  const out = rows.map((row) => cols.map((k) => String(row.c[k] ?? 0).padStart(width)).join(" ") + (row.name ? ` ${row.name}` : "")).join("\n");
  return result(rows.length ? `${out}\n` : "", r.errors, r.failed ? 1 : 0);
}

/** POSIX basic regular expressions to JavaScript: \( \) \{ \} \| \+ \? are the operators, bare ones are literals */
export function breToJs(bre: string): string {
  let out = "";
  for (let i = 0; i < bre.length; i++) {
    const c = bre[i] as string;
    if (c === "\\" && i + 1 < bre.length) {
      const n = bre[++i] as string;
      out += "(){}|+?".includes(n) ? n : `\\${n}`;
    } else if ("(){}|+?".includes(c)) out += `\\${c}`;
    else if (c === "[") {
      const end = bre.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        out += posixClasses(bre.slice(i, end + 1));
        i = end;
      }
    } else out += c;
  }
  return out;
}

function posixClasses(set: string): string {
  return set
    .replace(/\[:alpha:\]/g, "A-Za-z")
    .replace(/\[:digit:\]/g, "0-9")
    .replace(/\[:alnum:\]/g, "A-Za-z0-9")
    .replace(/\[:space:\]/g, " \\t\\n\\r\\f\\v")
    .replace(/\[:upper:\]/g, "A-Z")
    .replace(/\[:lower:\]/g, "a-z")
    .replace(/\[:xdigit:\]/g, "0-9A-Fa-f")
    .replace(/\[:punct:\]/g, "!-\\/:-@\\[-`{-~")
    .replace(/\[:blank:\]/g, " \\t");
}

function grep(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "emAB", {
    long: { count: "c", "invert-match": "v", "extended-regexp": "E", quiet: "q", silent: "q", "ignore-case": "i", "fixed-strings": "F", "only-matching": "o", "line-number": "n", regexp: "e", "files-with-matches": "l", "word-regexp": "w", "line-regexp": "x", "no-messages": "s" },
  });
  if (p.error) return result("", `grep: ${p.error}\nUsage: grep [OPTION]... PATTERNS [FILE]...\n`, 2);
  const f = p.flags;
  const patterns = f.get("e") ?? [];
  const rest = [...p.rest];
  if (patterns.length === 0) {
    const first = rest.shift();
    if (first === undefined) return result("", "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n", 2);
    patterns.push(...first.split("\n"));
  }
  let re: RegExp;
  try {
    const sources = patterns.map((pat) => (f.has("F") ? pat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : f.has("E") ? posixClassesInSets(pat) : breToJs(pat)));
    let src = sources.map((s) => `(?:${s})`).join("|");
    if (f.has("w")) src = `(?<![A-Za-z0-9_])(?:${src})(?![A-Za-z0-9_])`;
    if (f.has("x")) src = `^(?:${src})$`;
    re = new RegExp(src, f.has("i") ? "gi" : "g");
  } catch {
    return result("", "grep: Unmatched ( or \\(\n", 2);
  }
  const r = readInputs(ctx, deps.files, rest, "grep");
  const many = r.inputs.length > 1 && !f.has("h");
  const limit = f.get("m")?.at(-1);
  let out = "";
  let any = false;
  for (const input of r.inputs) {
    let count = 0;
    const prefix = many || f.has("H") ? `${input.name === "-" ? "(standard input)" : input.name}:` : "";
    for (const [idx, line] of lines(input.text).entries()) {
      if (limit !== undefined && count >= Number(limit)) break;
      re.lastIndex = 0;
      const matched = re.test(line);
      if (matched === f.has("v")) continue;
      count++;
      any = true;
      if (f.has("q")) return result("", "", 0);
      if (f.has("c") || f.has("l")) continue;
      const ln = f.has("n") ? `${idx + 1}:` : "";
      if (f.has("o") && !f.has("v")) {
        re.lastIndex = 0;
        for (const m of line.matchAll(re)) if (m[0] !== "") out += `${prefix}${ln}${m[0]}\n`;
      } else out += `${prefix}${ln}${line}\n`;
    }
    if (f.has("c")) out += `${prefix}${count}\n`;
    if (f.has("l") && count > 0) out += `${input.name === "-" ? "(standard input)" : input.name}\n`;
  }
  const errors = f.has("s") ? "" : r.errors;
  return result(out, errors, r.failed && !any ? 2 : any ? 0 : 1);
}

export function posixClassesInSets(ere: string): string {
  return ere.replace(/\[[^\]]*\[:[a-z]+:\][^\]]*\]/g, (m) => posixClasses(m));
}

function sort(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "kto", { long: { numeric: "n", reverse: "r", unique: "u", key: "k", "field-separator": "t" } });
  if (p.error) return result("", `sort: ${p.error}\n`, 2);
  const f = p.flags;
  const r = readInputs(ctx, deps.files, p.rest, "sort");
  let all = r.inputs.flatMap((i) => lines(i.text));
  const sep = f.get("t")?.at(-1);
  const key = f.get("k")?.at(-1);
  const keyOf = (line: string): string => {
    if (!key) return line;
    const m = /^(\d+)(?:\.\d+)?[a-z]*(?:,(\d+))?/.exec(key);
    const from = Number(m?.[1] ?? 1);
    const to = m?.[2] !== undefined ? Number(m[2]) : undefined;
    const fields = sep !== undefined ? line.split(sep) : line.trim().split(/\s+/);
    return fields.slice(from - 1, to).join(sep ?? " ");
  };
  const numeric = f.has("n") || f.has("h") || /n/.test(key ?? "");
  all.sort((a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    let c = numeric ? (parseFloat(ka) || 0) - (parseFloat(kb) || 0) : ka < kb ? -1 : ka > kb ? 1 : 0;
    if (c === 0 && !f.has("u")) c = a < b ? -1 : a > b ? 1 : 0;
    return c;
  });
  if (f.has("r")) all.reverse();
  if (f.has("u")) all = all.filter((l, i) => i === 0 || keyOf(l) !== keyOf(all[i - 1] as string));
  return result(joinLines(all), r.errors, r.failed ? 2 : 0);
}

function uniq(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "");
  const r = readInputs(ctx, deps.files, p.rest.slice(0, 1), "uniq");
  const groups: { line: string; n: number }[] = [];
  for (const line of r.inputs.flatMap((i) => lines(i.text))) {
    const last = groups[groups.length - 1];
    if (last && last.line === line) last.n++;
    else groups.push({ line, n: 1 });
  }
  const kept = groups.filter((g) => (p.flags.has("d") ? g.n > 1 : p.flags.has("u") ? g.n === 1 : true));
  return ok(kept.map((g) => (p.flags.has("c") ? `${String(g.n).padStart(7)} ${g.line}\n` : `${g.line}\n`)).join(""));
}

function ranges(spec: string): (n: number) => boolean {
  const parts = spec.split(",").map((s) => {
    const [a, b] = s.split("-");
    const lo = a === "" || a === undefined ? 1 : Number(a);
    const hi = b === undefined ? lo : b === "" ? Infinity : Number(b);
    return [lo, hi] as const;
  });
  return (n) => parts.some(([lo, hi]) => n >= lo && n <= hi);
}

function cut(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "dfc", { long: { delimiter: "d", fields: "f", characters: "c" } });
  if (p.error) return result("", `cut: ${p.error}\n`, 1);
  const delim = p.flags.get("d")?.at(-1) ?? "\t";
  const fields = p.flags.get("f")?.at(-1);
  const chars = p.flags.get("c")?.at(-1);
  if (!fields && !chars) return result("", "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n", 1);
  const r = readInputs(ctx, deps.files, p.rest, "cut");
  const out = r.inputs.flatMap((i) => lines(i.text)).map((line) => {
    if (chars) {
      const keep = ranges(chars);
      return [...line].filter((_, i) => keep(i + 1)).join("");
    }
    if (!line.includes(delim)) return p.flags.has("s") ? null : line;
    const keep = ranges(fields ?? "1");
    return line
      .split(delim)
      .filter((_, i) => keep(i + 1))
      .join(delim);
  });
  return result(joinLines(out.filter((l): l is string => l !== null)), r.errors, r.failed ? 1 : 0);
}

function expandSet(set: string): string {
  const classes: Record<string, string> = {
    "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
    "[:digit:]": "0123456789",
    "[:space:]": " \t\n\r\f\v",
    "[:blank:]": " \t",
  };
  let s = set;
  for (const [k, v] of Object.entries(classes)) s = s.split(k).join(v);
  s = s.replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\\\/g, "\\");
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const to = s[i + 2];
    if (s[i + 1] === "-" && to !== undefined) {
      for (let x = c.charCodeAt(0); x <= to.charCodeAt(0); x++) out += String.fromCharCode(x);
      i += 2;
    } else out += c;
  }
  return out;
}

function tr(ctx: ExecContext): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "");
  const [a, b] = p.rest;
  if (a === undefined) return result("", "tr: missing operand\nTry 'tr --help' for more information.\n", 1);
  const from = expandSet(a);
  const to = b === undefined ? "" : expandSet(b);
  let out = "";
  let prev = "";
  for (const c of ctx.stdin) {
    let mapped: string | null = c;
    const idx = from.indexOf(c);
    if (p.flags.has("d") && idx >= 0) mapped = null;
    else if (!p.flags.has("d") && idx >= 0 && to) mapped = to[Math.min(idx, to.length - 1)] ?? c;
    if (mapped === null) continue;
    const squeezeSet = p.flags.has("d") ? to : to || from;
    if (p.flags.has("s") && mapped === prev && squeezeSet.includes(mapped)) continue;
    out += mapped;
    prev = mapped;
  }
  return ok(out);
}

function checksum(ctx: ExecContext, deps: CoreDeps, algo: "md5" | "sha1" | "sha256"): ExecResult {
  const names = ctx.argv.slice(1).filter((a) => !a.startsWith("-") || a === "-");
  const tool = `${algo}sum`;
  let out = "";
  let err = "";
  const targets = names.length ? names : ["-"];
  for (const n of targets) {
    try {
      const data = n === "-" ? Buffer.from(ctx.stdin) : deps.files.readBuffer(ctx.vm, absPath(ctx, n), userOf(ctx));
      out += `${createHash(algo).update(data).digest("hex")}  ${n}\n`;
    } catch (e) {
      if (!(e instanceof ToolError)) throw e;
      err += `${tool}: ${n}: ${e.message.replace(/^.*: /, "")}\n`;
    }
  }
  return result(out, err, err ? 1 : 0);
}
