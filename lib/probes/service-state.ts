import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

/** systemd's words for a unit's state, as `systemctl is-active` prints them */
const STATES = ["active", "inactive", "failed", "activating", "deactivating", "reloading", "unknown", "maintenance", "refreshing"] as const;
export type UnitState = (typeof STATES)[number];

export interface ServiceState {
  state: UnitState;
  active: boolean;
}

export function parseServiceState(stdout: string): Parsed<ServiceState> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    if (lines.length !== 1) cannotRead(`expected one word, got ${lines.length} lines`);
    const word = (lines[0] ?? "").trim();
    const state = STATES.find((s) => s === word) ?? cannotRead(`not a systemd unit state: ${quoteLine(word)}`);
    return { state, active: state === "active" || state === "reloading" };
  });
}

export interface ServiceStateParams {
  service: string;
}

/** Exits 3 (or 4 for an unknown unit) when not active; the word on stdout still says which. */
export const serviceStateProbe: Probe<ServiceState, ServiceStateParams> = {
  name: "service-state",
  roles: "all",
  readOnly: true,
  command: ({ service }) => `systemctl is-active ${shellQuote(service)}`,
  parse: parseServiceState,
};
