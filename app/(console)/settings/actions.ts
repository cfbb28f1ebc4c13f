"use server";

import { type ActionResult, invalidInput, toActionError } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { type WebhookSetting, setWebhookUrl } from "@/lib/settings";
import { WebhookUrlInput } from "@/lib/settings/webhook-url";

/** Admin: the URL called when an incident opens or closes ("" turns it off). */
export async function saveWebhookUrl(input: unknown): Promise<ActionResult<WebhookSetting>> {
  const parsed = WebhookUrlInput.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  try {
    const operator = await requireRole("admin");
    return { ok: true, data: await setWebhookUrl(parsed.data.url, operator) };
  } catch (err) {
    return toActionError(err);
  }
}
