import type { ExecResult, VmName, World } from "../../model/types";
import { VMS } from "../../model/types";

export function ok(stdout = "", stderr = ""): ExecResult {
  return { stdout, stderr, code: 0 };
}

export function fail(stderr: string, code = 1, stdout = ""): ExecResult {
  return { stdout, stderr, code };
}

/** a VM named by its name, hostname or cluster address; null for anything else */
export function findVm(world: World, host: string): VmName | null {
  const h = host.trim().toLowerCase();
  for (const name of VMS) {
    const info = world.vm(name);
    if (h === name || h === info.hostname.toLowerCase() || h === info.clusterAddress) return name;
  }
  return null;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "127.0.0.1" || host === "::1" || host === "";
}

/** split `--name=value` into [name, value]; value undefined when absent */
export function splitLongOption(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}
