"use client";

import { useId, useState } from "react";
import { approveStep, finishWaitEarly } from "@/app/(console)/clusters/[clusterId]/workflows/actions";
import { ActionErrorNote } from "@/components/workflows/action-error";
import { CommandOutputView } from "@/components/workflows/command-output";
import { PlannedCommands } from "@/components/workflows/planned-commands";
import { KindBadge, StepIcon, StepStatusPill } from "@/components/workflows/status";
import { Elapsed, UntilCountdown, When } from "@/components/workflows/time";
import { useRunAction } from "@/components/workflows/use-run-action";
import type { RunView, StepStatus, StepView } from "@/lib/workflows/types";

const OPEN_BY_DEFAULT: readonly StepStatus[] = ["running", "waiting", "failed", "rollback-failed", "expired"];

function openByDefault(step: StepView, run: RunView): boolean {
  return step.index === run.currentStep || OPEN_BY_DEFAULT.includes(step.status);
}

/** The run's steps in order; the current and failed ones open, the rest a click away. */
export function RunSteps({ run, canAct }: { run: RunView; canAct: boolean }) {
  // only the operator's own clicks are kept: the default follows the run as it moves on
  const [toggled, setToggled] = useState<Record<number, boolean>>({});
  const succeeded = run.steps.filter((s) => s.status === "succeeded").length;
  return (
    <section className="wf-steps-section" aria-labelledby="wf-steps-title">
      <h2 id="wf-steps-title">
        Steps
        <span className="count">
          {succeeded} of {run.steps.length} succeeded
        </span>
      </h2>
      <ol className="wf-steps">
        {run.steps.map((step) => {
          const open = toggled[step.index] ?? openByDefault(step, run);
          return (
            <StepItem
              key={step.key}
              step={step}
              run={run}
              open={open}
              canAct={canAct}
              onToggle={() => setToggled((prev) => ({ ...prev, [step.index]: !open }))}
            />
          );
        })}
      </ol>
    </section>
  );
}

function StepItem({ step, run, open, canAct, onToggle }: { step: StepView; run: RunView; open: boolean; canAct: boolean; onToggle: () => void }) {
  const bodyId = useId();
  const { act, pending, error } = useRunAction(run.clusterId);
  const current = step.index === run.currentStep;
  const live = step.status === "running" || step.status === "waiting";
  const ref = { runId: run.id, step: step.index };
  // the engine reports a wait's reading as the step's message too: show it once, in the wait panel
  const waiting = live && step.wait !== null;
  return (
    <li className="wf-step" data-testid={`step-${step.index}`} data-status={step.status} data-kind={step.kind} aria-current={current ? "step" : undefined}>
      <div className="wf-step-row">
        <StepIcon status={step.status} />
        <button type="button" className="wf-step-toggle" aria-expanded={open} aria-controls={bodyId} onClick={onToggle}>
          <span className="wf-step-no">{step.index + 1}</span>
          <KindBadge kind={step.kind} />
          <span className="wf-step-title">{step.title}</span>
          {step.host ? <span className="wf-host-tag">{step.host}</span> : null}
        </button>
        <StepStatusPill status={step.status} />
        <span className="wf-step-time muted">
          {step.startedAt !== null ? (
            <>
              <When at={step.startedAt} />
              {live || step.finishedAt !== null ? (
                <>
                  {" · "}
                  <Elapsed from={step.startedAt} to={live ? null : step.finishedAt} />
                </>
              ) : null}
            </>
          ) : null}
        </span>
      </div>

      {step.message && !(waiting && step.message === step.wait?.progress) ? (
        <p className="wf-step-message" data-status={step.status}>
          {step.message}
        </p>
      ) : null}

      {waiting && step.wait ? (
        <div className="wf-wait" data-testid={`wait-${step.index}`}>
          <span className="wf-wait-progress">{step.wait.progress ?? "waiting…"}</span>
          {step.wait.until !== null ? (
            <span className="wf-wait-until">
              ends in <UntilCountdown until={step.wait.until} label="the wait ends" />
            </span>
          ) : null}
          {step.wait.canFinishEarly && canAct ? (
            <button type="button" onClick={() => act(finishWaitEarly, ref)} disabled={pending} aria-busy={pending} data-testid={`finish-${step.index}`}>
              {pending ? "Finishing…" : "Finish now"}
            </button>
          ) : null}
        </div>
      ) : null}

      {step.approval ? (
        step.approval.approvedBy !== null ? (
          <p className="wf-approved muted" data-testid={`approved-${step.index}`}>
            approved by {step.approval.approvedBy}
            {step.approval.approvedAt !== null ? (
              <>
                {" at "}
                <When at={step.approval.approvedAt} />
              </>
            ) : null}
          </p>
        ) : step.status === "waiting" ? (
          <div className="wf-approval" data-testid={`approval-${step.index}`}>
            <p className="wf-approval-prompt">{step.approval.prompt}</p>
            {canAct ? (
              <button type="button" className="primary" onClick={() => act(approveStep, ref)} disabled={pending} aria-busy={pending} data-testid={`approve-${step.index}`}>
                {pending ? "Approving…" : "Approve"}
              </button>
            ) : (
              <span className="muted">waiting for an operator to approve</span>
            )}
            {step.approval.expiresAt !== null ? (
              <span className="wf-wait-until" data-testid={`approval-expires-${step.index}`}>
                expires in <UntilCountdown until={step.approval.expiresAt} label="the approval expires and the run is stopped" /> (at{" "}
                <When at={step.approval.expiresAt} />)
              </span>
            ) : null}
          </div>
        ) : step.status === "expired" && step.approval.expiresAt !== null ? (
          <p className="wf-approved muted" data-testid={`approval-expired-${step.index}`}>
            not approved: expired at <When at={step.approval.expiresAt} />
          </p>
        ) : null
      ) : null}

      <ActionErrorNote error={error} testId={`step-error-${step.index}`} />

      {open ? (
        <div id={bodyId} className="wf-step-body">
          <StepBody step={step} />
        </div>
      ) : null}
    </li>
  );
}

function StepBody({ step }: { step: StepView }) {
  const ran = step.commands.length > 0;
  const rolledBack = step.rollback.length > 0;
  const nothing = !ran && step.planned.length === 0 && !rolledBack && step.plannedRollback.length === 0 && !step.runtimeNote;
  return (
    <>
      {step.detail ? <p className="wf-detail">{step.detail}</p> : null}
      {ran ? (
        <div className="wf-outputs">
          {step.commands.map((c, i) => (
            <CommandOutputView key={`${i}-${c.startedAt}`} output={c} testId={`step-${step.index}-command-${i}`} />
          ))}
        </div>
      ) : step.planned.length > 0 ? (
        <>
          <h5 className="wf-sub">{step.status === "pending" ? "Will run" : "Planned (not run)"}</h5>
          <PlannedCommands commands={step.planned} label={`planned commands of step ${step.index + 1}`} />
        </>
      ) : null}
      {step.runtimeNote ? <p className="wf-runtime-note">Decided at run time: {step.runtimeNote}</p> : null}
      {rolledBack ? (
        <>
          <h5 className="wf-sub">Rollback</h5>
          <div className="wf-outputs">
            {step.rollback.map((c, i) => (
              <CommandOutputView key={`${i}-${c.startedAt}`} output={c} testId={`step-${step.index}-rollback-${i}`} />
            ))}
          </div>
        </>
      ) : step.plannedRollback.length > 0 ? (
        <>
          <h5 className="wf-sub">Rollback, if this step or a later one fails, or on cancel</h5>
          <PlannedCommands commands={step.plannedRollback} label={`rollback of step ${step.index + 1}`} />
        </>
      ) : null}
      {nothing ? <p className="muted empty">No commands on hosts in this step.</p> : null}
    </>
  );
}
