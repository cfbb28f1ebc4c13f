import "server-only";
import type { EventKind, JsonValue } from "@/lib/cluster/transitions";
import { recordOnEveryCluster } from "@/lib/timeline/console-events";

// Sign-ins and user changes are console-wide: each is written on every inventory cluster's timeline,
// tier "operator", with the person as actor. Never a password, a hash or a session token.

export type AuthEventKind = Extract<EventKind, `auth.${string}` | `user.${string}`>;

export interface AuthEvent {
  kind: AuthEventKind;
  actor: string;
  message: string;
  severity?: "info" | "warning";
  before?: JsonValue;
  after?: JsonValue;
}

export async function recordAuthEvent(e: AuthEvent, at = Date.now()): Promise<void> {
  await recordOnEveryCluster(e, at);
}

/** For sign-in events, which must never fail a sign-in: a timeline that cannot be written is logged. */
export async function recordAuthEventQuietly(e: AuthEvent): Promise<void> {
  try {
    await recordAuthEvent(e);
  } catch (err) {
    console.error("[auth] could not record", e.kind, "for", e.actor, err instanceof Error ? err.message : err);
  }
}
