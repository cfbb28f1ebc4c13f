"use client";

import type { FormEvent, ReactNode } from "react";
import { ActionErrorNote } from "@/components/workflows/action-error";
import { PlanView } from "@/components/workflows/plan-view";
import { WORKFLOW_NAMES } from "@/components/workflows/status";
import type { WorkflowStart } from "@/components/workflows/use-workflow-start";
import type { OperatorRole } from "@/lib/auth/roles";
import type { WorkflowKind } from "@/lib/workflows/types";

export interface CardContext {
  role: OperatorRole;
  /** why no run may start now (another run holds the cluster's lock), or null */
  blocked: ReactNode | null;
}

/**
 * One workflow: what it does, its form, and (after Preview) its dry run with Start. Changing the form
 * drops the dry run, so Start always starts what is on the screen.
 */
export function WorkflowCard({
  kind,
  description,
  status,
  flow,
  params,
  fields,
  context,
  children,
}: {
  kind: WorkflowKind;
  description: ReactNode;
  /** the current state this workflow changes, e.g. maintenance mode on or off */
  status?: ReactNode;
  flow: WorkflowStart;
  /** the form's parameters as they stand */
  params: Record<string, unknown>;
  /** the parameter names the form shows errors for itself */
  fields: readonly string[];
  context: CardContext;
  children: ReactNode;
}) {
  const headingId = `workflow-${kind}-title`;
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    flow.preview(params);
  }
  const unshown = Object.entries(flow.fieldErrors).filter(([key]) => !fields.includes(key));
  return (
    <section className="panel wf-card" id={`workflow-${kind}`} data-testid={`workflow-${kind}`} aria-labelledby={headingId}>
      <div className="wf-card-head">
        <h2 id={headingId}>{WORKFLOW_NAMES[kind]}</h2>
        {status ? <div className="wf-card-status">{status}</div> : null}
      </div>
      <p className="wf-card-desc">{description}</p>
      <form className="wf-form" onSubmit={submit} onChange={flow.discard} noValidate>
        <div className="wf-fields">{children}</div>
        <div className="wf-form-actions">
          <button type="submit" disabled={flow.previewing} aria-busy={flow.previewing} data-testid={`preview-${kind}`}>
            {flow.previewing ? "Previewing…" : "Preview"}
          </button>
        </div>
      </form>
      {unshown.length > 0 ? (
        <div className="form-error" role="alert">
          {unshown.map(([key, messages]) => (
            <div key={key}>
              <span className="mono">{key}</span>: {messages.join("; ")}
            </div>
          ))}
        </div>
      ) : null}
      <ActionErrorNote error={flow.previewError} testId={`preview-error-${kind}`} shownFields={fields.map((f) => `params.${f}`)} />
      {flow.plan ? (
        <PlanView
          key={flow.planKey}
          plan={flow.plan}
          role={context.role}
          previewedAt={flow.previewedAt}
          blocked={context.blocked}
          starting={flow.starting}
          previewing={flow.previewing}
          startError={flow.startError}
          onStart={flow.start}
          onPreviewAgain={() => flow.preview(params)}
        />
      ) : null}
    </section>
  );
}
