import type { ExecContext, ExecResult, FsVm, Tool } from "../../model/types";
import { fail, ok } from "../shared/exec";
import type { DrbdCluster } from "./drbd-state";
import { FS_VMS, isFsVm } from "./drbd-state";

function hostNode(ctx: ExecContext, name: string | undefined): FsVm | null {
  const match = FS_VMS.find((vm) => vm === name || ctx.world.vm(vm).hostname === name);
  return match ?? null;
}

/** heartbeat's cl_status on the file servers (the storage pair's own heartbeat) */
function clStatus(ctx: ExecContext, cluster: DrbdCluster, vm: FsVm): ExecResult {
  const [sub, ...rest] = ctx.argv.slice(1);
  const human = rest.includes("-m");
  const params = rest.filter((a) => !a.startsWith("-"));
  const running = ctx.world.serviceRunning(vm, "heartbeat");
  if (sub === undefined) return ok("Usage: cl_status <sub-command> [<options>] [<parameters>]\n");
  if (sub === "hbstatus") return running ? ok("Heartbeat is running on this machine.\n") : fail("Heartbeat is stopped on this machine.\n", 1, "");
  if (!running) return fail("REASON: hb_api_signon: Can't initiate connection  to heartbeat\n", 1);
  switch (sub) {
    case "listnodes":
      return ok(`${human ? "The nodes are as follow:\n" : ""}${FS_VMS.map((n) => ctx.world.vm(n).hostname).join("\n")}\n`);
    case "nodestatus": {
      const node = hostNode(ctx, params[0]);
      if (!node) return fail("Error. May be due to incorrect node name\n", 2);
      const s = cluster.heartbeatSees(vm, node) ? "active" : "dead";
      return { stdout: human ? `The cluster node ${params[0]} is ${s}\n` : `${s}\n`, stderr: "", code: s === "active" ? 0 : 1 };
    }
    case "rscstatus": {
      const s = cluster.node(vm).holdsAddress ? "all" : "none";
      return ok(human ? `This node is holding ${s} resources.\n` : `${s}\n`);
    }
    default:
      return fail(`${sub}: invalid sub-command.\n`, 2);
  }
}

export function storageHaTools(cluster: DrbdCluster): Record<string, Tool> {
  const fsOnly = (run: (ctx: ExecContext, vm: FsVm) => ExecResult): Tool => ({
    roles: ["fs"],
    run: (ctx) => (isFsVm(ctx.vm) ? run(ctx, ctx.vm) : fail("not a file server\n", 1)),
  });
  return {
    cl_status: fsOnly((ctx, vm) => clStatus(ctx, cluster, vm)),
    hb_standby: fsOnly((ctx, vm) => {
      if (!ctx.world.serviceRunning(vm, "heartbeat")) return fail("Heartbeat is not running.\n", 1);
      if (!cluster.standby(vm)) ctx.world.log(`storage: ${vm}: hb_standby ignored (no live peer or nothing held)`);
      return ok(`Going standby [${ctx.argv[1] ?? "all"}].\n`);
    }),
    hb_takeover: fsOnly((ctx, vm) => {
      if (!ctx.world.serviceRunning(vm, "heartbeat")) return fail("Heartbeat is not running.\n", 1);
      if (!cluster.takeoverFromPeer(vm)) ctx.world.log(`storage: ${vm}: hb_takeover ignored (peer holds the resources but is not reachable)`);
      return ok();
    }),
  };
}
