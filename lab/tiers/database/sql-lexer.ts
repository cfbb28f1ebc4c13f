export type TokenType = "ident" | "number" | "string" | "sysvar" | "op" | "end";

export interface Token {
  type: TokenType;
  /** identifier/keyword text (unquoted), string contents, or operator */
  text: string;
  upper: string;
  start: number;
  end: number;
  quoted: boolean;
}

export class SqlError extends Error {
  constructor(
    readonly errno: number,
    readonly sqlstate: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * ERROR 1064 as the server words it: the rest of the statement from the offending token, cut to 80
 * characters (MariaDB 10.11.19 shows 77 and `...` when longer), and the line of that token.
 */
export function syntaxError(sql: string, at: number, flavour: string): SqlError {
  let near = sql.slice(at).replace(/\s+$/, "");
  if (flavour === "mariadb" && near.length > 80) near = `${near.slice(0, 77)}...`;
  else if (near.length > 80) near = near.slice(0, 80);
  const line = sql.slice(0, at).split("\n").length;
  const product = flavour === "mariadb" ? "MariaDB" : "MySQL";
  return new SqlError(
    1064,
    "42000",
    `You have an error in your SQL syntax; check the manual that corresponds to your ${product} server version for the right syntax to use near '${near}' at line ${line}`,
  );
}

const OPS = ["<=>", "<>", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", ",", "(", ")", ".", ";", "%", "@"];
/** backslash escapes inside string literals (sql_mode without NO_BACKSLASH_ESCAPES) */
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", b: "\b", Z: "\u001a" };

export function tokenize(sql: string, flavour: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (type: TokenType, text: string, start: number, quoted = false): void => {
    out.push({ type, text, upper: text.toUpperCase(), start, end: i, quoted });
  };
  while (i < sql.length) {
    const c = sql[i] ?? "";
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let text = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw syntaxError(sql, start, flavour);
        const ch = sql[i] ?? "";
        if (ch === c && sql[i + 1] === c) {
          text += c;
          i += 2;
          continue;
        }
        if (ch === c) break;
        if (ch === "\\" && i + 1 < sql.length) {
          const next = sql[i + 1] ?? "";
          text += next === "%" || next === "_" ? `\\${next}` : (ESCAPES[next] ?? next);
          i += 2;
          continue;
        }
        text += ch;
        i++;
      }
      i++;
      push("string", text, start, true);
      continue;
    }
    if (c === "`") {
      const close = sql.indexOf("`", i + 1);
      if (close < 0) throw syntaxError(sql, start, flavour);
      i = close + 1;
      push("ident", sql.slice(start + 1, close), start, true);
      continue;
    }
    if (c === "@" && sql[i + 1] === "@") {
      i += 2;
      while (i < sql.length && /[A-Za-z0-9_.$]/.test(sql[i] ?? "")) i++;
      push("sysvar", sql.slice(start + 2, i), start);
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      while (i < sql.length && /[0-9.]/.test(sql[i] ?? "")) i++;
      if (/[eE]/.test(sql[i] ?? "") && /[-+0-9]/.test(sql[i + 1] ?? "")) {
        i += 2;
        while (i < sql.length && /[0-9]/.test(sql[i] ?? "")) i++;
      }
      push("number", sql.slice(start, i), start);
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i] ?? "")) i++;
      push("ident", sql.slice(start, i), start);
      continue;
    }
    const op = OPS.find((o) => sql.startsWith(o, i));
    if (!op) throw syntaxError(sql, start, flavour);
    i += op.length;
    push("op", op, start);
  }
  out.push({ type: "end", text: "", upper: "", start: sql.length, end: sql.length, quoted: false });
  return out;
}

/** a cursor over tokens with the helpers the statement parsers need */
export class Cursor {
  pos = 0;
  constructor(
    readonly sql: string,
    readonly tokens: Token[],
    readonly flavour: string,
  ) {}

  peek(offset = 0): Token {
    const t = this.tokens[this.pos + offset] ?? this.tokens[this.tokens.length - 1];
    if (!t) throw new Error("empty token list");
    return t;
  }

  next(): Token {
    const t = this.peek();
    if (t.type !== "end") this.pos++;
    return t;
  }

  /** consume the keyword(s) if they follow; true when they did */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.peek(k);
      if (t.quoted || (t.type !== "ident" && t.type !== "op") || t.upper !== words[k]) return false;
    }
    this.pos += words.length;
    return true;
  }

  expect(...words: string[]): void {
    if (!this.accept(...words)) throw this.error();
  }

  atEnd(): boolean {
    return this.peek().type === "end";
  }

  error(): SqlError {
    return syntaxError(this.sql, this.peek().start, this.flavour);
  }
}
