import fs from "node:fs";
import path from "node:path";
import type { VmName, World } from "../../model/types";

export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
}

export function writeIfMissing(file: string, content: string): void {
  if (fs.existsSync(file)) return;
  ensureDir(path.dirname(file));
  fs.writeFileSync(file, content);
}

export function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** a VM path mapped through the world's mounts; null when it cannot be resolved */
export function tryResolve(world: World, vm: VmName, vmPath: string): string | null {
  try {
    return world.resolvePath(vm, vmPath);
  } catch {
    return null;
  }
}

/** the folder holding the replicated DRBD resource's filesystem */
export function drbdDataDir(world: World): string {
  return path.join(world.dir, "drbd", world.settings.drbdResource);
}

/** the part of `p` below `mountPoint`, or null when `p` is not inside it */
export function below(p: string, mountPoint: string): string | null {
  const clean = path.posix.normalize(p);
  const mp = mountPoint.replace(/\/+$/, "");
  if (clean === mp || clean === `${mp}/`) return "";
  if (clean.startsWith(`${mp}/`)) return clean.slice(mp.length + 1);
  return null;
}
