import type { Word, WordPart } from "./tokenize";
import type { VmFiles } from "./files";
import type { VmName } from "../model/types";

export interface ExpandEnv {
  lookup(name: string): string | undefined;
  assign(name: string, value: string): void;
  /** run $(...) and give its stdout */
  substitute(source: string): Promise<string>;
  home: string;
  glob?: { files: VmFiles; vm: VmName; cwd: string; user: string };
}

interface Field {
  text: string;
  /** unquoted glob characters, kept so quoted `*` does not glob */
  pattern: string;
  hasGlob: boolean;
  /** a quoted part was seen: the field exists even if empty */
  forced: boolean;
}

const IFS = /[ \t\n]+/;

async function partValue(part: WordPart, env: ExpandEnv): Promise<string> {
  if (part.kind === "lit") return part.text;
  if (part.kind === "cmd") return (await env.substitute(part.source)).replace(/\n+$/, "");
  const value = env.lookup(part.name);
  if (!part.op) return value ?? "";
  const arg = async (): Promise<string> => (part.arg ? expandSingle(part.arg, env) : "");
  switch (part.op) {
    case ":-":
      return value === undefined || value === "" ? arg() : value;
    case "-":
      return value === undefined ? arg() : value;
    case ":=": {
      if (value !== undefined && value !== "") return value;
      const v = await arg();
      env.assign(part.name, v);
      return v;
    }
    case ":+":
      return value === undefined || value === "" ? "" : arg();
  }
}

/** expand a word into fields: variables, command substitution, field splitting, globbing */
export async function expandWord(word: Word, env: ExpandEnv): Promise<string[]> {
  const fields: Field[] = [];
  let cur: Field | null = null;
  const ensure = (): Field => {
    if (!cur) {
      cur = { text: "", pattern: "", hasGlob: false, forced: false };
      fields.push(cur);
    }
    return cur;
  };
  let first = true;
  for (const part of word.parts) {
    let value = await partValue(part, env);
    if (first && part.kind === "lit" && !part.quoted && (value === "~" || value.startsWith("~/"))) value = env.home + value.slice(1);
    first = false;
    if (part.quoted) {
      const f = ensure();
      f.forced = true;
      f.text += value;
      f.pattern += escapeGlob(value);
      continue;
    }
    if (part.kind === "lit") {
      const f = ensure();
      f.text += value;
      f.pattern += value;
      if (/[*?[]/.test(value)) f.hasGlob = true;
      continue;
    }
    const pieces = value.split(IFS);
    pieces.forEach((piece, i) => {
      if (i > 0) cur = null;
      if (piece === "") return;
      const f = ensure();
      f.text += piece;
      f.pattern += escapeGlob(piece);
    });
    if (value !== "" && IFS.test(value.slice(-1))) cur = null;
  }
  const out: string[] = [];
  for (const f of fields) {
    if (f.text === "" && !f.forced) continue;
    if (f.hasGlob && env.glob) {
      const matches = glob(f.pattern, env.glob);
      if (matches.length) {
        out.push(...matches);
        continue;
      }
    }
    out.push(f.text);
  }
  return out;
}

/** expand without field splitting or globbing (assignments, redirection targets, here-documents) */
export async function expandSingle(word: Word, env: ExpandEnv): Promise<string> {
  let out = "";
  let first = true;
  for (const part of word.parts) {
    let value = await partValue(part, env);
    if (first && part.kind === "lit" && !part.quoted && (value === "~" || value.startsWith("~/"))) value = env.home + value.slice(1);
    first = false;
    out += value;
  }
  return out;
}

function escapeGlob(s: string): string {
  return s.replace(/[\\*?[]/g, (c) => `\\${c}`);
}

function globToRegex(segment: string): RegExp {
  let re = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === "\\") re += escapeRe(segment[++i] ?? "");
    else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = segment.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${segment.slice(i + 1, end).replace(/^!/, "^")}]`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, "$1");
}

function glob(pattern: string, g: NonNullable<ExpandEnv["glob"]>): string[] {
  const absolute = pattern.startsWith("/");
  const segments = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  let bases: string[] = [absolute ? "/" : ""];
  for (const seg of segments) {
    if (seg === "") continue;
    const next: string[] = [];
    const magic = /(^|[^\\])[*?[]/.test(seg);
    for (const base of bases) {
      const dir = g.files.absolute(g.cwd, base === "" ? "." : base);
      if (!magic) {
        next.push(join(base, unescape(seg)));
        continue;
      }
      let names: string[];
      try {
        names = g.files.list(g.vm, dir, g.user);
      } catch {
        names = [];
      }
      const re = globToRegex(seg);
      for (const name of names) if ((!name.startsWith(".") || seg.startsWith(".")) && re.test(name)) next.push(join(base, name));
    }
    bases = next;
  }
  return bases.filter((p) => g.files.stat(g.vm, g.files.absolute(g.cwd, p)) !== null).sort();
}

function join(base: string, name: string): string {
  if (base === "") return name;
  return base.endsWith("/") ? base + name : `${base}/${name}`;
}
