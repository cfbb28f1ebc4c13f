import type { ClusterSpec, HostSpec } from "@/lib/inventory/schema";
import { dfProbe } from "@/lib/probes/df";
import { ipAddrProbe } from "@/lib/probes/ip-addr";
import { ipvsadmProbe } from "@/lib/probes/ipvsadm";
import { ipvsadmConnsProbe } from "@/lib/probes/ipvsadm-conns";
import { loadavgProbe } from "@/lib/probes/loadavg";
import { meminfoProbe } from "@/lib/probes/meminfo";
import type { Parsed } from "@/lib/probes/types";
import { uptimeProbe } from "@/lib/probes/uptime";

export interface PlannedProbe {
  name: string;
  command: string;
  timeoutSeconds: number;
  parse: (stdout: string) => Parsed<unknown>;
}

const PROBE_TIMEOUT_SECONDS = 3;

function planned<P>(probe: { name: string; command: (p: P) => string; parse: (s: string) => Parsed<unknown> }, params: P): PlannedProbe {
  return { name: probe.name, command: probe.command(params), timeoutSeconds: PROBE_TIMEOUT_SECONDS, parse: probe.parse };
}

/** The read-only probes polled on a host every tick, by its role. */
export function probePlan(_cluster: ClusterSpec, host: HostSpec): PlannedProbe[] {
  const plan: PlannedProbe[] = [
    planned(loadavgProbe, undefined),
    planned(meminfoProbe, undefined),
    planned(dfProbe, undefined),
    planned(uptimeProbe, undefined),
    planned(ipAddrProbe, undefined),
  ];
  if (host.role === "lb") {
    plan.push(planned(ipvsadmProbe, {}), planned(ipvsadmConnsProbe, undefined));
  }
  return plan;
}
