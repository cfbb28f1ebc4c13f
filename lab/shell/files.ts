import fs from "node:fs";
import path from "node:path";
import { ToolError } from "../model/types";
import type { VmName, World } from "../model/types";

/** a file the model generates on read (e.g. /proc/loadavg); null = not virtual */
export type VirtualFiles = (vm: VmName, path: string) => string | null;

export interface FileStat {
  type: "file" | "directory" | "other";
  size: number;
  mtimeMs: number;
  mode: number;
  virtual: boolean;
}

/** how commands on a VM see files: generated /proc entries first, then the VM's real folders */
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

  read(vm: VmName, p: string): string {
    const virtual = this.virtualFiles(vm, p);
    if (virtual !== null) return virtual;
    const real = this.real(vm, p);
    try {
      return fs.readFileSync(real, "utf8");
    } catch (err) {
      throw fsError(p, err);
    }
  }

  readBuffer(vm: VmName, p: string): Buffer {
    const virtual = this.virtualFiles(vm, p);
    if (virtual !== null) return Buffer.from(virtual);
    try {
      return fs.readFileSync(this.real(vm, p));
    } catch (err) {
      throw fsError(p, err);
    }
  }

  write(vm: VmName, p: string, data: string, append: boolean): void {
    if (p === "/dev/null") return;
    if (p.startsWith("/proc/") || p.startsWith("/sys/")) throw new ToolError(`${p}: Permission denied`);
    if (this.world.diskFull(vm) && (data.length > 0 || !append)) throw new ToolError(`${p}: No space left on device`);
    const real = this.real(vm, p);
    try {
      if (append) fs.appendFileSync(real, data);
      else fs.writeFileSync(real, data);
    } catch (err) {
      throw fsError(p, err);
    }
  }

  stat(vm: VmName, p: string): FileStat | null {
    const virtual = this.virtualFiles(vm, p);
    if (virtual !== null) return { type: "file", size: 0, mtimeMs: this.world.now(), mode: 0o100444, virtual: true };
    try {
      const st = fs.statSync(this.real(vm, p));
      return { type: st.isDirectory() ? "directory" : st.isFile() ? "file" : "other", size: st.size, mtimeMs: st.mtimeMs, mode: st.mode, virtual: false };
    } catch {
      return null;
    }
  }

  list(vm: VmName, p: string): string[] {
    try {
      return fs.readdirSync(this.real(vm, p)).sort();
    } catch (err) {
      throw fsError(p, err);
    }
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
