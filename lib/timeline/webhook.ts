import "server-only";
import http from "node:http";
import https from "node:https";
import { publicUrl } from "@/lib/env";
import { errorMessage } from "@/lib/errors";
import { webhookUrl } from "@/lib/settings";
import { checkedAddresses, webhookDisplay, webhookLookup } from "@/lib/settings/webhook-destination";
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
    const url = await webhookUrl();
    if (!url) return null;
    const started = Date.now();
    let status: string;
    try {
      const code = await post(url, JSON.stringify(webhookPayload(transition, publicUrl())));
      const ok = code >= 200 && code < 300;
      status = `${transition.kind}: ${ok ? "delivered" : "refused"}, HTTP ${code}, ${Date.now() - started} ms`;
      if (!ok) console.error(`[webhook] incident ${id} ${transition.kind}: ${webhookDisplay(url)} answered HTTP ${code}`);
    } catch (err) {
      const why = errorMessage(err);
      status = `${transition.kind}: failed: ${why}`;
      console.error(`[webhook] incident ${id} ${transition.kind}: ${webhookDisplay(url)}: ${why}`);
    }
    await setWebhookStatus(id, `${status} (${new Date().toISOString()})`);
    return status;
  } catch (err) {
    console.error(`[webhook] incident ${id}: could not deliver or record the outcome: ${errorMessage(err)}`);
    return null;
  }
}

/**
 * POST `body` to the webhook; its HTTP status. The socket goes only to addresses checked at this moment
 * (webhookLookup), no redirect is followed, and the answer's body is never read: what an internal
 * service would say never reaches the incident page.
 */
async function post(url: string, body: string): Promise<number> {
  const target = new URL(url);
  // an address in the URL is not looked up: check it here
  await checkedAddresses(url);
  const request = target.protocol === "https:" ? https.request : http.request;
  return new Promise<number>((resolve, reject) => {
    const req = request(
      target,
      {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "ClusterDeck", "content-length": Buffer.byteLength(body) },
        lookup: webhookLookup(),
        agent: false,
        timeout: WEBHOOK_TIMEOUT_MS,
      },
      (res) => {
        res.destroy();
        clearTimeout(deadline);
        resolve(res.statusCode ?? 0);
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS} ms`)), WEBHOOK_TIMEOUT_MS);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS} ms`)));
    req.on("error", (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    req.end(body);
  });
}

/** Fire and forget: the recorder never waits for a webhook. */
export function notifyIncident(transition: IncidentTransition): void {
  void deliverIncidentWebhook(transition);
}
