import type { ExecContext } from "../../model/types";
import { splitLongOption } from "../shared/exec";
import { readOrNull } from "../shared/files";

export interface ClientOptions {
  defaultsFile: string | null;
  host: string | null;
  port: number;
  socket: string | null;
  user: string;
  /** null: none given (`using password: NO`) */
  password: string | null;
  database: string | null;
  execute: string | null;
  batch: boolean;
  skipColumnNames: boolean;
  vertical: boolean;
  silent: number;
  verbose: number;
  raw: boolean;
  table: boolean;
  force: boolean;
  /** MariaDB's --print-query-on-error (on by default): echo a failed statement before its error */
  printQueryOnError: boolean;
  positional: string[];
}

/** a refused command line: the client's message and its exit code (my_getopt's) */
export class ClientUsageError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** an option file's value as the MariaDB option reader keeps it: quotes removed, `\n \t \r \b \s \\` escapes read */
export function optionValue(raw: string): string {
  const v = raw.trim();
  const quoted = /^(['"])(.*)\1$/.exec(v);
  const body = quoted ? (quoted[2] ?? "") : v;
  const esc: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", s: " ", "\\": "\\" };
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? "";
    const next = body[i + 1];
    if (c === "\\" && next !== undefined && next in esc) {
      out += esc[next] ?? next;
      i++;
    } else out += c;
  }
  return out;
}

/** the options of the given groups of a my.cnf-style file, in file order: name as written, value unquoted (null for a bare flag) */
export function optionEntries(text: string, groups: readonly string[]): [string, string | null][] {
  const out: [string, string | null][] = [];
  let active = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const group = /^\[(.+)\]$/.exec(line);
    if (group) {
      active = groups.includes((group[1] ?? "").trim());
      continue;
    }
    if (!active) continue;
    const eq = line.indexOf("=");
    out.push(eq < 0 ? [line, null] : [line.slice(0, eq).trim(), optionValue(line.slice(eq + 1))]);
  }
  return out;
}

/** option groups of a my.cnf-style file, names with `_` as `-`, the last setting winning */
export function parseOptionFile(text: string, groups: readonly string[]): Map<string, string> {
  return new Map(optionEntries(text, groups).map(([name, value]) => [name.replace(/_/g, "-"), value ?? ""]));
}

const WITH_VALUE_SHORT = new Set(["e", "h", "u", "D", "P", "S"]);
const VALUE_OPTIONS = new Set(["--protocol", "--connect-timeout", "--default-character-set", "--ssl-mode", "--max-allowed-packet", "--init-command"]);
const FLAG_OPTIONS = new Set(["--no-defaults", "--ssl", "--skip-ssl", "--compress", "--unbuffered", "--no-auto-rehash", "--skip-auto-rehash", "--line-numbers", "--skip-line-numbers"]);

/** the operating-system account running the client (unix_socket logins, the default MySQL user name) */
export function osUser(ctx: ExecContext): string {
  return ctx.user ?? "root";
}

/** the client's options before its command line and option files say otherwise */
export function clientDefaults(ctx: ExecContext, set: Partial<ClientOptions> = {}): ClientOptions {
  return {
    defaultsFile: null,
    host: null,
    port: 3306,
    socket: null,
    user: osUser(ctx),
    password: null,
    database: null,
    execute: null,
    batch: false,
    skipColumnNames: false,
    vertical: false,
    silent: 0,
    verbose: 0,
    raw: false,
    table: false,
    force: false,
    printQueryOnError: true,
    positional: [],
    ...set,
  };
}

/**
 * The mysql/mariadb client's command line. MariaDB's my_getopt reads option files only when
 * --defaults-file comes first; later it is an unknown variable (exit 7), an unknown option exits 2,
 * a missing argument 5 (mariadb 15.1 from 10.11.19).
 */
export function parseClientArgs(ctx: ExecContext, program: string, groups: readonly string[]): ClientOptions {
  const mariadb = ctx.world.settings.mysqlFlavour === "mariadb";
  const o = clientDefaults(ctx);
  const args = ctx.argv.slice(1);
  const fromFile = new Map<string, string>();
  const unknown = (a: string, inline: string | undefined): ClientUsageError =>
    mariadb
      ? inline === undefined
        ? new ClientUsageError(`${program}: unknown option '${a}'`, 2)
        : new ClientUsageError(`${program}: unknown variable '${a.slice(2)}'`, 7)
      : new ClientUsageError(`${program}: [ERROR] unknown option '${a.split("=")[0] ?? a}'.`, 1);
  const needsArg = (name: string): ClientUsageError =>
    mariadb ? new ClientUsageError(`${program}: option '${name}' requires an argument`, 5) : new ClientUsageError(`${program}: option '${name}' requires an argument`, 1);
  let userGiven = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a === "--") {
      o.positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [name, inline] = splitLongOption(a);
      const value = (): string => {
        if (inline !== undefined) return inline;
        const v = args[++i];
        if (v === undefined) throw needsArg(name);
        return v;
      };
      switch (name) {
        case "--defaults-file":
        case "--defaults-extra-file": {
          if (mariadb && i !== 0) throw unknown(a, inline ?? "");
          const file = value();
          let text: string | null;
          try {
            text = readOrNull(ctx.world.resolvePath(ctx.vm, file));
          } catch {
            text = null;
          }
          if (text === null) {
            throw mariadb
              ? new ClientUsageError(`Could not open required defaults file: ${file}\nFatal error in defaults handling. Program aborted`, 1)
              : new ClientUsageError(`${program}: [ERROR] Failed to open required defaults file: ${file}\n${program}: [ERROR] Fatal error in defaults handling. Program aborted!`, 1);
          }
          o.defaultsFile = file;
          for (const [k, v] of parseOptionFile(text, groups)) fromFile.set(k, v);
          break;
        }
        case "--host":
          o.host = value();
          break;
        case "--user":
          o.user = value();
          userGiven = true;
          break;
        case "--password":
          o.password = inline ?? "";
          break;
        case "--socket":
          o.socket = value();
          break;
        case "--port":
          o.port = Number(value());
          break;
        case "--database":
          o.database = value();
          break;
        case "--execute":
          // -e turns --force off; a --force after it turns it on again (checked on mariadb 15.1)
          o.execute = value();
          o.force = false;
          break;
        case "--print-query-on-error":
          o.printQueryOnError = true;
          break;
        case "--skip-print-query-on-error":
          o.printQueryOnError = false;
          break;
        case "--batch":
          o.batch = true;
          break;
        case "--skip-column-names":
          o.skipColumnNames = true;
          break;
        case "--vertical":
          o.vertical = true;
          break;
        case "--silent":
          o.silent += 1;
          break;
        case "--verbose":
          o.verbose += 1;
          break;
        case "--raw":
          o.raw = true;
          break;
        case "--table":
          o.table = true;
          break;
        case "--force":
          o.force = true;
          break;
        default:
          if (VALUE_OPTIONS.has(name)) value();
          else if (!FLAG_OPTIONS.has(name)) throw unknown(a, inline);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const letter = a[j] ?? "";
        if (WITH_VALUE_SHORT.has(letter)) {
          const rest = a.slice(j + 1);
          const v = rest !== "" ? rest : args[++i];
          if (v === undefined) throw needsArg(`-${letter}`);
          if (letter === "e") {
            o.execute = v;
            o.force = false;
          } else if (letter === "h") o.host = v;
          else if (letter === "u") {
            o.user = v;
            userGiven = true;
          } else if (letter === "D") o.database = v;
          else if (letter === "P") o.port = Number(v);
          else if (letter === "S") o.socket = v;
          break;
        }
        if (letter === "p") {
          o.password = a.slice(j + 1);
          break;
        }
        if (letter === "B") o.batch = true;
        else if (letter === "N") o.skipColumnNames = true;
        else if (letter === "E") o.vertical = true;
        else if (letter === "s") o.silent += 1;
        else if (letter === "v") o.verbose += 1;
        else if (letter === "r") o.raw = true;
        else if (letter === "t") o.table = true;
        else if (letter === "f") o.force = true;
        else if (letter === "A" || letter === "q" || letter === "n") continue;
        else throw mariadb ? new ClientUsageError(`${program}: unknown option '-${letter}'`, 2) : new ClientUsageError(`${program}: [ERROR] unknown option '-${letter}'.`, 1);
      }
      continue;
    }
    o.positional.push(a);
  }
  o.host ??= fromFile.get("host") ?? null;
  if (!userGiven) o.user = fromFile.get("user") ?? o.user;
  if (o.password === null && fromFile.has("password")) o.password = fromFile.get("password") ?? "";
  o.socket ??= fromFile.get("socket") ?? null;
  const port = fromFile.get("port");
  if (port !== undefined && !args.some((x) => x.startsWith("--port") || x.startsWith("-P"))) o.port = Number(port);
  o.database ??= fromFile.get("database") ?? null;
  return o;
}
