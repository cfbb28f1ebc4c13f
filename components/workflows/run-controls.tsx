"use client";

import { type FormEvent, useId, useState } from "react";
import { cancelRun, resolveRun, retryRun } from "@/app/(console)/clusters/[clusterId]/workflows/actions";
import { ActionErrorNote } from "@/components/workflows/action-error";
import { useRunAction } from "@/components/workflows/use-run-action";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import { isActiveRun } from "@/lib/queries/workflows";
import type { RunView } from "@/lib/workflows/types";

/** the same minimum the server's ResolveInput schema asks */
const MIN_RESOLVE_REASON = 10;

/** Cancel while the run is live; Retry and (admins) Resolve when it stopped part-way. */
export function RunControls({ run, role }: { run: RunView; role: OperatorRole }) {
  const { act, pending, error } = useRunAction(run.clusterId);
  const [confirming, setConfirming] = useState<"cancel" | "resolve" | null>(null);
  const [cancelReason, setCancelReason] = useState("");
  const [resolveReason, setResolveReason] = useState("");
  const cancelId = useId();
  const resolveId = useId();
  if (!isActiveRun(run.status)) return null;
  const halted = run.status === "needs-attention";
  const canAct = hasRole(role, "operator");
  const isAdmin = hasRole(role, "admin");
  const resolveShort = resolveReason.trim().length < MIN_RESOLVE_REASON;

  function cancel(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    act(cancelRun, { runId: run.id, reason: cancelReason.trim() }, () => setConfirming(null));
  }

  function resolve(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (resolveShort) return;
    act(resolveRun, { runId: run.id, reason: resolveReason.trim() }, () => setConfirming(null));
  }

  return (
    <section className={`panel wf-controls${halted ? " wf-controls-halted" : ""}`} aria-label="Run controls" data-testid="run-controls">
      {halted ? (
        <p className="wf-attention">
          <strong>This run stopped part-way and still holds the cluster&apos;s lock.</strong> Check the cluster, then retry the
          interrupted step, cancel the run (its rollbacks run), or, as an admin, resolve it once you have checked the cluster by hand.
        </p>
      ) : null}
      {run.cancelRequested ? (
        <p className="wf-cancelling" role="status">
          Cancel requested: the current step is stopping, then the rollbacks of the steps done so far run.
        </p>
      ) : null}
      {!canAct ? (
        <p className="muted" data-testid="viewer-note">
          Viewers can watch; operators cancel or retry runs, admins resolve them.
        </p>
      ) : (
        <>
          <div className="wf-control-row">
            <button
              type="button"
              onClick={() => setConfirming("cancel")}
              disabled={pending || run.cancelRequested || confirming === "cancel"}
              data-testid="cancel-run"
            >
              {run.cancelRequested ? "Cancelling…" : "Cancel run…"}
            </button>
            {halted ? (
              <button type="button" className="primary" onClick={() => act(retryRun, { runId: run.id })} disabled={pending} aria-busy={pending} data-testid="retry-run">
                Retry
              </button>
            ) : null}
            {halted && isAdmin ? (
              <button type="button" onClick={() => setConfirming("resolve")} disabled={pending || confirming === "resolve"} data-testid="resolve-run">
                Resolve…
              </button>
            ) : null}
          </div>

          {confirming === "cancel" ? (
            <form className="wf-confirm" onSubmit={cancel} aria-label="Confirm cancel">
              <p>
                Cancel this run? The current step stops and the rollbacks of the steps done so far run.
              </p>
              <label htmlFor={cancelId}>Reason (optional, recorded with the run)</label>
              <textarea id={cancelId} rows={2} maxLength={1000} value={cancelReason} onChange={(e) => setCancelReason(e.target.value)} data-testid="cancel-reason" />
              <div className="wf-control-row">
                <button type="submit" className="danger" disabled={pending} aria-busy={pending} data-testid="cancel-run-confirm">
                  {pending ? "Cancelling…" : "Yes, cancel the run"}
                </button>
                <button type="button" onClick={() => setConfirming(null)}>
                  Keep it going
                </button>
              </div>
            </form>
          ) : null}

          {confirming === "resolve" ? (
            <form className="wf-confirm" onSubmit={resolve} aria-label="Confirm resolve">
              <p>
                Resolve closes the run and releases the cluster&apos;s lock without running anything more. Do it only after checking the
                cluster by hand; say what you checked.
              </p>
              <label htmlFor={resolveId}>What you checked (at least {MIN_RESOLVE_REASON} characters, recorded with the run)</label>
              <textarea
                id={resolveId}
                rows={3}
                maxLength={1000}
                required
                minLength={MIN_RESOLVE_REASON}
                value={resolveReason}
                onChange={(e) => setResolveReason(e.target.value)}
                aria-invalid={resolveReason.length > 0 && resolveShort}
                data-testid="resolve-reason"
              />
              <div className="wf-control-row">
                <button type="submit" className="primary" disabled={pending || resolveShort} aria-busy={pending} data-testid="resolve-run-confirm">
                  {pending ? "Resolving…" : "Resolve the run"}
                </button>
                <button type="button" onClick={() => setConfirming(null)}>
                  Back
                </button>
              </div>
            </form>
          ) : null}
        </>
      )}
      <ActionErrorNote error={error} testId="run-action-error" />
    </section>
  );
}
