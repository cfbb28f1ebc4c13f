"use client";

import { useRouter } from "next/navigation";
import { useActionState } from "react";
import { saveAuditRetention } from "@/app/(console)/clusters/[clusterId]/audit/actions";
import { ActionErrorNote, FieldErrors } from "@/components/workflows/action-error";
import type { ActionResult } from "@/lib/action-result";
import type { AuditRetention } from "@/lib/audit/retention";

/** The admin's retention form; the page re-renders with the new figure once it is saved. */
export function Client({ retention, min, max }: { retention: AuditRetention; min: number; max: number }) {
  const router = useRouter();
  const [result, submit, pending] = useActionState(async (_prev: ActionResult<AuditRetention> | null, form: FormData) => {
    const saved = await saveAuditRetention({ days: form.get("days") ?? "" });
    if (saved.ok) router.refresh();
    return saved;
  }, null);
  const error = result && !result.ok ? result.error : null;
  const current = result?.ok ? result.data : retention;

  return (
    <form action={submit} className="tl-note-form" data-testid="retention-form">
      <label>
        Keep command runs and probe summaries for (days, {min}–{max})
        <input name="days" type="number" min={min} max={max} step={1} required defaultValue={current.days} data-testid="retention-days" />
      </label>
      <FieldErrors messages={error?.fieldErrors?.days} />
      <ActionErrorNote error={error} shownFields={["days"]} testId="retention-error" />
      {result?.ok ? (
        <p className="muted" role="status" data-testid="retention-saved">
          Saved: rows older than {result.data.days} days go at the next hourly prune.
        </p>
      ) : null}
      <button type="submit" disabled={pending} data-testid="retention-save">
        {pending ? "Saving…" : "Save"}
      </button>
    </form>
  );
}
