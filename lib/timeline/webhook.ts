import "server-only";
import { publicUrl } from "@/lib/env";
import { errorMessage } from "@/lib/errors";
import { getWebhookSetting } from "@/lib/settings";
import { type IncidentTransition, setWebhookStatus } from "@/lib/timeline/incidents";

export const WEBHOOK_TIMEOUT_MS = 5_000;

export interface IncidentWebhookPayload {
  event: "incident.opened" | "incident.closed";
  incident: {
    id: number;
    cluster: string;
    state: "open" | "closed";
    severity: string;
    title: string;
    tiers: string[];
    hosts: string[];
    openedAt: string;
    closedAt: string | null;
    durationSeconds: number;
    link: string;
  };
}

export function webhookPayload({ kind, incident }: IncidentTransition, baseUrl: string): IncidentWebhookPayload {
  return {
    event: kind === "opened" ? "incident.opened" : "incident.closed",
    incident: {
      id: incident.id,
      cluster: incident.clusterId,
      state: incident.state,
      severity: incident.severity,
      title: incident.title,
      tiers: incident.tiers,
      hosts: incident.hosts,
      openedAt: new Date(incident.openedAt).toISOString(),
      closedAt: incident.closedAt === null ? null : new Date(incident.closedAt).toISOString(),
      durationSeconds: Math.round(incident.durationMs / 1000),
      link: `${baseUrl}/clusters/${encodeURIComponent(incident.clusterId)}/incidents/${incident.id}`,
    },
  };
}

/** POST the incident to the configured webhook, and note the outcome on the incident. Never throws. */
const g = globalThis as unknown as { clusterdeckWebhookQueues?: Map<number, Promise<unknown>> };

/**
 * Deliver one incident's calls in order: an incident that opens and closes quickly must not have its
 * "closed" call overtake its "opened" one, nor the stored outcome end on the older call.
 */
export function deliverIncidentWebhook(transition: IncidentTransition): Promise<string | null> {
  g.clusterdeckWebhookQueues ??= new Map();
  const queues = g.clusterdeckWebhookQueues;
  const id = transition.incident.id;
  const next = (queues.get(id) ?? Promise.resolve()).then(() => deliverNow(transition));
  queues.set(id, next);
  void next.finally(() => {
    if (queues.get(id) === next) queues.delete(id);
  });
  return next;
}

async function deliverNow(transition: IncidentTransition): Promise<string | null> {
  const id = transition.incident.id;
  try {
    const { url } = await getWebhookSetting();
    if (!url) return null;
    const started = Date.now();
    let status: string;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "ClusterDeck" },
        body: JSON.stringify(webhookPayload(transition, publicUrl())),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        redirect: "manual",
      });
      await res.body?.cancel();
      status = `${transition.kind}: ${res.ok ? "delivered" : "refused"}, HTTP ${res.status}, ${Date.now() - started} ms`;
      if (!res.ok) console.error(`[webhook] incident ${id} ${transition.kind}: ${url} answered HTTP ${res.status}`);
    } catch (err) {
      const why =
        err instanceof Error && err.name === "TimeoutError"
          ? `no answer within ${WEBHOOK_TIMEOUT_MS} ms`
          : // undici says only "fetch failed"; the cause names the refusal or the DNS error
            errorMessage(err instanceof Error && err.cause instanceof Error ? err.cause : err);
      status = `${transition.kind}: failed: ${why}`;
      console.error(`[webhook] incident ${id} ${transition.kind}: ${url}: ${why}`);
    }
    await setWebhookStatus(id, `${status} (${new Date().toISOString()})`);
    return status;
  } catch (err) {
    console.error(`[webhook] incident ${id}: could not deliver or record the outcome:`, err);
    return null;
  }
}

/** Fire and forget: the recorder never waits for a webhook. */
export function notifyIncident(transition: IncidentTransition): void {
  void deliverIncidentWebhook(transition);
}
