"use client";

import { useActionState } from "react";
import { saveWebhookUrl } from "@/app/(console)/settings/actions";
import { ActionErrorNote, FieldErrors } from "@/components/workflows/action-error";
import { When } from "@/components/workflows/time";
import type { ActionResult } from "@/lib/action-result";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import type { WebhookSetting } from "@/lib/settings";

export function Client({ role, webhook }: { role: OperatorRole; webhook: WebhookSetting }) {
  const [result, submit, pending] = useActionState(
    (_prev: ActionResult<WebhookSetting> | null, form: FormData) => saveWebhookUrl({ url: form.get("url") ?? "" }),
    null,
  );
  const current = result?.ok ? result.data : webhook;
  const error = result && !result.ok ? result.error : null;
  const canChange = hasRole(role, "admin");

  return (
    <main className="tl">
      <div className="page-head">
        <h1>Settings</h1>
        <span className="sub">{canChange ? "changes are recorded on the timeline with your name" : "read-only: only an admin may change these"}</span>
      </div>
      <section className="panel" aria-labelledby="webhook-title">
        <h2 id="webhook-title">Incident webhook</h2>
        <p>
          When an incident opens or closes, ClusterDeck POSTs a JSON payload (incident, cluster, state, severity, title, tiers, hosts,
          times, duration and a link to it) to this URL, waiting at most 5 s. The outcome is shown on the incident.
        </p>
        <p data-testid="webhook-current">
          {current.display ? (
            <>
              Calling <span className="mono">{current.display}</span>
            </>
          ) : (
            "Turned off: no URL set."
          )}
          {current.updatedAt ? (
            <span className="muted">
              {" "}
              (changed <When at={current.updatedAt} />
              {current.updatedBy ? ` by ${current.updatedBy}` : ""})
            </span>
          ) : null}
        </p>
        <p className="muted">
          Only the scheme and host are shown, to everyone: the rest of a chat service&apos;s hook URL is its secret. An admin replaces the URL; no one reads
          it back.{" "}
          {current.allowPrivate
            ? "This console may call loopback and private addresses (CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE=1)."
            : "URLs whose host is or resolves to a loopback, private, link-local or multicast address are refused (CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE=1 allows them)."}
        </p>
        {canChange ? (
          <form action={submit} className="tl-note-form">
            <label>
              {current.display ? "Replace with" : "Webhook URL"}
              <input
                name="url"
                type="text"
                autoComplete="off"
                defaultValue=""
                placeholder={current.display ? "a new URL  (empty: turn the webhook off)" : "https://chat.example.org/hooks/…  (empty: off)"}
                data-testid="webhook-url"
              />
            </label>
            <FieldErrors messages={error?.fieldErrors?.url} />
            <ActionErrorNote error={error} shownFields={["url"]} testId="webhook-error" />
            {result?.ok ? (
              <p className="muted" role="status" data-testid="webhook-saved">
                Saved.
              </p>
            ) : null}
            <button type="submit" disabled={pending} data-testid="webhook-save">
              {pending ? "Saving…" : "Save"}
            </button>
          </form>
        ) : null}
      </section>
    </main>
  );
}
