import type { ExecContext } from "../../model/types";
import { splitLongOption } from "../shared/exec";
import { readOrNull } from "../shared/files";

export interface ClientOptions {
  defaultsFile: string | null;
  host: string | null;
  user: string;
  database: string | null;
  execute: string | null;
  batch: boolean;
  skipColumnNames: boolean;
  vertical: boolean;
  silent: number;
  raw: boolean;
  table: boolean;
  force: boolean;
  positional: string[];
}

export class ClientUsageError extends Error {}

/** option groups of a my.cnf-style file */
export function parseOptionFile(text: string, groups: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
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
    const key = (eq < 0 ? line : line.slice(0, eq)).trim().replace(/_/g, "-");
    const value = eq < 0 ? "" : line.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, "$2");
    out.set(key, value);
  }
  return out;
}

const WITH_VALUE_SHORT = new Set(["e", "h", "u", "D", "P", "S"]);

export function parseClientArgs(ctx: ExecContext, program: string, groups: readonly string[]): ClientOptions {
  const o: ClientOptions = {
    defaultsFile: null,
    host: null,
    user: "root",
    database: null,
    execute: null,
    batch: false,
    skipColumnNames: false,
    vertical: false,
    silent: 0,
    raw: false,
    table: false,
    force: false,
    positional: [],
  };
  const args = ctx.argv.slice(1);
  const fromFile = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a.startsWith("--")) {
      const [name, inline] = splitLongOption(a);
      const value = (): string => {
        if (inline !== undefined) return inline;
        const v = args[++i];
        if (v === undefined) throw new ClientUsageError(`${program}: option '${name}' requires an argument`);
        return v;
      };
      switch (name) {
        case "--defaults-file":
        case "--defaults-extra-file": {
          const file = value();
          let text: string | null;
          try {
            text = readOrNull(ctx.world.resolvePath(ctx.vm, file));
          } catch {
            text = null;
          }
          if (text === null) {
            throw new ClientUsageError(
              `${program}: [ERROR] Failed to open required defaults file: ${file}\n${program}: [ERROR] Fatal error in defaults handling. Program aborted!`,
            );
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
          break;
        case "--password":
        case "--socket":
        case "--port":
        case "--protocol":
        case "--connect-timeout":
        case "--default-character-set":
          if (inline === undefined && name !== "--password") i++;
          break;
        case "--database":
          o.database = value();
          break;
        case "--execute":
          o.execute = value();
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
        case "--raw":
          o.raw = true;
          break;
        case "--table":
          o.table = true;
          break;
        case "--force":
          o.force = true;
          break;
        case "--no-defaults":
        case "--verbose":
        case "--ssl-mode":
          break;
        default:
          throw new ClientUsageError(`${program}: [ERROR] unknown option '${name}'.`);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const letter = a[j] ?? "";
        if (WITH_VALUE_SHORT.has(letter)) {
          const rest = a.slice(j + 1);
          const v = rest !== "" ? rest : args[++i];
          if (v === undefined) throw new ClientUsageError(`${program}: option '-${letter}' requires an argument`);
          if (letter === "e") o.execute = v;
          else if (letter === "h") o.host = v;
          else if (letter === "u") o.user = v;
          else if (letter === "D") o.database = v;
          break;
        }
        if (letter === "p") break;
        if (letter === "B") o.batch = true;
        else if (letter === "N") o.skipColumnNames = true;
        else if (letter === "E") o.vertical = true;
        else if (letter === "s") o.silent += 1;
        else if (letter === "r") o.raw = true;
        else if (letter === "t") o.table = true;
        else if (letter === "f") o.force = true;
        else if (letter === "v" || letter === "A" || letter === "q" || letter === "n") continue;
        else throw new ClientUsageError(`${program}: [ERROR] unknown option '-${letter}'.`);
      }
      continue;
    }
    o.positional.push(a);
  }
  o.host ??= fromFile.get("host") ?? null;
  if (!args.some((a) => a.startsWith("--user") || a.startsWith("-u"))) o.user = fromFile.get("user") ?? o.user;
  o.database ??= fromFile.get("database") ?? null;
  return o;
}
