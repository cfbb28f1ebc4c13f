import { commandLine, commandsForRole } from "@/lib/commands/registry";
import type { ClusterSpec, HostSpec } from "@/lib/inventory/schema";
import type { Parsed } from "@/lib/probes/types";

export interface PlannedProbe {
  name: string;
  command: string;
  /** null: runs bare in the batch (it cannot hang) */
  timeoutSeconds: number | null;
  okExitCodes: readonly number[];
  parse: (stdout: string) => Parsed<unknown>;
}

const PROBE_TIMEOUT_SECONDS = 3;

/**
 * The read-only probes polled on a host this tick, by its role and the inventory; `previous`
 * gives last tick's readings so a probe can adapt (DRBD 8.4 or 9, where session files live).
 */
export function probePlan(cluster: ClusterSpec, host: HostSpec, previous: (probe: string) => unknown = () => undefined): PlannedProbe[] {
  return commandsForRole(host.role).flatMap((c) => {
    if (!c.readOnly || !c.parse) return [];
    const command = commandLine(c, { cluster, host, previous });
    return command === null
      ? []
      : [{ name: c.name, command, timeoutSeconds: c.mayHang ? PROBE_TIMEOUT_SECONDS : null, okExitCodes: c.okExitCodes, parse: c.parse }];
  });
}
