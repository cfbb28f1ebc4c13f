import type { FileStat } from "./files";

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v", e: "\x1b", "\\": "\\" };

/** backslash escapes as echo -e and printf %b read them; `stop` is set by \c */
export function unescapeEcho(s: string): { text: string; stop: boolean } {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== "\\" || i === s.length - 1) {
      out += c;
      continue;
    }
    const n = s[++i] as string;
    if (n === "c") return { text: out, stop: true };
    if (ESCAPES[n] !== undefined) out += ESCAPES[n];
    else if (n === "0") {
      const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))?.[0] ?? "";
      out += String.fromCharCode(parseInt(m || "0", 8));
      i += m.length;
    } else if (n === "x") {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1))?.[0];
      if (m) {
        out += String.fromCharCode(parseInt(m, 16));
        i += m.length;
      } else out += "\\x";
    } else out += `\\${n}`;
  }
  return { text: out, stop: false };
}

export function echo(args: string[]): string {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (!/^-[neE]+$/.test(a)) break;
    for (const f of a.slice(1)) {
      if (f === "n") newline = false;
      else if (f === "e") escapes = true;
      else escapes = false;
    }
  }
  let text = args.slice(i).join(" ");
  if (escapes) {
    const r = unescapeEcho(text);
    if (r.stop) return r.text;
    text = r.text;
  }
  return newline ? `${text}\n` : text;
}

/** printf: %s %b %c %d %i %u %x %X %o %f %e %g %%, with flags, width and precision; the format repeats for extra args */
export function printf(args: string[]): { out: string; err: string; code: number } {
  const [format, ...rest] = args;
  if (format === undefined) return { out: "", err: "printf: usage: printf [-v var] format [arguments]\n", code: 2 };
  let out = "";
  let err = "";
  let code = 0;
  let argi = 0;
  const next = (): string | undefined => rest[argi++];
  do {
    const before = argi;
    let i = 0;
    while (i < format.length) {
      const c = format[i] as string;
      if (c === "\\") {
        const seq = /^\\(0[0-7]{0,3}|[0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)/s.exec(format.slice(i))?.[0] ?? "\\";
        // printf also reads \NNN without a leading 0 as octal
        out += /^\\[1-7][0-7]{0,2}$/.test(seq) ? String.fromCharCode(parseInt(seq.slice(1), 8)) : unescapeEcho(seq).text;
        i += seq.length;
        continue;
      }
      if (c !== "%") {
        out += c;
        i++;
        continue;
      }
      const m = /^%([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?([sbcdiuxXofeEgG%])/.exec(format.slice(i));
      if (!m) {
        out += c;
        i++;
        continue;
      }
      i += m[0].length;
      const flags = m[1] ?? "";
      const width = m[2] === "*" ? Number(next() ?? 0) : m[2] !== undefined ? Number(m[2]) : undefined;
      const precision = m[3] === "*" ? Number(next() ?? 0) : m[3] !== undefined ? Number(m[3]) : undefined;
      const conv = m[4] as string;
      if (conv === "%") {
        out += "%";
        continue;
      }
      const arg = next();
      let body: string;
      if (conv === "s") body = precision !== undefined ? (arg ?? "").slice(0, precision) : arg ?? "";
      else if (conv === "b") body = unescapeEcho(arg ?? "").text;
      else if (conv === "c") body = (arg ?? "").slice(0, 1);
      else if ("diuxXo".includes(conv)) {
        const n = toInt(arg ?? "0");
        if (n === null) {
          err += `bash: printf: ${arg}: invalid number\n`;
          code = 1;
        }
        const v = n ?? 0;
        body = conv === "x" ? v.toString(16) : conv === "X" ? v.toString(16).toUpperCase() : conv === "o" ? v.toString(8) : String(v);
        if (flags.includes("+") && v >= 0 && (conv === "d" || conv === "i")) body = `+${body}`;
      } else {
        const v = Number(arg ?? "0");
        const p = precision ?? 6;
        body = conv === "f" ? v.toFixed(p) : conv === "e" || conv === "E" ? v.toExponential(p) : String(Number(v.toPrecision(p || 1)));
        if (conv === "E") body = body.toUpperCase();
      }
      if (width !== undefined && body.length < width) {
        if (flags.includes("-")) body = body.padEnd(width);
        else if (flags.includes("0") && conv !== "s" && conv !== "b" && conv !== "c") {
          const neg = body.startsWith("-") || body.startsWith("+");
          body = neg ? body[0] + body.slice(1).padStart(width - 1, "0") : body.padStart(width, "0");
        } else body = body.padStart(width);
      }
      out += body;
    }
    if (argi === before) break;
  } while (argi < rest.length);
  return { out, err, code };
}

function toInt(s: string): number | null {
  const t = s.trim();
  if (/^[-+]?\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  if (/^'./.test(t) || /^"./.test(t)) return t.charCodeAt(1);
  return null;
}

/** test / [ : the unary and binary primaries scripts use */
export function evalTest(
  args: string[],
  stat: (p: string) => FileStat | null,
  may: (p: string, want: "r" | "w" | "x") => boolean = (p) => stat(p) !== null,
): { code: number; err: string } {
  const fail = (msg: string): { code: number; err: string } => ({ code: 2, err: `bash: test: ${msg}\n` });
  const intOf = (s: string): number | null => (/^\s*[-+]?\d+\s*$/.test(s) ? Number(s) : null);
  const primary = (a: string[]): boolean | string => {
    if (a.length === 0) return false;
    if (a[0] === "!") {
      const r = primary(a.slice(1));
      return typeof r === "string" ? r : !r;
    }
    if (a.length === 1) return (a[0] as string) !== "";
    if (a.length === 2) {
      const [op, v] = a as [string, string];
      const st = (): FileStat | null => stat(v);
      switch (op) {
        case "-n":
          return v !== "";
        case "-z":
          return v === "";
        case "-e":
        case "-a":
          return st() !== null;
        case "-f":
          return st()?.type === "file";
        case "-d":
          return st()?.type === "directory";
        case "-s":
          return (st()?.size ?? 0) > 0 || (st()?.virtual ?? false);
        case "-r":
          return may(v, "r");
        case "-w":
          return may(v, "w");
        case "-x":
          return st() !== null && ((st()?.mode ?? 0) & 0o111) !== 0 && may(v, "x");
        case "-L":
        case "-h":
          return false;
        default:
          return `${op}: unary operator expected`;
      }
    }
    if (a.length === 3) {
      const [l, op, r] = a as [string, string, string];
      switch (op) {
        case "=":
        case "==":
          return l === r;
        case "!=":
          return l !== r;
        case "<":
          return l < r;
        case ">":
          return l > r;
        case "-eq":
        case "-ne":
        case "-lt":
        case "-le":
        case "-gt":
        case "-ge": {
          const x = intOf(l);
          const y = intOf(r);
          if (x === null) return `${l}: integer expression expected`;
          if (y === null) return `${r}: integer expression expected`;
          return op === "-eq" ? x === y : op === "-ne" ? x !== y : op === "-lt" ? x < y : op === "-le" ? x <= y : op === "-gt" ? x > y : x >= y;
        }
        case "-a":
        case "-o": {
          const x = primary([l]);
          const y = primary([r]);
          if (typeof x === "string") return x;
          if (typeof y === "string") return y;
          return op === "-a" ? x && y : x || y;
        }
        default:
          return `${op}: binary operator expected`;
      }
    }
    const oi = a.findIndex((x) => x === "-o");
    if (oi > 0) {
      const x = primary(a.slice(0, oi));
      const y = primary(a.slice(oi + 1));
      if (typeof x === "string") return x;
      if (typeof y === "string") return y;
      return x || y;
    }
    const ai = a.findIndex((x) => x === "-a");
    if (ai > 0) {
      const x = primary(a.slice(0, ai));
      const y = primary(a.slice(ai + 1));
      if (typeof x === "string") return x;
      if (typeof y === "string") return y;
      return x && y;
    }
    return "too many arguments";
  };
  const r = primary(args);
  if (typeof r === "string") return fail(r);
  return { code: r ? 0 : 1, err: "" };
}
