import fs from "node:fs";
import { ToolError } from "../model/types";
import type { ExecContext, ExecResult, Tool } from "../model/types";
import { userOf } from "../shell/access";
import type { CoreDeps } from "./deps";
import { linkText } from "./file-attr-tools";
import { absPath, result } from "./io";
import { breToJs, posixClassesInSets } from "./text";

/**
 * A minimal GNU sed: -n, -e, -E/-r, -i[SUFFIX], --follow-symlinks, and scripts of `s` (flags g, p, i/I, a
 * number, `w /dev/stdout` or `w /dev/stderr`), `p` and `d` commands without addresses, separated by `;` or newlines.
 * Without --follow-symlinks, -i replaces a symlink by a plain file with the target's contents, mode and owner;
 * with it, the target is edited (GNU sed 4.9, checked on Debian 12). Messages and exit codes are
 * GNU sed's: 1 for a bad script or option, 2 when an input file could not be read, 4 on I/O errors
 * (a directory, no file for -i).
 */

interface Subst {
  kind: "s";
  re: RegExp;
  replacement: string;
  global: boolean;
  nth: number;
  print: boolean;
  /** GNU sed's special files for the `w` flag: the line goes there right after the substitution */
  write: "stdout" | "stderr" | null;
}

type Command = Subst | { kind: "p" } | { kind: "d" };

class ScriptError extends Error {}

function parseScript(script: string, expr: number, extended: boolean): Command[] {
  const cmds: Command[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new ScriptError(`sed: -e expression #${expr}, char ${i}: ${what}`);
  };
  while (i < script.length) {
    const c = script[i] as string;
    i++;
    if (c === ";" || c === "\n" || c === " " || c === "\t") continue;
    if (c === "p" || c === "d") {
      cmds.push({ kind: c });
      continue;
    }
    if (c !== "s") fail(`unknown command: \`${c}'`);
    const delim = script[i];
    if (delim === undefined || delim === "\n" || delim === "\\") fail("unterminated `s' command");
    i++;
    const part = (): string => {
      let out = "";
      while (i < script.length && script[i] !== delim) {
        if (script[i] === "\\" && i + 1 < script.length) {
          // an escaped delimiter is the delimiter itself; other escapes are kept for the regex
          out += script[i + 1] === delim ? (delim as string) : `\\${script[i + 1] as string}`;
          i += 2;
          continue;
        }
        if (script[i] === "\n") fail("unterminated `s' command");
        out += script[i] as string;
        i++;
      }
      if (i >= script.length) fail("unterminated `s' command");
      i++;
      return out;
    };
    const pattern = part();
    const replacement = part();
    let global = false;
    let print = false;
    let ignoreCase = false;
    let nth = 1;
    let write: Subst["write"] = null;
    while (i < script.length && !";\n} \t".includes(script[i] as string)) {
      const f = script[i] as string;
      i++;
      if (f === "w") {
        // the file name is the rest of the line, after optional blanks
        while (script[i] === " " || script[i] === "\t") i++;
        const end = script.indexOf("\n", i);
        const file = script.slice(i, end === -1 ? script.length : end);
        i = end === -1 ? script.length : end;
        if (file === "") fail("missing filename in r/R/w/W commands");
        if (file !== "/dev/stdout" && file !== "/dev/stderr") fail(`couldn't open file ${file}: the lab's sed writes only /dev/stdout and /dev/stderr`);
        write = file === "/dev/stdout" ? "stdout" : "stderr";
        break;
      }
      if (f === "g") global = true;
      else if (f === "p") print = true;
      else if (f === "i" || f === "I") ignoreCase = true;
      else if (/\d/.test(f)) {
        let n = f;
        while (i < script.length && /\d/.test(script[i] as string)) n += script[i++] as string;
        nth = Number(n);
        if (nth === 0) fail("number option to `s' command may not be zero");
      } else fail("unknown option to `s'");
    }
    const source = extended ? posixClassesInSets(pattern) : breToJs(pattern);
    let re: RegExp;
    try {
      re = new RegExp(source, ignoreCase ? "gi" : "g");
    } catch {
      fail("Unmatched ( or \\(");
      continue;
    }
    const groups = new RegExp(`${source}|`).exec("")?.length ?? 1;
    const ref = /\\([1-9])/.exec(replacement.replace(/\\\\/g, ""));
    if (ref?.[1] && Number(ref[1]) > groups - 1) fail(`invalid reference \\${ref[1]} on \`s' command's RHS`);
    cmds.push({ kind: "s", re, replacement, global, nth, print, write });
  }
  return cmds;
}

function expand(replacement: string, m: RegExpExecArray): string {
  let out = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i] as string;
    if (c === "&") out += m[0];
    else if (c === "\\" && i + 1 < replacement.length) {
      const n = replacement[++i] as string;
      if (/[0-9]/.test(n)) out += m[Number(n)] ?? "";
      else if (n === "n") out += "\n";
      else if (n === "t") out += "\t";
      else out += n;
    } else out += c;
  }
  return out;
}

function substitute(line: string, s: Subst): { text: string; replaced: boolean } {
  s.re.lastIndex = 0;
  let out = "";
  let last = 0;
  let count = 0;
  let replaced = false;
  for (let m = s.re.exec(line); m; m = s.re.exec(line)) {
    count++;
    if (count >= s.nth && (s.global || count === s.nth)) {
      out += line.slice(last, m.index) + expand(s.replacement, m);
      last = m.index + m[0].length;
      replaced = true;
      if (!s.global) break;
    }
    if (m[0] === "") s.re.lastIndex++;
  }
  return { text: replaced ? out + line.slice(last) : line, replaced };
}

function run(text: string, cmds: Command[], quiet: boolean, written: { stdout: string; stderr: string }): string {
  if (text === "") return "";
  const endsWithNewline = text.endsWith("\n");
  const input = (endsWithNewline ? text.slice(0, -1) : text).split("\n");
  const out: string[] = [];
  for (const original of input) {
    let line = original;
    let deleted = false;
    for (const c of cmds) {
      if (c.kind === "d") {
        deleted = true;
        break;
      }
      if (c.kind === "p") {
        out.push(line);
        continue;
      }
      const r = substitute(line, c);
      line = r.text;
      if (r.replaced && c.print) out.push(line);
      if (r.replaced && c.write) written[c.write] += `${line}\n`;
    }
    if (!deleted && !quiet) out.push(line);
  }
  // like GNU sed, a last line without a newline is written without one
  return out.length === 0 ? "" : `${out.join("\n")}${endsWithNewline ? "\n" : ""}`;
}

function usage(message: string): ExecResult {
  return result("", `sed: ${message}\nUsage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n`, 1);
}

export function sed(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const args = ctx.argv.slice(1);
  const scripts: string[] = [];
  const files: string[] = [];
  let quiet = false;
  let extended = false;
  let inPlace: string | null = null;
  let followSymlinks = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      files.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [name, value] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
      if (name === "expression") scripts.push(value ?? args[++i] ?? "");
      else if (name === "regexp-extended") extended = true;
      else if (name === "quiet" || name === "silent") quiet = true;
      else if (name === "in-place") inPlace = value ?? "";
      else if (name === "follow-symlinks") followSymlinks = true;
      else return usage(`unknown option -- '${name}'`);
      continue;
    }
    if (a.length > 1 && a.startsWith("-")) {
      for (let j = 1; j < a.length; j++) {
        const f = a[j] as string;
        if (f === "n") quiet = true;
        else if (f === "E" || f === "r") extended = true;
        else if (f === "i") {
          inPlace = a.slice(j + 1);
          break;
        } else if (f === "e") {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined) return usage("option requires an argument -- 'e'");
          scripts.push(v);
          break;
        } else return usage(`invalid option -- '${f}'`);
      }
      continue;
    }
    files.push(a);
  }
  if (scripts.length === 0) {
    const first = files.shift();
    if (first === undefined) return usage("no script specified");
    scripts.push(first);
  }
  let cmds: Command[];
  try {
    cmds = scripts.flatMap((s, n) => parseScript(s, n + 1, extended));
  } catch (e) {
    if (e instanceof ScriptError) return result("", `${e.message}\n`, 1);
    throw e;
  }
  if (inPlace !== null && files.length === 0) return result("", "sed: no input files\n", 4);
  let stdout = "";
  let stderr = "";
  let code = 0;
  const inputs = files.length === 0 ? ["-"] : files;
  for (const name of inputs) {
    let text: string;
    if (name === "-" && inPlace === null) text = ctx.stdin;
    else {
      const path = absPath(ctx, name);
      const st = deps.files.stat(ctx.vm, path);
      if (st?.type === "directory") {
        stderr += inPlace === null ? `sed: read error on ${name}: Is a directory\n` : `sed: couldn't edit ${name}: not a regular file\n`;
        code = 4;
        continue;
      }
      try {
        text = deps.files.read(ctx.vm, path, userOf(ctx));
      } catch (e) {
        if (!(e instanceof ToolError)) throw e;
        stderr += `sed: can't read ${name}: ${e.message.replace(/^.*: /, "")}\n`;
        code = 2;
        continue;
      }
    }
    const written = { stdout: "", stderr: "" };
    const edited = run(text, cmds, quiet, written);
    stderr += written.stderr;
    if (inPlace === null) {
      stdout += edited;
      continue;
    }
    stdout += written.stdout;
    const path = absPath(ctx, name);
    try {
      // -i writes a temporary file in the same directory and renames it over the original
      const dir = path.replace(/\/[^/]*$/, "") || "/";
      if (!deps.files.may(ctx.vm, dir, userOf(ctx), "w") || !deps.files.may(ctx.vm, dir, userOf(ctx), "x")) throw new ToolError(`${dir}: Permission denied`);
      if (inPlace !== "") deps.files.write(ctx.vm, `${path}${inPlace}`, text, false, userOf(ctx));
      const real = deps.world.resolvePath(ctx.vm, path);
      if (!followSymlinks && linkText(deps.world, real) !== null) {
        // the temporary file is renamed over the link itself: a plain file with the target's mode and owner
        const target = fs.statSync(real);
        const owner = deps.world.access.owner(real);
        fs.unlinkSync(real);
        deps.files.write(ctx.vm, path, edited, false, "root");
        fs.chmodSync(real, target.mode & 0o7777);
        deps.world.access.setup(real, deps.world.access.nameOf(owner.uid), deps.world.access.nameOf(owner.gid), target.mode & 0o7777);
      } else deps.files.write(ctx.vm, path, edited, false, "root");
    } catch (e) {
      if (!(e instanceof ToolError)) throw e;
      stderr += `sed: couldn't open temporary file ${path.replace(/[^/]*$/, "")}sedXXXXXX: ${e.message.replace(/^.*: /, "")}\n`;
      return result(stdout, stderr, 4);
    }
  }
  return result(stdout, stderr, code);
}

export function sedTool(deps: CoreDeps): Tool {
  return { roles: "all", run: (ctx) => sed(ctx, deps) };
}
