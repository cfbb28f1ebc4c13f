"use server";

import { type ActionResult, invalidInput, toActionError } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { AppError } from "@/lib/errors";
import { type WebhookSetting, setWebhookUrl } from "@/lib/settings";
import { WebhookUrlInput } from "@/lib/settings/webhook-url";

/** Admin: the URL called when an incident opens or closes ("" turns it off); never read back, only replaced. */
export async function saveWebhookUrl(input: unknown): Promise<ActionResult<WebhookSetting>> {
  try {
    const operator = await requireRole("admin");
    const parsed = WebhookUrlInput.safeParse(input);
    if (!parsed.success) return invalidInput(parsed.error);
    return { ok: true, data: await setWebhookUrl(parsed.data.url, operator) };
  } catch (err) {
    // a refused destination is the URL field's fault: say so beside it
    if (err instanceof AppError && err.code === "InvalidInput" && err.details?.field === "url") {
      return { ok: false, error: { code: err.code, message: "the webhook URL was not saved", fieldErrors: { url: [err.message] } } };
    }
    return toActionError(err);
  }
}
