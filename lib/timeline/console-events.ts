import "server-only";
import type { EventKind, JsonValue } from "@/lib/cluster/transitions";
import { AppError } from "@/lib/errors";
import { getInventory } from "@/lib/inventory";
import { recordEvents } from "@/lib/timeline/events";

// Changes to the console itself (users, sign-ins, settings) belong to no one cluster: each is written on
// every inventory cluster's timeline, tier "operator", with the person who made it as actor.

export interface ConsoleEvent {
  kind: EventKind;
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

export async function recordOnEveryCluster(e: ConsoleEvent, at = Date.now()): Promise<void> {
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
