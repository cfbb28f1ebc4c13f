import fs from "node:fs";
import path from "node:path";
import { ToolError } from "../model/types";
import type { ExecContext, ExecResult, Tool } from "../model/types";
import { userOf } from "../shell/access";
import type { FileStat } from "../shell/files";
import type { CoreDeps } from "./deps";
import { followed, linkText } from "./file-attr-tools";
import { absPath, parseFlags, result } from "./io";

/** file tools over the VM's real folders: ls, stat, find, mkdir, touch, rm, cp, mv */
export function fileTools(deps: CoreDeps): Record<string, Tool> {
  const all = (run: (ctx: ExecContext) => ExecResult): Tool => ({ roles: "all", run });
  return {
    ls: all((ctx) => ls(ctx, deps)),
    stat: all((ctx) => stat(ctx, deps)),
    find: all((ctx) => find(ctx, deps)),
    mkdir: all((ctx) => mutate(ctx, deps, "mkdir")),
    touch: all((ctx) => mutate(ctx, deps, "touch")),
    rm: all((ctx) => mutate(ctx, deps, "rm")),
    cp: all((ctx) => copyMove(ctx, deps, "cp")),
    mv: all((ctx) => copyMove(ctx, deps, "mv")),
  };
}

function modeString(st: FileStat): string {
  const type = st.type === "directory" ? "d" : (st.mode & 0o170000) === 0o120000 ? "l" : "-";
  const bits = st.mode & 0o777;
  const rwx = (n: number): string => `${n & 4 ? "r" : "-"}${n & 2 ? "w" : "-"}${n & 1 ? "x" : "-"}`;
  return type + rwx(bits >> 6) + rwx((bits >> 3) & 7) + rwx(bits & 7);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function lsDate(ms: number): string {
  const d = new Date(ms);
  const recent = Math.abs(Date.now() - ms) < 182 * 86_400_000;
  const day = String(d.getUTCDate()).padStart(2);
  const tail = recent ? `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}` : ` ${d.getUTCFullYear()}`;
  return `${MONTHS[d.getUTCMonth()]} ${day} ${tail}`;
}

function ls(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "");
  const f = p.flags;
  const targets = p.rest.length ? p.rest : ["."];
  let out = "";
  let err = "";
  const long = f.has("l");
  const names = deps.world.access;
  const fmt = (name: string, st: FileStat): string =>
    long ? `${modeString(st)} 1 ${names.nameOf(st.uid)} ${names.nameOf(st.gid)} ${String(st.size).padStart(6)} ${lsDate(st.mtimeMs)} ${name}\n` : `${name}\n`;
  const dirs: string[] = [];
  const files: [string, FileStat][] = [];
  for (const t of targets) {
    const abs = absPath(ctx, t);
    const st = deps.files.stat(ctx.vm, abs);
    if (!st) {
      err += `ls: cannot access '${t}': No such file or directory\n`;
      continue;
    }
    if (st.type !== "directory" || f.has("d")) files.push([t, st]);
    else dirs.push(t);
  }
  // GNU ls lists file operands first, then each directory, both in sorted order
  for (const [t, st] of files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) out += fmt(t, st);
  dirs.sort();
  for (const d of dirs) {
    const abs = absPath(ctx, d);
    if (!deps.files.may(ctx.vm, abs, userOf(ctx), "r")) {
      err += `ls: cannot open directory '${d}': Permission denied\n`;
      continue;
    }
    let names = deps.files.list(ctx.vm, abs, userOf(ctx)).filter((n) => f.has("a") || f.has("A") || !n.startsWith("."));
    const stats = new Map(names.map((n) => [n, deps.files.stat(ctx.vm, path.posix.join(abs, n))]));
    if (f.has("t")) names = [...names].sort((a, b) => (stats.get(b)?.mtimeMs ?? 0) - (stats.get(a)?.mtimeMs ?? 0));
    if (f.has("r")) names.reverse();
    if (targets.length > 1) out += `${out ? "\n" : ""}${d}:\n`;
    if (long) out += `total ${names.reduce((s, n) => s + Math.ceil((stats.get(n)?.size ?? 0) / 4096) * 4, 0)}\n`;
    for (const n of names) {
      const st = stats.get(n);
      if (st) out += fmt(n, st);
    }
  }
  return result(out, err, err ? 2 : 0);
}

function isoWithNanos(ms: number): string {
  const d = new Date(ms);
  const frac = String(Math.round((ms % 1000) * 1e6)).padStart(9, "0");
  return `${d.toISOString().slice(0, 19).replace("T", " ")}.${frac} +0000`;
}

function stat(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "c", { long: { format: "c", dereference: "L" } });
  const format = p.flags.get("c")?.at(-1);
  let out = "";
  let err = "";
  for (const name of p.rest) {
    const real = deps.files.real(ctx.vm, absPath(ctx, name));
    const link = p.flags.has("L") ? null : linkText(deps.world, real);
    // without -L stat describes a symlink itself (mode 0777, its own owner, the length of its text)
    const st: FileStat | null =
      link !== null ? { type: "other", size: Buffer.byteLength(link), mtimeMs: fs.lstatSync(real).mtimeMs, mode: 0o120777, ...deps.world.access.owner(real), virtual: false } : deps.files.stat(ctx.vm, absPath(ctx, name));
    if (!st) {
      err += `stat: cannot statx '${name}': No such file or directory\n`;
      continue;
    }
    if (link === null && st.type !== "directory" && !st.virtual) {
      const target = followed(real);
      if (target && target !== real) Object.assign(st, deps.world.access.owner(target));
    }
    const typeName = link !== null ? "symbolic link" : st.type === "directory" ? "directory" : st.size === 0 ? "regular empty file" : "regular file";
    if (format === undefined) {
      out += `  File: ${name}\n  Size: ${st.size}\tBlocks: ${Math.ceil(st.size / 512)}\tIO Block: 4096   ${typeName}\nAccess: (0${(st.mode & 0o777).toString(8)}/${modeString(st)})  Uid: (${String(st.uid).padStart(5)}/${deps.world.access.nameOf(st.uid).padStart(8)})   Gid: (${String(st.gid).padStart(5)}/${deps.world.access.nameOf(st.gid).padStart(8)})\nModify: ${isoWithNanos(st.mtimeMs)}\n`;
      continue;
    }
    out +=
      format.replace(/%([a-zA-Z%])/g, (_, c: string) => {
        switch (c) {
          case "n":
            return name;
          case "N":
            return link === null ? `'${name}'` : `'${name}' -> '${link}'`;
          case "s":
            return String(st.size);
          case "Y":
          case "X":
          case "Z":
            return String(Math.floor(st.mtimeMs / 1000));
          case "y":
          case "x":
          case "z":
            return isoWithNanos(st.mtimeMs);
          case "a":
            return (st.mode & 0o777).toString(8);
          case "A":
            return modeString(st);
          case "U":
            return deps.world.access.nameOf(st.uid);
          case "G":
            return deps.world.access.nameOf(st.gid);
          case "u":
            return String(st.uid);
          case "g":
            return String(st.gid);
          case "F":
            return typeName;
          case "i":
            return "1";
          case "%":
            return "%";
          default:
            return `%${c}`;
        }
      }) + "\n";
  }
  return result(out, err, err ? 1 : 0);
}

type Pred = (p: string, name: string, st: FileStat, depth: number) => boolean;

function globRe(pat: string, flags = ""): RegExp {
  const src = pat.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${src}$`, flags);
}

function find(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const args = ctx.argv.slice(1);
  const starts: string[] = [];
  let i = 0;
  while (i < args.length && !(args[i] as string).startsWith("-") && args[i] !== "!" && args[i] !== "(") starts.push(args[i++] as string);
  if (starts.length === 0) starts.push(".");
  const preds: Pred[] = [];
  let maxdepth = Infinity;
  let mindepth = 0;
  let negate = false;
  let format: string | null = null;
  const push = (pr: Pred): void => {
    const n = negate;
    preds.push(n ? (a, b, c, d) => !pr(a, b, c, d) : pr);
    negate = false;
  };
  const now = Date.now();
  let quitAfterFirst = false;
  const cmpNum = (spec: string, value: number): boolean => {
    const n = Number(spec.replace(/^[+-]/, ""));
    return spec.startsWith("+") ? value > n : spec.startsWith("-") ? value < n : Math.ceil(value) === n;
  };
  for (; i < args.length; i++) {
    const a = args[i] as string;
    const v = args[i + 1];
    switch (a) {
      case "!":
      case "-not":
        negate = true;
        break;
      case "-name":
      case "-iname": {
        const re = globRe(v ?? "", a === "-iname" ? "i" : "");
        push((_p, name) => re.test(name));
        i++;
        break;
      }
      case "-path": {
        const re = globRe(v ?? "");
        push((p) => re.test(p));
        i++;
        break;
      }
      case "-type":
        push((_p, _n, st) => (v === "d" ? st.type === "directory" : v === "f" ? st.type === "file" : false));
        i++;
        break;
      case "-mmin":
        push((_p, _n, st) => cmpNum(v ?? "0", (now - st.mtimeMs) / 60000));
        i++;
        break;
      case "-mtime":
        push((_p, _n, st) => cmpNum(v ?? "0", Math.floor((now - st.mtimeMs) / 86_400_000)));
        i++;
        break;
      case "-newermt":
      case "-newerct": {
        // only a literal time, as `@EPOCH` (GNU find's -newerXt): the file's times are the host clock's
        const t = /^@(\d{1,12}(?:\.\d+)?)$/.exec(v ?? "");
        if (!t) return result("", `find: I cannot figure out how to interpret '${v ?? ""}' as a date or time\n`, 1);
        const ref = Number(t[1]) * 1000;
        push(a === "-newermt" ? (_p, _n, st) => st.mtimeMs > ref : (_p, _n, st) => (st.ctimeMs ?? st.mtimeMs) > ref);
        i++;
        break;
      }
      case "-quit":
        quitAfterFirst = true;
        break;
      case "-newer": {
        const ref = deps.files.stat(ctx.vm, absPath(ctx, v ?? ""));
        if (!ref) return result("", `find: '${v}': No such file or directory\n`, 1);
        push((_p, _n, st) => st.mtimeMs > ref.mtimeMs);
        i++;
        break;
      }
      case "-maxdepth":
        maxdepth = Number(v);
        i++;
        break;
      case "-mindepth":
        mindepth = Number(v);
        i++;
        break;
      case "-printf":
        format = v ?? "";
        i++;
        break;
      case "-print":
      case "-a":
      case "-and":
        break;
      default:
        return result("", `find: unknown predicate \`${a}'\n`, 1);
    }
  }
  let out = "";
  let err = "";
  let quit = false;
  const walk = (shown: string, abs: string, depth: number): void => {
    const st = deps.files.stat(ctx.vm, abs);
    if (!st) {
      err += `find: '${shown}': No such file or directory\n`;
      return;
    }
    const name = depth === 0 ? path.posix.basename(shown) || shown : path.posix.basename(abs);
    if (quit) return;
    if (depth >= mindepth && preds.every((pr) => pr(shown, name, st, depth))) {
      out += format === null ? `${shown}\n` : findPrintf(format, { shown, start: startOf(shown), name, st });
      if (quitAfterFirst) {
        quit = true;
        return;
      }
    }
    if (st.type !== "directory" || depth >= maxdepth || st.virtual) return;
    let names: string[];
    try {
      names = deps.files.list(ctx.vm, abs, userOf(ctx));
    } catch (e) {
      if (e instanceof ToolError && e.message.endsWith("Permission denied")) err += `find: '${shown}': Permission denied\n`;
      return;
    }
    for (const n of names) walk(shown.endsWith("/") ? shown + n : `${shown}/${n}`, path.posix.join(abs, n), depth + 1);
  };
  let current = "";
  const startOf = (_shown: string): string => current;
  for (const s of starts) {
    current = s;
    walk(s, absPath(ctx, s), 0);
  }
  return result(out, err, err ? 1 : 0);
}

interface PrintfEntry {
  shown: string;
  start: string;
  name: string;
  st: { type: string; size?: number; mtimeMs: number };
}

/** GNU find's -printf for the directives ClusterDeck's probes use: %p %P %f %s %T@ %y and escapes */
function findPrintf(format: string, e: PrintfEntry): string {
  const relative = e.shown === e.start ? "" : e.shown.slice(e.start.length).replace(/^\/+/, "");
  return format.replace(/%T@|%[pPfsy%]|\\[ntr0\\]/g, (d) => {
    switch (d) {
      case "%p":
        return e.shown;
      case "%P":
        return relative;
      case "%f":
        return e.name;
      case "%s":
        return String(e.st.size ?? 0);
      case "%y":
        return e.st.type === "directory" ? "d" : e.st.type === "symlink" ? "l" : "f";
      case "%T@":
        return (e.st.mtimeMs / 1000).toFixed(10);
      case "%%":
        return "%";
      case "\\n":
        return "\n";
      case "\\t":
        return "\t";
      case "\\r":
        return "\r";
      case "\\0":
        return "\0";
      default:
        return "\\";
    }
  });
}

function mutate(ctx: ExecContext, deps: CoreDeps, tool: "mkdir" | "touch" | "rm"): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "m");
  const f = p.flags;
  const user = userOf(ctx);
  let err = "";
  for (const name of p.rest) {
    const abs = absPath(ctx, name);
    try {
      const real = deps.files.real(ctx.vm, abs);
      if (tool !== "rm" && deps.world.diskFull(ctx.vm)) throw new ToolError("No space left on device");
      if (tool === "mkdir") deps.files.mkdir(ctx.vm, abs, user, f.has("p"), ctx.umask);
      else if (tool === "touch") {
        if (!fs.existsSync(real)) {
          if (!f.has("c")) deps.files.write(ctx.vm, abs, "", true, user, ctx.umask);
        } else if (deps.world.access.owner(real).uid === deps.world.access.account(user).uid || deps.files.may(ctx.vm, abs, user, "w")) {
          fs.utimesSync(real, new Date(), new Date());
        } else throw new ToolError("Permission denied");
      } else {
        if (!fs.existsSync(real)) {
          if (!f.has("f")) throw new ToolError("No such file or directory");
          continue;
        }
        deps.files.remove(ctx.vm, abs, user, f.has("r") || f.has("R"));
      }
    } catch (e) {
      const msg = e instanceof ToolError ? e.message : errnoText(e);
      const verb = tool === "mkdir" ? "cannot create directory" : tool === "touch" ? "cannot touch" : "cannot remove";
      err += `${tool}: ${verb} '${name}': ${msg.replace(/^.*: /, "")}\n`;
    }
  }
  return result("", err, err ? 1 : 0);
}

function copyMove(ctx: ExecContext, deps: CoreDeps, tool: "cp" | "mv"): ExecResult {
  const p = parseFlags(ctx.argv.slice(1), "");
  const names = p.rest;
  const user = userOf(ctx);
  const access = deps.world.access;
  if (names.length < 2) return result("", `${tool}: missing file operand\n`, 1);
  const dest = names[names.length - 1] as string;
  const destReal = deps.files.real(ctx.vm, absPath(ctx, dest));
  const destIsDir = fs.existsSync(destReal) && fs.statSync(destReal).isDirectory();
  let err = "";
  for (const src of names.slice(0, -1)) {
    try {
      const srcReal = deps.files.real(ctx.vm, absPath(ctx, src));
      const target = destIsDir ? path.join(destReal, path.basename(srcReal)) : destReal;
      if (deps.world.diskFull(ctx.vm) && tool === "cp") throw new ToolError("No space left on device");
      const existed = fs.existsSync(target);
      if (tool === "mv") {
        const denied = fs.existsSync(srcReal) ? access.removeError(user, srcReal) : null;
        const refusal = denied ?? (access.mayChange(user, path.dirname(target)) ? null : "Permission denied");
        if (refusal) {
          err += `mv: cannot move '${src}' to '${dest}': ${refusal}\n`;
          continue;
        }
        fs.renameSync(srcReal, target);
        access.moved(srcReal, target);
      } else {
        if (fs.existsSync(srcReal) && !access.may(user, srcReal, "r")) {
          err += `cp: cannot open '${src}' for reading: Permission denied\n`;
          continue;
        }
        const removeFirst = ctx.argv.includes("--remove-destination");
        const preserve = p.flags.has("p") || p.flags.has("a") || ctx.argv.some((a) => a === "--preserve" || a.startsWith("--preserve="));
        if (removeFirst && (existed || linkText(deps.world, target) !== null)) fs.rmSync(target, { force: true });
        const through = !removeFirst && existed ? followed(target) : null;
        if (through ? !access.may(user, through, "w") : !access.mayChange(user, path.dirname(target))) {
          err += `cp: cannot create regular file '${dest}': Permission denied\n`;
          continue;
        }
        if (!removeFirst && !existed && linkText(deps.world, target) !== null) {
          err += `cp: not writing through dangling symlink '${dest}'\n`;
          continue;
        }
        if (fs.statSync(srcReal).isDirectory()) fs.cpSync(srcReal, target, { recursive: p.flags.has("r") || p.flags.has("R") || p.flags.has("a") });
        else if (through && fs.statSync(through).isFile()) {
          // coreutils opens an existing destination O_TRUNC: its inode, mode and owner stay (Node's copyFile would chmod it)
          fs.writeFileSync(through, fs.readFileSync(srcReal));
        } else {
          // a new file gets the source's mode less the umask, and belongs to whoever copied it
          const umask = ctx.umask ?? 0o022;
          fs.copyFileSync(srcReal, target);
          access.created(target, user, umask);
          fs.chmodSync(target, fs.statSync(srcReal).mode & 0o777 & ~umask);
        }
        if (preserve) {
          const o = access.owner(followed(srcReal) ?? srcReal);
          const to = followed(target) ?? target;
          fs.chmodSync(to, fs.statSync(srcReal).mode & 0o7777);
          if (access.account(user).uid === 0) access.chown(to, access.nameOf(o.uid), access.nameOf(o.gid));
        }
      }
    } catch (e) {
      err += `${tool}: cannot ${tool === "cp" ? "stat" : "move"} '${src}': ${e instanceof ToolError ? e.message : errnoText(e)}\n`;
    }
  }
  return result("", err, err ? 1 : 0);
}

function errnoText(e: unknown): string {
  const code = typeof e === "object" && e !== null && "code" in e ? String(e.code) : "";
  return code === "ENOENT" ? "No such file or directory" : code === "EEXIST" ? "File exists" : code === "ENOTDIR" ? "Not a directory" : "Input/output error";
}

