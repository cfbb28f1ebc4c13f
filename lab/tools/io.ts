import path from "node:path";
import { ToolError } from "../model/types";
import type { ExecContext, ExecResult } from "../model/types";
import { userOf } from "../shell/access";
import type { VmFiles } from "../shell/files";

export function ok(stdout: string): ExecResult {
  return { stdout, stderr: "", code: 0 };
}

export function result(stdout: string, stderr: string, code: number): ExecResult {
  return { stdout, stderr, code };
}

export function absPath(ctx: ExecContext, p: string): string {
  return path.posix.resolve(ctx.cwd ?? "/", p);
}

export interface Input {
  name: string;
  text: string;
}

/** how coreutils 9.1 words a file it could not open (checked on Debian 12: head and tail say "cannot open ... for reading") */
export function openError(tool: string, name: string, reason: string): string {
  if (tool === "head" || tool === "tail") return `${tool}: cannot open '${name}' for reading: ${reason}\n`;
  if (tool === "sort") return `sort: cannot read: ${name}: ${reason}\n`;
  return `${tool}: ${name}: ${reason}\n`;
}

/** the files named on the command line, or stdin; unreadable files become error lines prefixed by the tool */
export function readInputs(ctx: ExecContext, files: VmFiles, names: string[], tool: string): { inputs: Input[]; errors: string; failed: boolean } {
  if (names.length === 0) return { inputs: [{ name: "-", text: ctx.stdin }], errors: "", failed: false };
  const inputs: Input[] = [];
  let errors = "";
  for (const n of names) {
    if (n === "-") {
      inputs.push({ name: "-", text: ctx.stdin });
      continue;
    }
    try {
      inputs.push({ name: n, text: files.read(ctx.vm, absPath(ctx, n), userOf(ctx)) });
    } catch (e) {
      if (!(e instanceof ToolError)) throw e;
      errors += openError(tool, n, e.message.replace(/^.*: /, ""));
    }
  }
  return { inputs, errors, failed: errors !== "" };
}

/** split into lines keeping track of whether the text ended with a newline */
export function lines(text: string): string[] {
  if (text === "") return [];
  const l = text.split("\n");
  if (l[l.length - 1] === "") l.pop();
  return l;
}

export function joinLines(l: string[]): string {
  return l.length ? `${l.join("\n")}\n` : "";
}

/** a getopt-style parser for short flags with optional values, e.g. -n 5, -n5, -5 */
export function parseFlags(
  args: string[],
  withValue: string,
  opts: { numericShorthand?: string; long?: Record<string, string> } = {},
): { flags: Map<string, string[]>; rest: string[]; error: string | null } {
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  const add = (k: string, v: string): void => {
    const list = flags.get(k) ?? [];
    list.push(v);
    flags.set(k, list);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--") && opts.long) {
      const [k, v] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
      const short = opts.long[k];
      if (short === undefined) return { flags, rest, error: `unrecognized option '${a}'` };
      if (withValue.includes(short)) add(short, v ?? args[++i] ?? "");
      else add(short, "");
      continue;
    }
    if (a.length > 1 && a.startsWith("-")) {
      if (opts.numericShorthand && /^-\d+$/.test(a)) {
        add(opts.numericShorthand, a.slice(1));
        continue;
      }
      for (let j = 1; j < a.length; j++) {
        const f = a[j] as string;
        if (withValue.includes(f)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined) return { flags, rest, error: `option requires an argument -- '${f}'` };
          add(f, v);
          break;
        }
        add(f, "");
      }
      continue;
    }
    rest.push(a);
  }
  return { flags, rest, error: null };
}
