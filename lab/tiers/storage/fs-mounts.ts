import type { ExecContext, ExecResult, VmName } from "../../model/types";
import type { MountEntry, MountHandler } from "../mounts";
import { fail, ok } from "../shared/exec";
import type { DrbdCluster } from "./drbd-state";
import { isFsVm } from "./drbd-state";

const DEVICE = "/dev/drbd0";

/** /dev/drbd0 on the export path: mountable only on the DRBD Primary */
export function fsMountHandler(cluster: DrbdCluster, exportPath: () => string): MountHandler {
  const owns = (vm: VmName, t: string): boolean => isFsVm(vm) && (t === DEVICE || t.replace(/\/+$/, "") === exportPath());
  return {
    entries(vm): MountEntry[] {
      if (!isFsVm(vm) || !cluster.node(vm).mounted) return [];
      return [{ source: DEVICE, target: exportPath(), fstype: "ext4", options: "rw,relatime" }];
    },
    owns,
    mount(ctx: ExecContext): ExecResult {
      if (!isFsVm(ctx.vm)) return fail(`mount: ${exportPath()}: can't find in /etc/fstab.\n`);
      const n = cluster.node(ctx.vm);
      if (n.mounted) return fail(`mount: ${exportPath()}: ${DEVICE} already mounted on ${exportPath()}.\n`, 32);
      if (!n.configured) return fail(`mount: ${exportPath()}: special device ${DEVICE} does not exist.\n`, 32);
      if (n.role !== "Primary") {
        return fail(`mount: ${exportPath()}: mount(2) system call failed: Wrong medium type.\n`, 32);
      }
      n.mounted = true;
      return ok();
    },
    umount(ctx: ExecContext): ExecResult {
      if (!isFsVm(ctx.vm)) return fail(`umount: ${exportPath()}: not mounted.\n`, 32);
      const n = cluster.node(ctx.vm);
      if (!n.mounted) return fail(`umount: ${exportPath()}: not mounted.\n`, 32);
      if (n.exported && ctx.world.serviceRunning(ctx.vm, "nfs-kernel-server")) {
        return fail(`umount: ${exportPath()}: target is busy.\n`, 32);
      }
      n.mounted = false;
      return ok();
    },
    mountAll(): ExecResult {
      return ok();
    },
  };
}
