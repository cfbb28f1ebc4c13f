import fs from "node:fs";
import path from "node:path";
import { ToolError } from "../model/types";
import type { VmName, World } from "../model/types";
import type { Want } from "./access";

/** a file the model generates on read (e.g. /proc/loadavg); null = not virtual */
export type VirtualFiles = (vm: VmName, path: string) => string | null;

export interface FileStat {
  type: "file" | "directory" | "other";
  size: number;
  mtimeMs: number;
  /** status change: content, mode, owner or (for a folder) its entries */
  ctimeMs?: number;
  mode: number;
  uid: number;
  gid: number;
  virtual: boolean;
}

/**
 * How commands on a VM see files: generated /proc entries first, then the VM's real folders.
 * Every read, write and listing names the account doing it and fails as the kernel would
 * (`<path>: Permission denied`) when the file's owner, group and mode do not allow it.
 */
export class VmFiles {
  constructor(
    private readonly world: World,
    private readonly virtualFiles: VirtualFiles,
  ) {}

  absolute(cwd: string, p: string): string {
    return path.posix.resolve(cwd, p);
  }

  real(vm: VmName, p: string): string {
    return this.world.resolvePath(vm, p);
  }

  read(vm: VmName, p: string, user: string): string {
    const virtual = this.virtualFiles(vm, p);
    if (virtual !== null) return virtual;
    return this.readBuffer(vm, p, user).toString("utf8");
  }

  readBuffer(vm: VmName, p: string, user: string): Buffer {
    const virtual = this.virtualFiles(vm, p);
    if (virtual !== null) return Buffer.from(virtual);
    try {
      const real = this.real(vm, p);
      if (fs.existsSync(real) && !fs.statSync(real).isDirectory()) this.demand(user, real, p, "r");
      return fs.readFileSync(real);
    } catch (err) {
      throw fsError(p, err);
    }
  }

  /** write (or append) as `user`: an existing file needs w on it, a new one w on its directory and is then theirs */
  write(vm: VmName, p: string, data: string, append: boolean, user: string, umask = 0o022): void {
    if (p === "/dev/null") return;
    if (p.startsWith("/proc/") || p.startsWith("/sys/")) throw new ToolError(`${p}: Permission denied`);
    if (this.world.diskFull(vm) && (data.length > 0 || !append)) throw new ToolError(`${p}: No space left on device`);
    try {
      const real = this.real(vm, p);
      const exists = fs.existsSync(real);
      if (exists && !fs.statSync(real).isDirectory()) this.demand(user, real, p, "w");
      if (!exists && fs.existsSync(path.dirname(real)) && !this.world.access.mayChange(user, path.dirname(real))) throw new ToolError(`${p}: Permission denied`);
      if (append) fs.appendFileSync(real, data);
      else fs.writeFileSync(real, data);
      if (!exists) this.world.access.created(real, user, umask);
    } catch (err) {
      throw fsError(p, err);
    }
  }

  /** mkdir as `user` (with `parents`, each missing directory on the way), each new directory theirs */
  mkdir(vm: VmName, p: string, user: string, parents: boolean, umask = 0o022): void {
    try {
      const real = this.real(vm, p);
      if (fs.existsSync(real)) {
        if (parents && fs.statSync(real).isDirectory()) return;
        throw new ToolError(`${p}: File exists`);
      }
      const parent = path.posix.dirname(p);
      if (parents && parent !== p) this.mkdir(vm, parent, user, true, umask);
      const realParent = path.dirname(real);
      if (fs.existsSync(realParent) && !this.world.access.mayChange(user, realParent)) throw new ToolError(`${p}: Permission denied`);
      fs.mkdirSync(real);
      this.world.access.created(real, user, umask);
    } catch (err) {
      throw fsError(p, err);
    }
  }

  /** remove a file (or a tree with `recursive`) as `user`: w on its directory, and its owner's in a sticky one */
  remove(vm: VmName, p: string, user: string, recursive: boolean): void {
    try {
      const real = this.real(vm, p);
      const st = fs.lstatSync(real);
      if (st.isDirectory() && !recursive) throw new ToolError(`${p}: Is a directory`);
      const denied = this.world.access.removeError(user, real);
      if (denied) throw new ToolError(`${p}: ${denied}`);
      fs.rmSync(real, { recursive: true, force: true });
    } catch (err) {
      throw fsError(p, err);
    }
  }

  stat(vm: VmName, p: string): FileStat | null {
    const virtual = this.virtualFiles(vm, p);
    if (virtual !== null) return { type: "file", size: 0, mtimeMs: this.world.now(), mode: 0o100444, uid: 0, gid: 0, virtual: true };
    try {
      const real = this.real(vm, p);
      const st = fs.statSync(real);
      const owner = this.world.access.owner(real);
      return {
        type: st.isDirectory() ? "directory" : st.isFile() ? "file" : "other",
        size: st.size,
        mtimeMs: st.mtimeMs,
        ctimeMs: st.ctimeMs,
        mode: st.mode,
        uid: owner.uid,
        gid: owner.gid,
        virtual: false,
      };
    } catch {
      return null;
    }
  }

  /** may `user` read, write or search this path (false when it does not exist) */
  may(vm: VmName, p: string, user: string, want: Want): boolean {
    if (this.virtualFiles(vm, p) !== null) return want === "r" || this.world.access.account(user).uid === 0;
    try {
      return this.world.access.may(user, this.real(vm, p), want);
    } catch {
      return false;
    }
  }

  list(vm: VmName, p: string, user: string): string[] {
    try {
      const real = this.real(vm, p);
      if (fs.existsSync(real) && fs.statSync(real).isDirectory()) this.demand(user, real, p, "r");
      return fs.readdirSync(real).sort();
    } catch (err) {
      throw fsError(p, err);
    }
  }

  private demand(user: string, real: string, p: string, want: Want): void {
    if (!this.world.access.may(user, real, want)) throw new ToolError(`${p}: Permission denied`);
  }
}

export function fsError(p: string, err: unknown): ToolError {
  if (err instanceof ToolError) return err;
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  const reason =
    code === "ENOENT" ? "No such file or directory"
    : code === "EISDIR" ? "Is a directory"
    : code === "ENOTDIR" ? "Not a directory"
    : code === "EACCES" || code === "EPERM" ? "Permission denied"
    : code === "ENOSPC" ? "No space left on device"
    : "Input/output error";
  return new ToolError(`${p}: ${reason}`);
}
