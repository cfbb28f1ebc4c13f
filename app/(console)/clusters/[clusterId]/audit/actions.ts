"use server";

import { type ActionResult, invalidInput, toActionError } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { type AuditRetention, AuditRetentionInput, setAuditRetention } from "@/lib/audit/retention";

/** Admin: how many days command runs and probe summaries are kept before the hourly prune removes them. */
export async function saveAuditRetention(input: unknown): Promise<ActionResult<AuditRetention>> {
  try {
    const operator = await requireRole("admin");
    const parsed = AuditRetentionInput.safeParse(input);
    if (!parsed.success) return invalidInput(parsed.error);
    return { ok: true, data: await setAuditRetention(parsed.data.days, operator) };
  } catch (err) {
    return toActionError(err);
  }
}
