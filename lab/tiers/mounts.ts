import type { ExecContext, ExecResult, Tool, VmName } from "../model/types";
import { fail, ok } from "./shared/exec";

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string;
}

/** a tier's mounts on its VMs: what is mounted now, and how to mount/unmount its fstab entries */
export interface MountHandler {
  entries(vm: VmName): MountEntry[];
  /** does this handler own the fstab entry with this target or source on vm? */
  owns(vm: VmName, targetOrSource: string): boolean;
  mount(ctx: ExecContext, targetOrSource: string): ExecResult;
  umount(ctx: ExecContext, targetOrSource: string): ExecResult;
  mountAll(ctx: ExecContext): ExecResult;
}

const BASE: MountEntry[] = [
  { source: "sysfs", target: "/sys", fstype: "sysfs", options: "rw,nosuid,nodev,noexec,relatime" },
  { source: "proc", target: "/proc", fstype: "proc", options: "rw,nosuid,nodev,noexec,relatime" },
  {
    source: "udev",
    target: "/dev",
    fstype: "devtmpfs",
    options: "rw,nosuid,relatime,size=1989960k,nr_inodes=497490,mode=755,inode64",
  },
  {
    source: "devpts",
    target: "/dev/pts",
    fstype: "devpts",
    options: "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000",
  },
  { source: "tmpfs", target: "/run", fstype: "tmpfs", options: "rw,nosuid,nodev,noexec,relatime,size=401680k,mode=755,inode64" },
  { source: "/dev/vda1", target: "/", fstype: "ext4", options: "rw,relatime,errors=remount-ro" },
];

export function allMounts(handlers: readonly MountHandler[], vm: VmName): MountEntry[] {
  return [...BASE, ...handlers.flatMap((h) => h.entries(vm))];
}

export function procMounts(handlers: readonly MountHandler[], vm: VmName): string {
  return allMounts(handlers, vm)
    .map((m) => `${m.source} ${m.target} ${m.fstype} ${m.options} 0 0\n`)
    .join("");
}

function typeFilter(args: string[]): Set<string> | null {
  const i = args.findIndex((a) => a === "-t" || a === "--types");
  const inline = args.find((a) => a.startsWith("--types=") || (a.startsWith("-t") && a.length > 2));
  const value = i >= 0 ? args[i + 1] : inline?.replace(/^--types=|^-t/, "");
  return value ? new Set(value.split(",")) : null;
}

function positional(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a === "-t" || a === "-o" || a === "--types" || a === "--options" || a === "--output") {
      i++;
      continue;
    }
    if (!a.startsWith("-")) out.push(a);
  }
  return out;
}

export function mountTool(handlers: readonly MountHandler[]): Tool {
  return {
    roles: ["web", "fs"],
    run(ctx) {
      const args = ctx.argv.slice(1);
      const pos = positional(args);
      if (args.includes("-a")) {
        for (const h of handlers) {
          const r = h.mountAll(ctx);
          if (r.code !== 0) return r;
        }
        return ok();
      }
      if (pos.length === 0) {
        const types = typeFilter(args);
        const lines = allMounts(handlers, ctx.vm)
          .filter((m) => !types || types.has(m.fstype))
          .map((m) => `${m.source} on ${m.target} type ${m.fstype} (${m.options})\n`);
        return ok(lines.join(""));
      }
      const target = pos[pos.length - 1] ?? "";
      const handler = handlers.find((h) => h.owns(ctx.vm, target) || pos.some((p) => h.owns(ctx.vm, p)));
      if (!handler) return fail(`mount: ${target}: can't find in /etc/fstab.\n`, 1);
      return handler.mount(ctx, target);
    },
  };
}

export function umountTool(handlers: readonly MountHandler[]): Tool {
  return {
    roles: ["web", "fs"],
    run(ctx) {
      const pos = positional(ctx.argv.slice(1));
      const target = pos[0];
      if (!target) return fail("Usage:\n umount [-hV]\n umount -a [options]\n umount [options] <source> | <directory>\n", 1);
      const handler = handlers.find((h) => h.owns(ctx.vm, target));
      if (!handler) return fail(`umount: ${target}: not mounted.\n`, 32);
      return handler.umount(ctx, target);
    },
  };
}

const COLUMNS: Record<string, (m: MountEntry) => string> = {
  TARGET: (m) => m.target,
  SOURCE: (m) => m.source,
  FSTYPE: (m) => m.fstype,
  OPTIONS: (m) => m.options,
};

export function findmntTool(handlers: readonly MountHandler[]): Tool {
  return {
    roles: ["web", "fs"],
    run(ctx) {
      const args = ctx.argv.slice(1);
      const noHead = args.includes("-n") || args.includes("--noheadings");
      const oi = args.findIndex((a) => a === "-o" || a === "--output");
      const colsArg = oi >= 0 ? args[oi + 1] : args.find((a) => a.startsWith("--output="))?.slice(9);
      const cols = (colsArg ?? "TARGET,SOURCE,FSTYPE,OPTIONS").split(",").map((c) => c.toUpperCase());
      for (const c of cols) if (!COLUMNS[c]) return fail(`findmnt: unknown column: ${c}\n`, 1);
      const types = typeFilter(args);
      const pos = positional(args);
      let rows = allMounts(handlers, ctx.vm).filter((m) => !types || types.has(m.fstype));
      if (pos[0] !== undefined) {
        const want = pos[0].replace(/\/+$/, "") || "/";
        rows = rows.filter((m) => m.target === want || m.source === want);
      }
      if (rows.length === 0) return fail("", 1);
      const table = rows.map((m) => cols.map((c) => (COLUMNS[c] ?? COLUMNS.TARGET!)(m)));
      if (!noHead) table.unshift(cols);
      const widths = cols.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length)));
      const text = table
        .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(" "))
        .join("\n");
      return ok(`${text}\n`);
    },
  };
}
