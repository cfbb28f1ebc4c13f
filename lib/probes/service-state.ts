import { MAX_LINE, type UnreadLine, numberedLines } from "@/lib/probes/partial";
import { cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

/** systemd's words for a unit's state, as `systemctl is-active` prints them */
const STATES = ["active", "inactive", "failed", "activating", "deactivating", "reloading", "unknown", "maintenance", "refreshing"] as const;
export type UnitState = (typeof STATES)[number];

export interface ServiceState {
  state: UnitState;
  active: boolean;
  /** lines after the state word (systemctl prints one word per unit asked) */
  unread: UnreadLine[];
}

export function parseServiceState(stdout: string): Parsed<ServiceState> {
  return readOutput(stdout, (text) => {
    const [first, ...rest] = numberedLines(text);
    const word = (first?.text ?? "").trim().slice(0, MAX_LINE);
    const state = STATES.find((s) => s === word) ?? cannotRead(`not a systemd unit state: ${quoteLine(word)}`);
    const unread = rest.slice(0, 20).map((l) => ({ line: l.line, text: l.text.slice(0, 200), reason: "more than the one state word" }));
    return { state, active: state === "active" || state === "reloading", unread };
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
