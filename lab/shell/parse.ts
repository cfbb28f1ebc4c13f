import { ShellSyntaxError, tokenize } from "./tokenize";
import type { RedirOp, Token, Word } from "./tokenize";

export interface Redirect {
  fd: number | null;
  op: RedirOp;
  target: Word;
}

export interface Assignment {
  name: string;
  value: Word;
}

export type Command =
  | { type: "simple"; assigns: Assignment[]; words: Word[]; redirects: Redirect[]; line: number }
  | { type: "subshell"; body: List; redirects: Redirect[]; line: number }
  | { type: "group"; body: List; redirects: Redirect[]; line: number }
  | { type: "if"; clauses: { cond: List; body: List }[]; orElse: List | null; redirects: Redirect[]; line: number };

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: { op: "&&" | "||"; pipeline: Pipeline }[];
}

export type List = AndOr[];

const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)=/;

export function parseScript(src: string): List {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (t: Token | undefined, ...ops: string[]): boolean => t !== undefined && t.type === "op" && ops.includes(t.op);
  const unexpected = (t: Token | undefined): ShellSyntaxError => {
    const text = t === undefined ? "newline" : t.type === "op" ? (t.op === "\n" ? "newline" : t.op) : t.type === "redir" ? t.op : "word";
    return new ShellSyntaxError(`syntax error near unexpected token \`${text}'`);
  };
  const skipNewlines = (): void => {
    while (isOp(peek(), "\n")) pos++;
  };
  /** `{`, `}`, `if`, `then`, `elif`, `else`, `fi` are reserved words: only an unquoted word that is exactly that, in command position */
  const isReserved = (t: Token | undefined, ...words: string[]): boolean =>
    t !== undefined && t.type === "word" && t.word.parts.length === 1 && t.word.parts[0]?.kind === "lit" && !t.word.parts[0].quoted && words.includes(t.word.parts[0].text);

  /** a list ends at EOF, at `)`, or at one of the reserved words that close the construct it is in */
  const parseList = (closing: false | ")" | readonly string[]): List => {
    const list: List = [];
    for (;;) {
      while (isOp(peek(), "\n", ";")) {
        if (isOp(peek(), ";") && list.length === 0) throw unexpected(peek());
        pos++;
      }
      const t = peek();
      if (t === undefined) break;
      if (closing === ")" && isOp(t, ")")) break;
      if (Array.isArray(closing) && isReserved(t, ...closing)) break;
      list.push(parseAndOr());
      const sep = peek();
      if (sep === undefined) break;
      if (isOp(sep, ";", "\n", "&")) {
        pos++;
        continue;
      }
      if (closing === ")" && isOp(sep, ")")) break;
      throw unexpected(sep);
    }
    return list;
  };

  const parseAndOr = (): AndOr => {
    const first = parsePipeline();
    const rest: AndOr["rest"] = [];
    for (let t = peek(); t && t.type === "op" && (t.op === "&&" || t.op === "||"); t = peek()) {
      pos++;
      skipNewlines();
      rest.push({ op: t.op, pipeline: parsePipeline() });
    }
    return { first, rest };
  };

  const parsePipeline = (): Pipeline => {
    let negate = false;
    const t = peek();
    if (t && t.type === "word" && t.word.parts.length === 1 && t.word.parts[0]?.kind === "lit" && !t.word.parts[0].quoted && t.word.parts[0].text === "!") {
      negate = true;
      pos++;
    }
    const commands: Command[] = [parseCommand()];
    while (isOp(peek(), "|")) {
      pos++;
      skipNewlines();
      commands.push(parseCommand());
    }
    return { negate, commands };
  };

  const parseCommand = (): Command => {
    const start = peek();
    if (start === undefined) throw unexpected(start);
    if (isOp(start, "(")) {
      pos++;
      const body = parseList(")");
      if (!isOp(peek(), ")")) throw unexpected(peek());
      pos++;
      return { type: "subshell", body, redirects: parseRedirects(), line: start.line };
    }
    if (isReserved(start, "{")) {
      pos++;
      const body = parseList(["}"]);
      if (!isReserved(peek(), "}")) throw peek() === undefined ? new ShellSyntaxError("syntax error: unexpected end of file") : unexpected(peek());
      pos++;
      return { type: "group", body, redirects: parseRedirects(), line: start.line };
    }
    if (isReserved(start, "if")) {
      pos++;
      const clauses: { cond: List; body: List }[] = [];
      let orElse: List | null = null;
      const expect = (word: string): void => {
        if (!isReserved(peek(), word)) throw peek() === undefined ? new ShellSyntaxError("syntax error: unexpected end of file") : unexpected(peek());
        pos++;
      };
      for (;;) {
        const cond = parseList(["then"]);
        expect("then");
        const body = parseList(["elif", "else", "fi"]);
        clauses.push({ cond, body });
        if (isReserved(peek(), "elif")) {
          pos++;
          continue;
        }
        if (isReserved(peek(), "else")) {
          pos++;
          orElse = parseList(["fi"]);
        }
        expect("fi");
        break;
      }
      return { type: "if", clauses, orElse, redirects: parseRedirects(), line: start.line };
    }
    const assigns: Assignment[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (let t = peek(); t !== undefined; t = peek()) {
      if (t.type === "redir") {
        redirects.push({ fd: t.fd, op: t.op, target: t.target });
        pos++;
        continue;
      }
      if (t.type !== "word") break;
      pos++;
      const first = t.word.parts[0];
      const m = words.length === 0 && first?.kind === "lit" && !first.quoted ? ASSIGN.exec(first.text) : null;
      if (m && m[1] !== undefined && first?.kind === "lit") {
        const restText = first.text.slice(m[0].length);
        const value: Word = { parts: [...(restText ? [{ ...first, text: restText }] : []), ...t.word.parts.slice(1)] };
        assigns.push({ name: m[1], value });
      } else words.push(t.word);
    }
    if (words.length === 0 && assigns.length === 0 && redirects.length === 0) throw unexpected(peek());
    return { type: "simple", assigns, words, redirects, line: start.line };
  };

  const parseRedirects = (): Redirect[] => {
    const out: Redirect[] = [];
    for (let t = peek(); t && t.type === "redir"; t = peek()) {
      out.push({ fd: t.fd, op: t.op, target: t.target });
      pos++;
    }
    return out;
  };

  const list = parseList(false);
  if (pos < tokens.length) throw unexpected(peek());
  return list;
}
