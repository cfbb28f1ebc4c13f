import { commandLine, commandsForRole } from "@/lib/commands/registry";
import type { ClusterSpec, HostSpec } from "@/lib/inventory/schema";
import type { Parsed } from "@/lib/probes/types";

export interface PlannedProbe {
  name: string;
  command: string;
  timeoutSeconds: number;
  parse: (stdout: string) => Parsed<unknown>;
}

const PROBE_TIMEOUT_SECONDS = 3;

/** The read-only probes polled on a host every tick, by its role. */
export function probePlan(_cluster: ClusterSpec, host: HostSpec): PlannedProbe[] {
  return commandsForRole(host.role).flatMap((c) =>
    c.readOnly && c.parse ? [{ name: c.name, command: commandLine(c), timeoutSeconds: PROBE_TIMEOUT_SECONDS, parse: c.parse }] : [],
  );
}
