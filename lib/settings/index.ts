import "server-only";
import type { Operator } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { webhookAllowPrivate } from "@/lib/env";
import { checkedAddresses, webhookDisplay } from "@/lib/settings/webhook-destination";
import { recordOnEveryCluster } from "@/lib/timeline/console-events";

export const WEBHOOK_URL_SETTING = "webhook.url";

/**
 * The incident webhook as every screen shows it: scheme and host only. The path of a Slack or Teams
 * hook is its bearer secret, so no one (an admin included) reads the URL back; an admin replaces it.
 */
export interface WebhookSetting {
  /** "https://hooks.slack.com/…", or null when turned off */
  display: string | null;
  updatedAt: number | null;
  updatedBy: string | null;
  /** loopback and private destinations are allowed by the environment */
  allowPrivate: boolean;
}

/** The URL to call, for the delivery only; never sent to a browser, a log or an event. */
export async function webhookUrl(): Promise<string | null> {
  const row = await db.setting.findUnique({ where: { key: WEBHOOK_URL_SETTING } });
  return row?.value ? row.value : null;
}

export async function getWebhookSetting(): Promise<WebhookSetting> {
  const row = await db.setting.findUnique({ where: { key: WEBHOOK_URL_SETTING } });
  return {
    display: row?.value ? webhookDisplay(row.value) : null,
    updatedAt: row?.updatedAt.getTime() ?? null,
    updatedBy: row?.updatedBy ?? null,
    allowPrivate: webhookAllowPrivate(),
  };
}

/**
 * Set (or, with "", turn off) the incident webhook; recorded on every cluster's timeline with the admin as
 * actor, by scheme and host only. A destination on loopback or a private network is refused (InvalidInput).
 */
export async function setWebhookUrl(url: string, operator: Operator): Promise<WebhookSetting> {
  if (url !== "") await checkedAddresses(url);
  const before = await webhookUrl();
  await db.setting.upsert({
    where: { key: WEBHOOK_URL_SETTING },
    create: { key: WEBHOOK_URL_SETTING, value: url, updatedBy: operator.username },
    update: { value: url, updatedBy: operator.username },
  });
  const after = url === "" ? null : url;
  if (before !== after) {
    const shownBefore = before === null ? null : webhookDisplay(before);
    const shownAfter = after === null ? null : webhookDisplay(after);
    const message =
      shownAfter === null ? "incident webhook turned off" : shownAfter === shownBefore ? `incident webhook replaced (still ${shownAfter})` : `incident webhook set to ${shownAfter}`;
    await recordOnEveryCluster({
      kind: "settings.changed",
      actor: operator.username,
      message,
      before: { [WEBHOOK_URL_SETTING]: shownBefore },
      after: { [WEBHOOK_URL_SETTING]: shownAfter },
    });
  }
  return getWebhookSetting();
}

