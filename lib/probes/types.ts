import type { Role } from "@/lib/inventory/schema";

/** What a parser makes of a host's output: the value, or a typed "could not read" with the raw text. */
export type Parsed<T> =
  | { ok: true; value: T }
  | { ok: false; error: "unreadable"; reason: string; raw: string };

export function parsed<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function unreadable<T = never>(reason: string, raw: string): Parsed<T> {
  return { ok: false, error: "unreadable", reason, raw };
}

/**
 * A probe is pure: a command template and a parser. Only lib/ssh runs commands.
 * `command` receives settings taken from the inventory (never from user input).
 */
export interface Probe<T, P = void> {
  /** the name used by `npm run parse -- <name>` and in snapshots */
  name: string;
  /** roles the probe runs on */
  roles: readonly Role[] | "all";
  /** true when the command changes nothing on the host (every probe must be) */
  readOnly: true;
  /** the shell command, fixed apart from inventory-checked parameters quoted by lib/ssh/quote */
  command: (params: P) => string;
  parse: (stdout: string) => Parsed<T>;
}
