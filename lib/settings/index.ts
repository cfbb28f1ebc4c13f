import "server-only";
import type { Operator } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getInventory } from "@/lib/inventory";
import { recordEvents } from "@/lib/timeline/events";

export const WEBHOOK_URL_SETTING = "webhook.url";

export interface WebhookSetting {
  url: string | null;
  updatedAt: number | null;
  updatedBy: string | null;
}

export async function getWebhookSetting(): Promise<WebhookSetting> {
  const row = await db.setting.findUnique({ where: { key: WEBHOOK_URL_SETTING } });
  return { url: row?.value ? row.value : null, updatedAt: row?.updatedAt.getTime() ?? null, updatedBy: row?.updatedBy ?? null };
}

/** Set (or, with "", turn off) the incident webhook; recorded on every cluster's timeline with the admin as actor. */
export async function setWebhookUrl(url: string, operator: Operator): Promise<WebhookSetting> {
  const before = await getWebhookSetting();
  await db.setting.upsert({
    where: { key: WEBHOOK_URL_SETTING },
    create: { key: WEBHOOK_URL_SETTING, value: url, updatedBy: operator.username },
    update: { value: url, updatedBy: operator.username },
  });
  const after = url === "" ? null : url;
  if (before.url !== after) {
    const message = after ? `incident webhook set to ${after}` : "incident webhook turned off";
    await recordEvents(
      clusterIds().map((clusterId) => ({
        at: Date.now(),
        clusterId,
        host: null,
        tier: "operator" as const,
        kind: "settings.changed" as const,
        severity: "info" as const,
        message,
        before: { [WEBHOOK_URL_SETTING]: before.url },
        after: { [WEBHOOK_URL_SETTING]: after },
        actor: operator.username,
      })),
    );
  }
  return getWebhookSetting();
}

function clusterIds(): string[] {
  try {
    return getInventory().clusters.map((c) => c.id);
  } catch (err) {
    // an unusable inventory has no timeline to write on; the setting itself still holds
    if (err instanceof AppError) return [];
    throw err;
  }
}
