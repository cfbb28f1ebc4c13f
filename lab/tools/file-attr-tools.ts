// chmod, chown, readlink, ln, install as coreutils 9.1 (Debian 12) behave on the files an operator keeps
// (checked as root on Debian 12: chmod/chown follow a symlink to its target, `chown -h` changes the link,
// `install` unlinks what is there and makes a new file, mode 0755 unless -m; docs/lab.md "File tools").

import fs from "node:fs";
import path from "node:path";
import { ToolError } from "../model/types";
import type { ExecContext, ExecResult, Tool, VmName, World } from "../model/types";
import { userOf } from "../shell/access";
import type { CoreDeps } from "./deps";
import { absPath, result } from "./io";

/** what `ln -s` was given, per real link path: the lab stores links relative inside the VM, readlink shows the text */
const linkTexts = new WeakMap<World, Map<string, string>>();

function texts(world: World): Map<string, string> {
  let m = linkTexts.get(world);
  if (!m) {
    m = new Map();
    linkTexts.set(world, m);
  }
  return m;
}

/** the text of a symlink as `readlink` prints it, or null when the path is no symlink */
export function linkText(world: World, real: string): string | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(real);
  } catch {
    return null;
  }
  if (!st.isSymbolicLink()) return null;
  return texts(world).get(path.resolve(real)) ?? fs.readlinkSync(real);
}

/**
 * Make a symlink on a VM. The real link points inside the lab's folders (never at the host's own
 * /etc): an absolute or climbing target is resolved as a path on the VM and stored relative to the link.
 */
export function makeLink(world: World, vm: VmName, target: string, linkPath: string): void {
  const real = world.resolvePath(vm, linkPath);
  const onVm = path.posix.resolve(path.posix.dirname(linkPath), target);
  const realTarget = world.resolvePath(vm, onVm);
  fs.symlinkSync(path.relative(path.dirname(real), realTarget) || ".", real);
  texts(world).set(path.resolve(real), target);
}

/** the real path a VM path ends at once its symlinks are followed; null when it does not exist */
export function followed(real: string): string | null {
  try {
    return fs.realpathSync(real);
  } catch {
    return null;
  }
}

function ownsOrRoot(deps: CoreDeps, user: string, real: string): boolean {
  const a = deps.world.access.account(user);
  return a.uid === 0 || deps.world.access.owner(real).uid === a.uid;
}

/** chmod's MODE: octal, or symbolic clauses like u+x,go-rwx,a=r */
export function applyMode(spec: string, current: number, isDir: boolean): number | null {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let mode = current & 0o7777;
  for (const clause of spec.split(",")) {
    const m = /^([ugoa]*)([-+=])([rwxX]*)$/.exec(clause);
    if (!m) return null;
    const who = m[1] || "a";
    const perm = m[3] ?? "";
    let bits = 0;
    if (perm.includes("r")) bits |= 4;
    if (perm.includes("w")) bits |= 2;
    if (perm.includes("x") || (perm.includes("X") && (isDir || (current & 0o111) !== 0))) bits |= 1;
    let mask = 0;
    let value = 0;
    for (const w of who === "a" ? "ugo" : who) {
      const shift = w === "u" ? 6 : w === "g" ? 3 : 0;
      mask |= 7 << shift;
      value |= bits << shift;
    }
    if (m[2] === "+") mode |= value;
    else if (m[2] === "-") mode &= ~value;
    else mode = (mode & ~mask) | value;
  }
  return mode;
}

function split(args: string[]): { opts: string[]; rest: string[] } {
  const opts: string[] = [];
  const rest: string[] = [];
  let ended = false;
  for (const a of args) {
    if (!ended && a === "--") ended = true;
    else if (!ended && a.startsWith("-") && a.length > 1 && (a.startsWith("--") || (!/^-[0-7]+$/.test(a) && !/^-[ugoa]*[-+=]/.test(a)))) opts.push(a);
    else rest.push(a);
  }
  return { opts, rest };
}

function chmod(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const { opts, rest } = split(ctx.argv.slice(1));
  const ref = opts.find((o) => o.startsWith("--reference="))?.slice("--reference=".length);
  const user = userOf(ctx);
  let modeSpec: string | null;
  let files = rest;
  if (ref !== undefined) {
    const r = followed(deps.files.real(ctx.vm, absPath(ctx, ref)));
    if (!r) return result("", `chmod: failed to get attributes of '${ref}': No such file or directory\n`, 1);
    modeSpec = (fs.statSync(r).mode & 0o7777).toString(8);
  } else {
    modeSpec = rest[0] ?? null;
    files = rest.slice(1);
  }
  if (modeSpec === null) return result("", "chmod: missing operand\nTry 'chmod --help' for more information.\n", 1);
  if (files.length === 0) return result("", `chmod: missing operand after '${modeSpec}'\nTry 'chmod --help' for more information.\n`, 1);
  let err = "";
  for (const f of files) {
    const real = followed(deps.files.real(ctx.vm, absPath(ctx, f)));
    if (!real) {
      err += `chmod: cannot access '${f}': No such file or directory\n`;
      continue;
    }
    const st = fs.statSync(real);
    const mode = applyMode(modeSpec, st.mode, st.isDirectory());
    if (mode === null) return result("", `chmod: invalid mode: '${modeSpec}'\nTry 'chmod --help' for more information.\n`, 1);
    if (!ownsOrRoot(deps, user, real)) {
      err += `chmod: changing permissions of '${f}': Operation not permitted\n`;
      continue;
    }
    fs.chmodSync(real, mode);
  }
  return result("", err, err ? 1 : 0);
}

function chown(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const { opts, rest } = split(ctx.argv.slice(1));
  const noDeref = opts.includes("-h") || opts.includes("--no-dereference");
  const ref = opts.find((o) => o.startsWith("--reference="))?.slice("--reference=".length);
  const access = deps.world.access;
  // OWNER, OWNER:GROUP, OWNER: (the owner's login group), :GROUP; the --reference file's owner and group
  let owner: string | null;
  let group: string | "login" | null;
  let files = rest;
  if (ref !== undefined) {
    const r = followed(deps.files.real(ctx.vm, absPath(ctx, ref)));
    if (!r) return result("", `chown: failed to get attributes of '${ref}': No such file or directory\n`, 1);
    const o = access.owner(r);
    owner = access.nameOf(o.uid);
    group = access.nameOf(o.gid);
  } else {
    const spec = rest[0];
    files = rest.slice(1);
    if (spec === undefined) return result("", "chown: missing operand\nTry 'chown --help' for more information.\n", 1);
    const sep = spec.search(/[:.]/);
    owner = (sep < 0 ? spec : spec.slice(0, sep)) || null;
    const g = sep < 0 ? null : spec.slice(sep + 1);
    group = g === null ? null : g === "" ? "login" : g;
    if (owner !== null && !access.existing(owner)) return result("", `chown: invalid user: '${spec}'\n`, 1);
    if (group !== null && group !== "login" && !access.existing(group)) return result("", `chown: invalid group: '${spec}'\n`, 1);
  }
  if (files.length === 0) return result("", `chown: missing operand after '${rest[0] ?? ""}'\nTry 'chown --help' for more information.\n`, 1);
  let err = "";
  for (const f of files) {
    const linkReal = deps.files.real(ctx.vm, absPath(ctx, f));
    const real = noDeref && linkText(deps.world, linkReal) !== null ? linkReal : followed(linkReal);
    if (!real) {
      err += `chown: cannot access '${f}': No such file or directory\n`;
      continue;
    }
    if (access.account(userOf(ctx)).uid !== 0) {
      err += `chown: changing ownership of '${f}': Operation not permitted\n`;
      continue;
    }
    const now = access.owner(real);
    const newOwner = owner ?? access.nameOf(now.uid);
    const newGroup = group === "login" ? access.nameOf(access.account(newOwner).gid) : (group ?? access.nameOf(now.gid));
    access.chown(real, newOwner, newGroup);
  }
  return result("", err, err ? 1 : 0);
}

function readlink(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const { opts, rest } = split(ctx.argv.slice(1));
  const flags = opts.join("");
  const canon = /f|canonicalize(?!-)/.test(flags) ? "f" : /e|canonicalize-existing/.test(flags) ? "e" : /m|canonicalize-missing/.test(flags) ? "m" : null;
  const nl = /n|no-newline/.test(flags.replace(/canonicalize/g, "")) ? "" : "\n";
  let out = "";
  let code = 0;
  for (const f of rest) {
    const vmPath = absPath(ctx, f);
    if (canon === null) {
      const t = linkText(deps.world, deps.files.real(ctx.vm, vmPath));
      if (t === null) code = 1;
      else out += `${t}${nl}`;
      continue;
    }
    const resolved = canonical(deps, ctx.vm, vmPath, canon);
    if (resolved === null) code = 1;
    else out += `${resolved}${nl}`;
  }
  return result(out, "", code);
}

/** readlink -f/-e/-m: the path on the VM with every symlink followed (-f: all but the last part must exist) */
function canonical(deps: CoreDeps, vm: VmName, vmPath: string, mode: "f" | "e" | "m"): string | null {
  const parts = vmPath.split("/").filter(Boolean);
  let cur = "/";
  for (let i = 0, hops = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === ".") continue;
    if (part === "..") {
      cur = path.posix.dirname(cur);
      continue;
    }
    const next = path.posix.join(cur, part);
    const real = deps.files.real(vm, next);
    const t = linkText(deps.world, real);
    if (t !== null) {
      if (++hops > 40) return null;
      const target = path.posix.resolve(cur, t);
      parts.splice(0, i + 1, ...target.split("/").filter(Boolean));
      i = -1;
      cur = "/";
      continue;
    }
    const exists = fs.existsSync(real);
    const last = i === parts.length - 1;
    if (!exists && (mode === "e" || (mode === "f" && !last))) return null;
    cur = next;
  }
  return cur;
}

function ln(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const { opts, rest } = split(ctx.argv.slice(1));
  const flags = opts.join("");
  if (!/s|symbolic/.test(flags)) return result("", "ln: the lab makes symbolic links only (ln -s)\n", 1);
  const force = /f|force/.test(flags);
  const [target, link] = rest;
  if (target === undefined || link === undefined) return result("", "ln: missing file operand\nTry 'ln --help' for more information.\n", 1);
  const vmLink = absPath(ctx, link);
  const real = deps.files.real(ctx.vm, vmLink);
  const existsAsLink = linkText(deps.world, real) !== null;
  if (fs.existsSync(real) || existsAsLink) {
    if (!force) return result("", `ln: failed to create symbolic link '${link}': File exists\n`, 1);
    fs.rmSync(real, { force: true });
  }
  if (!deps.world.access.mayChange(userOf(ctx), path.dirname(real))) return result("", `ln: failed to create symbolic link '${link}': Permission denied\n`, 1);
  makeLink(deps.world, ctx.vm, target, vmLink);
  return result("", "", 0);
}

/** install SRC DEST: unlink DEST (a symlink is replaced, not followed), copy, then mode (0755 unless -m) and owner */
function install(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const args = ctx.argv.slice(1);
  let mode = 0o755;
  let owner: string | null = null;
  let group: string | null = null;
  let dirs = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const val = (): string => args[++i] ?? "";
    if (a === "-m" || a === "--mode") {
      const m = applyMode(val(), 0o755, false);
      if (m === null) return result("", `install: invalid mode '${args[i] ?? ""}'\n`, 1);
      mode = m;
    } else if (a.startsWith("--mode=") || (a.startsWith("-m") && a.length > 2)) {
      const m = applyMode(a.startsWith("--") ? a.slice(7) : a.slice(2), 0o755, false);
      if (m === null) return result("", `install: invalid mode '${a}'\n`, 1);
      mode = m;
    } else if (a === "-o" || a === "--owner") owner = val();
    else if (a === "-g" || a === "--group") group = val();
    else if (a === "-d" || a === "--directory") dirs = true;
    else if (a === "-D" || a === "-p" || a === "-C" || a === "-v" || a === "--preserve-timestamps" || a === "--compare") continue;
    else rest.push(a);
  }
  const access = deps.world.access;
  const root = access.account(userOf(ctx)).uid === 0;
  if ((owner !== null || group !== null) && !root) return result("", `install: cannot change ownership of '${rest[rest.length - 1] ?? ""}': Operation not permitted\n`, 1);
  if (owner !== null && !access.existing(owner)) return result("", `install: invalid user '${owner}'\n`, 1);
  if (group !== null && !access.existing(group)) return result("", `install: invalid group '${group}'\n`, 1);
  const who = owner ?? userOf(ctx);
  const grp = group ?? access.account(who).name;
  if (dirs) {
    for (const d of rest) {
      deps.files.mkdir(ctx.vm, absPath(ctx, d), userOf(ctx), true);
      const real = deps.files.real(ctx.vm, absPath(ctx, d));
      access.setup(real, who, grp, mode);
    }
    return result("", "", 0);
  }
  const [src, dest] = rest;
  if (src === undefined || dest === undefined) return result("", "install: missing destination file operand\n", 1);
  try {
    const data = deps.files.readBuffer(ctx.vm, absPath(ctx, src), userOf(ctx));
    let destVm = absPath(ctx, dest);
    const destReal0 = deps.files.real(ctx.vm, destVm);
    if (fs.existsSync(destReal0) && fs.statSync(destReal0).isDirectory() && linkText(deps.world, destReal0) === null) destVm = path.posix.join(destVm, path.posix.basename(src));
    const real = deps.files.real(ctx.vm, destVm);
    if (!access.mayChange(userOf(ctx), path.dirname(real))) return result("", `install: cannot create regular file '${dest}': Permission denied\n`, 1);
    if (deps.world.diskFull(ctx.vm)) throw new ToolError("No space left on device");
    fs.rmSync(real, { force: true });
    fs.writeFileSync(real, data);
    access.setup(real, who, grp, mode);
  } catch (e) {
    const msg = e instanceof ToolError ? e.message.replace(/^.*: /, "") : "Input/output error";
    return result("", `install: cannot create regular file '${dest}': ${msg}\n`, 1);
  }
  return result("", "", 0);
}

export function fileAttrTools(deps: CoreDeps): Record<string, Tool> {
  const all = (run: (ctx: ExecContext) => ExecResult): Tool => ({ roles: "all", run });
  return {
    chmod: all((ctx) => chmod(ctx, deps)),
    chown: all((ctx) => chown(ctx, deps)),
    readlink: all((ctx) => readlink(ctx, deps)),
    ln: all((ctx) => ln(ctx, deps)),
    install: all((ctx) => install(ctx, deps)),
  };
}
