import type { Role } from "@/lib/inventory/schema";
import { dfProbe } from "@/lib/probes/df";
import { ipAddrProbe } from "@/lib/probes/ip-addr";
import { ipvsadmProbe } from "@/lib/probes/ipvsadm";
import { ipvsadmConnsProbe } from "@/lib/probes/ipvsadm-conns";
import { loadavgProbe } from "@/lib/probes/loadavg";
import { meminfoProbe } from "@/lib/probes/meminfo";
import type { Parsed } from "@/lib/probes/types";
import { uptimeProbe } from "@/lib/probes/uptime";

/**
 * Every command the console may run on a host. Nothing else is ever sent: screens offer actions
 * built from these templates, never a free-form shell. docs/host-commands.md is generated from here.
 */
export interface HostCommand {
  name: string;
  roles: readonly Role[] | "all";
  /** true when it changes nothing on the host */
  readOnly: boolean;
  /** needs root on the host: run as `sudo -n <command>`, granted by the sudoers line in the docs */
  sudo: boolean;
  what: string;
  /** the command as run, given the cluster's settings (none yet for the probes listed here) */
  command: () => string;
  parse?: (stdout: string) => Parsed<unknown>;
}

function probe(
  p: { name: string; roles: readonly Role[] | "all"; command: (params: never) => string; parse: (s: string) => Parsed<unknown> },
  what: string,
  options: { sudo?: boolean; params?: unknown } = {},
): HostCommand {
  const run = p.command as (params: unknown) => string;
  return {
    name: p.name,
    roles: p.roles,
    readOnly: true,
    sudo: options.sudo ?? false,
    what,
    command: () => run(options.params),
    parse: p.parse,
  };
}

export const hostCommands: readonly HostCommand[] = [
  probe(loadavgProbe, "load averages and process counts"),
  probe(meminfoProbe, "memory in use and available"),
  probe(dfProbe, "disk usage of every filesystem (POSIX format)"),
  probe(uptimeProbe, "time since boot"),
  probe(ipAddrProbe, "addresses on every interface: who holds the VIP or the NFS address"),
  probe(ipvsadmProbe, "the LVS virtual services, real servers, weights and connection counts", { sudo: true, params: {} }),
  probe(ipvsadmConnsProbe, "LVS connection entries and persistence templates (sticky clients)", { sudo: true }),
];

export function commandLine(cmd: HostCommand): string {
  return cmd.sudo ? `sudo -n ${cmd.command()}` : cmd.command();
}

export function commandsForRole(role: Role): HostCommand[] {
  return hostCommands.filter((c) => c.roles === "all" || c.roles.includes(role));
}
