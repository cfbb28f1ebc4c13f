import type { ExecContext, Tool, VmName } from "../../model/types";
import { fail, findVm, isLoopback, ok } from "../shared/exec";
import type { DrbdCluster } from "./drbd-state";
import { isFsVm } from "./drbd-state";

const EXPORT_OPTIONS = "sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,no_root_squash,no_all_squash";

export function exportsFile(exportPath: string, network: string): string {
  return `# /etc/exports: the access control list for filesystems which may be exported\n#\t\tto NFS clients.  See exports(5).\n${exportPath} ${network}(rw,sync,no_root_squash,no_subtree_check)\n`;
}

/** the cluster network clients come from, e.g. 192.168.10.0/24 */
export function clusterNetwork(address: string): string {
  const parts = address.split(".");
  return `${parts.slice(0, 3).join(".")}.0/24`;
}

function exportsNow(ctx: ExecContext, cluster: DrbdCluster): boolean {
  return isFsVm(ctx.vm) && cluster.node(ctx.vm).exported && ctx.world.serviceRunning(ctx.vm, "nfs-kernel-server");
}

export function exportfsTool(cluster: DrbdCluster): Tool {
  return {
    roles: ["fs"],
    run(ctx) {
      if (!isFsVm(ctx.vm)) return fail("exportfs: not an NFS server\n");
      const node = cluster.node(ctx.vm);
      const path = ctx.world.settings.nfsExport;
      const net = clusterNetwork(ctx.world.vm(ctx.vm).clusterAddress);
      const opts = ctx.argv.slice(1).filter((a) => a.startsWith("-"));
      const letters = new Set(opts.flatMap((o) => (o.startsWith("--") ? [] : o.slice(1).split(""))));
      const operands = ctx.argv.slice(1).filter((a) => !a.startsWith("-"));
      if (letters.has("u")) {
        if (letters.has("a") || operands.some((o) => o.endsWith(`:${path}`))) node.exported = false;
        else if (operands.length > 0) return fail(`exportfs: Could not find '${operands[0]}' to unexport.\n`);
        return ok();
      }
      if (letters.has("r") || letters.has("a")) {
        node.exported = true;
        return ok(letters.has("v") ? `exporting ${net}:${path}\n` : "");
      }
      if (operands.length > 0) {
        node.exported = true;
        return ok();
      }
      if (!exportsNow(ctx, cluster)) return ok();
      if (letters.has("s")) return ok(`${path}  ${net}(${EXPORT_OPTIONS})\n`);
      const head = path.length > 14 ? `${path}\n\t\t` : `${path.padEnd(14)}\t`;
      return ok(letters.has("v") ? `${head}${net}(${EXPORT_OPTIONS})\n` : `${head}${net}\n`);
    },
  };
}

function serverFor(ctx: ExecContext, cluster: DrbdCluster, host: string): VmName | null {
  if (host === ctx.world.settings.nfsAddress) return cluster.exporterFor(ctx.vm);
  if (isLoopback(host)) return ctx.vm;
  return findVm(ctx.world, host);
}

export function showmountTool(cluster: DrbdCluster): Tool {
  return {
    roles: ["fs", "web"],
    run(ctx) {
      const args = ctx.argv.slice(1);
      const host = args.find((a) => !a.startsWith("-")) ?? "localhost";
      const vm = serverFor(ctx, cluster, host);
      if (!vm || (vm !== ctx.vm && !ctx.world.canReach(ctx.vm, vm))) {
        return fail("clnt_create: RPC: Port mapper failure - Unable to receive: errno 113 (No route to host)\n");
      }
      if (!isFsVm(vm) || !ctx.world.serviceRunning(vm, "nfs-kernel-server")) {
        return fail("clnt_create: RPC: Program not registered\n");
      }
      const n = cluster.node(vm);
      const list = n.exported ? `${ctx.world.settings.nfsExport} ${clusterNetwork(ctx.world.vm(vm).clusterAddress)}\n` : "";
      return ok(`Export list for ${host}:\n${list}`);
    },
  };
}
