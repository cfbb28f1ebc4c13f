import "server-only";
import type { EventKind, JsonValue } from "@/lib/cluster/transitions";
import { AppError } from "@/lib/errors";
import { getInventory } from "@/lib/inventory";
import { recordEvents } from "@/lib/timeline/events";

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

function clusterIds(): string[] {
  try {
    return getInventory().clusters.map((c) => c.id);
  } catch (err) {
    // an unusable inventory has no timeline to write on; the change itself still holds
    if (err instanceof AppError) return [];
    throw err;
  }
}

export async function recordAuthEvent(e: AuthEvent, at = Date.now()): Promise<void> {
  await recordEvents(
    clusterIds().map((clusterId) => ({
      at,
      clusterId,
      host: null,
      tier: "operator" as const,
      kind: e.kind,
      severity: e.severity ?? "info",
      message: e.message,
      before: e.before ?? null,
      after: e.after ?? null,
      actor: e.actor,
    })),
  );
}

/** For sign-in events, which must never fail a sign-in: a timeline that cannot be written is logged. */
export async function recordAuthEventQuietly(e: AuthEvent): Promise<void> {
  try {
    await recordAuthEvent(e);
  } catch (err) {
    console.error("[auth] could not record", e.kind, "for", e.actor, err instanceof Error ? err.message : err);
  }
}
