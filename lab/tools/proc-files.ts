import { isLb } from "../model/balancer";
import type { VmName } from "../model/types";
import type { VirtualFiles } from "../shell/files";
import type { CoreDeps } from "./deps";
import { procNetIpVs } from "./ipvsadm-format";

/** /proc entries generated from the model, then whatever the tiers generate */
export function virtualFiles(deps: () => CoreDeps): VirtualFiles {
  return (vm: VmName, path: string): string | null => {
    const d = deps();
    switch (path) {
      case "/proc/loadavg":
        return d.load.loadavg(vm);
      case "/proc/meminfo":
        return d.load.meminfo(vm);
      case "/proc/uptime":
        return d.load.procUptime(vm);
      case "/proc/sys/kernel/hostname":
        return `${d.world.vm(vm).hostname}\n`;
      case "/proc/net/ip_vs":
        return isLb(vm) ? procNetIpVs(d.balancers.nodes[vm].table, d.world.now()) : null;
    }
    const proc = /^\/proc\/(\d+)\/(comm|cmdline)$/.exec(path);
    const daemon = proc && isLb(vm) ? d.balancers.processes(vm).find((p) => String(p.pid) === proc[1]) : undefined;
    if (daemon) return proc?.[2] === "comm" ? `${daemon.comm}\n` : `${daemon.cmdline.join("\0")}\0`;
    return d.tiers.virtualFile?.(vm, path) ?? null;
  };
}
