// A tokenizer for the part of POSIX sh the console uses. Unlike shell-quote it keeps
// adjacency, so `2>&1` is one redirection and `a"b"c` one word.

export type WordPart =
  | { kind: "lit"; text: string; quoted: boolean }
  | { kind: "var"; name: string; quoted: boolean; op?: ":-" | "-" | ":=" | ":+"; arg?: Word }
  | { kind: "cmd"; source: string; quoted: boolean };

export interface Word {
  parts: WordPart[];
}

export type OpToken = ";" | "\n" | "&&" | "||" | "|" | "&" | "(" | ")";
export type RedirOp = ">" | ">>" | "<" | ">&" | "<&" | "&>" | "&>>" | ">|" | "<<" | "<<-" | "<<<";

export type Token =
  | { type: "word"; word: Word; line: number }
  | { type: "op"; op: OpToken; line: number }
  | { type: "redir"; fd: number | null; op: RedirOp; target: Word; line: number };

export class ShellSyntaxError extends Error {}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIAL_VARS = new Set(["?", "$", "#", "!", "@", "*", "-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let parts: WordPart[] = [];
  let inWord = false;
  const pendingHeredocs: { token: Extract<Token, { type: "redir" }>; delim: string; quoted: boolean; strip: boolean }[] = [];

  const lit = (text: string, quoted: boolean): void => {
    const last = parts[parts.length - 1];
    if (last && last.kind === "lit" && last.quoted === quoted) last.text += text;
    else parts.push({ kind: "lit", text, quoted });
    inWord = true;
  };
  const endWord = (): void => {
    if (inWord) tokens.push({ type: "word", word: { parts }, line });
    parts = [];
    inWord = false;
  };
  const readHeredocBodies = (): void => {
    for (const h of pendingHeredocs.splice(0)) {
      const lines: string[] = [];
      for (;;) {
        if (i >= src.length) break;
        const nl = src.indexOf("\n", i);
        const raw = nl < 0 ? src.slice(i) : src.slice(i, nl);
        i = nl < 0 ? src.length : nl + 1;
        line++;
        const text = h.strip ? raw.replace(/^\t+/, "") : raw;
        if (text === h.delim) break;
        lines.push(text);
      }
      const body = lines.length ? lines.join("\n") + "\n" : "";
      h.token.target = h.quoted ? { parts: [{ kind: "lit", text: body, quoted: true }] } : { parts: parseDoubleQuoted(body, true) };
    }
  };

  while (i < src.length) {
    const c = src[i] as string;
    if (c === " " || c === "\t") {
      endWord();
      i++;
      continue;
    }
    if (c === "\n") {
      endWord();
      tokens.push({ type: "op", op: "\n", line });
      i++;
      if (pendingHeredocs.length) readHeredocBodies();
      line++;
      continue;
    }
    if (c === "#" && !inWord) {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "\\") {
      if (src[i + 1] === "\n") {
        i += 2;
        line++;
        continue;
      }
      if (i + 1 < src.length) lit(src[i + 1] as string, true);
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
      lit(src.slice(i + 1, end), true);
      line += countNewlines(src.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const end = findDoubleQuoteEnd(src, i + 1);
      const body = src.slice(i + 1, end);
      const inner = parseDoubleQuoted(body, false);
      if (inner.length === 0) lit("", true);
      for (const p of inner) {
        if (p.kind === "lit") lit(p.text, true);
        else {
          parts.push(p);
          inWord = true;
        }
      }
      line += countNewlines(body);
      i = end + 1;
      continue;
    }
    if (c === "$") {
      const [part, next] = readDollar(src, i, false);
      if (part) {
        parts.push(part);
        inWord = true;
      } else lit("$", false);
      i = next;
      continue;
    }
    if (c === "`") {
      const end = src.indexOf("`", i + 1);
      if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching ``'");
      parts.push({ kind: "cmd", source: src.slice(i + 1, end), quoted: false });
      inWord = true;
      i = end + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    const three = src.slice(i, i + 3);
    if (c === ">" || c === "<" || (c === "&" && src[i + 1] === ">")) {
      let fd: number | null = null;
      if (inWord && parts.length === 1) {
        const only = parts[0];
        if (only && only.kind === "lit" && !only.quoted && /^\d+$/.test(only.text)) {
          fd = Number(only.text);
          parts = [];
          inWord = false;
        }
      }
      endWord();
      let op: RedirOp;
      if (three === "<<<") op = "<<<";
      else if (three === "<<-") op = "<<-";
      else if (three === "&>>") op = "&>>";
      else if (two === ">>" || two === ">&" || two === "<&" || two === "&>" || two === ">|" || two === "<<") op = two;
      else op = c === ">" ? ">" : "<";
      i += op.length;
      while (src[i] === " " || src[i] === "\t") i++;
      const start = i;
      const sub = readWordAt(src, i);
      i = sub.next;
      if (sub.parts.length === 0) throw new ShellSyntaxError(`syntax error near unexpected token \`${src[start] ?? "newline"}'`);
      const token: Extract<Token, { type: "redir" }> = { type: "redir", fd, op, target: { parts: sub.parts }, line };
      tokens.push(token);
      if (op === "<<" || op === "<<-") {
        const delim = sub.parts.map((p) => (p.kind === "lit" ? p.text : "")).join("");
        pendingHeredocs.push({ token, delim, quoted: sub.parts.some((p) => p.quoted), strip: op === "<<-" });
      }
      continue;
    }
    if (two === "&&" || two === "||") {
      endWord();
      tokens.push({ type: "op", op: two, line });
      i += 2;
      continue;
    }
    if (c === ";" || c === "|" || c === "&" || c === "(" || c === ")") {
      endWord();
      tokens.push({ type: "op", op: c, line });
      i++;
      continue;
    }
    lit(c, false);
    i++;
  }
  endWord();
  return tokens;
}

/** read one word starting at i (used for redirection targets) */
function readWordAt(src: string, start: number): { parts: WordPart[]; next: number } {
  let end = start;
  while (end < src.length) {
    const c = src[end] as string;
    if (" \t\n;|&()<>".includes(c)) break;
    if (c === "'") {
      const e = src.indexOf("'", end + 1);
      end = e < 0 ? src.length : e + 1;
      continue;
    }
    if (c === '"') {
      end = findDoubleQuoteEnd(src, end + 1) + 1;
      continue;
    }
    if (c === "\\") {
      end += 2;
      continue;
    }
    end++;
  }
  const toks = tokenize(src.slice(start, end));
  const first = toks[0];
  return { parts: first && first.type === "word" ? first.word.parts : [], next: end };
}

function findDoubleQuoteEnd(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === "\\") i += 2;
    else if (c === '"') return i;
    else if (c === "$" && src[i + 1] === "(") i = matchParen(src, i + 1) + 1;
    else i++;
  }
  throw new ShellSyntaxError("unexpected EOF while looking for matching `\"'");
}

function matchParen(src: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < src.length) {
    const c = src[i];
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (c === "'") {
      const e = src.indexOf("'", i + 1);
      i = e < 0 ? src.length : e + 1;
      continue;
    }
    if (c === '"') {
      i = findDoubleQuoteEnd(src, i + 1) + 1;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") {
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  throw new ShellSyntaxError("unexpected EOF while looking for matching `)'");
}

/** parse $NAME, ${NAME}, ${NAME:-x}, $?, $(cmd) at src[i] === "$" */
function readDollar(src: string, i: number, quoted: boolean): [WordPart | null, number] {
  const n = src[i + 1];
  if (n === undefined) return [null, i + 1];
  if (n === "(") {
    if (src[i + 2] === "(") throw new ShellSyntaxError("arithmetic expansion is not supported");
    const end = matchParen(src, i + 1);
    return [{ kind: "cmd", source: src.slice(i + 2, end), quoted }, end + 1];
  }
  if (n === "{") {
    const end = src.indexOf("}", i + 2);
    if (end < 0) throw new ShellSyntaxError("bad substitution");
    const inner = src.slice(i + 2, end);
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[?$#!@*0-9])(?:(:-|-|:=|:\+)(.*))?$/s.exec(inner);
    if (!m || m[1] === undefined) throw new ShellSyntaxError(`\${${inner}}: bad substitution`);
    const part: WordPart = { kind: "var", name: m[1], quoted };
    if (m[2] !== undefined) {
      part.op = m[2] as ":-" | "-" | ":=" | ":+";
      part.arg = { parts: parseDoubleQuoted(m[3] ?? "", false) };
    }
    return [part, end + 1];
  }
  if (SPECIAL_VARS.has(n)) return [{ kind: "var", name: n, quoted }, i + 2];
  if (NAME_START.test(n)) {
    let j = i + 1;
    while (j < src.length && NAME_CHAR.test(src[j] as string)) j++;
    return [{ kind: "var", name: src.slice(i + 1, j), quoted }, j];
  }
  return [null, i + 1];
}

/** the inside of "..." (or an unquoted here-document body): only $, ` and \ are special */
export function parseDoubleQuoted(body: string, heredoc: boolean): WordPart[] {
  const out: WordPart[] = [];
  let text = "";
  const flush = (): void => {
    if (text) out.push({ kind: "lit", text, quoted: true });
    text = "";
  };
  let i = 0;
  while (i < body.length) {
    const c = body[i] as string;
    if (c === "\\") {
      const n = body[i + 1];
      if (n !== undefined && (n === "$" || n === "`" || n === "\\" || n === "\n" || (n === '"' && !heredoc))) {
        if (n !== "\n") text += n;
        i += 2;
      } else {
        text += c;
        i++;
      }
      continue;
    }
    if (c === "$") {
      const [part, next] = readDollar(body, i, true);
      if (part) {
        flush();
        out.push(part);
      } else text += "$";
      i = next;
      continue;
    }
    if (c === "`") {
      const end = body.indexOf("`", i + 1);
      if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching ``'");
      flush();
      out.push({ kind: "cmd", source: body.slice(i + 1, end), quoted: true });
      i = end + 1;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === "\n") n++;
  return n;
}
