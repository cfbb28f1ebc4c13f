"use client";

import { useActionState, useEffect } from "react";
import { changePassword } from "@/app/(console)/account/actions";
import { ActionErrorNote, FieldErrors } from "@/components/workflows/action-error";
import type { ActionResult } from "@/lib/action-result";

export function Client({ username, role, required }: { username: string; role: string; required: boolean }) {
  const [result, submit, pending] = useActionState(
    (_prev: ActionResult<null> | null, form: FormData) =>
      changePassword({ current: form.get("current") ?? "", next: form.get("next") ?? "", again: form.get("again") ?? "" }),
    null,
  );
  const error = result && !result.ok ? result.error : null;
  const changed = result?.ok === true;

  useEffect(() => {
    // the forced change is done: on to the console
    if (changed && required) window.location.assign("/");
  }, [changed, required]);

  return (
    <main className="tl">
      <div className="page-head">
        <h1>Account</h1>
        <span className="sub">
          <span className="mono">{username}</span> · {role}
        </span>
      </div>
      {required ? (
        <div className="banner" role="alert" data-testid="password-required">
          Choose a new password before anything else: the one you signed in with was set by an admin.
        </div>
      ) : null}
      <section className="panel" aria-labelledby="password-title">
        <h2 id="password-title">Change your password</h2>
        <p className="muted">At least 12 characters, not your username. Your other sessions end; this one stays.</p>
        <form action={submit} className="tl-note-form" data-testid="password-form">
          <label>
            Current password
            <input name="current" type="password" autoComplete="current-password" required data-testid="current-password" />
          </label>
          <FieldErrors messages={error?.fieldErrors?.current} />
          <label>
            New password
            <input name="next" type="password" autoComplete="new-password" required minLength={12} data-testid="new-password" />
          </label>
          <FieldErrors messages={error?.fieldErrors?.next} />
          <label>
            New password again
            <input name="again" type="password" autoComplete="new-password" required data-testid="new-password-again" />
          </label>
          <FieldErrors messages={error?.fieldErrors?.again} />
          <ActionErrorNote error={error} shownFields={["current", "next", "again"]} testId="password-error" />
          {changed ? (
            <p className="muted" role="status" data-testid="password-changed">
              Password changed.
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={pending} data-testid="change-password">
            {pending ? "Changing…" : "Change password"}
          </button>
        </form>
      </section>
    </main>
  );
}
