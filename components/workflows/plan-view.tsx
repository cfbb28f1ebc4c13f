"use client";

import { type ReactNode, useId, useState } from "react";
import { Kv } from "@/components/kv";
import { ActionErrorNote } from "@/components/workflows/action-error";
import { PlannedCommands } from "@/components/workflows/planned-commands";
import { KindBadge } from "@/components/workflows/status";
import { When } from "@/components/workflows/time";
import type { StartChoice } from "@/components/workflows/use-workflow-start";
import type { ActionError } from "@/lib/action-result";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import type { GuardResult, Plan, PlannedStep } from "@/lib/workflows/types";

/** the same minimum the server's StartInput schema asks of an override's reason */
const MIN_REASON = 10;

interface OverrideChoice {
  on: boolean;
  reason: string;
}

/**
 * A workflow's dry run: what was chosen, what the guards found, what to read first, and every step
 * with the exact commands per host. Start sends exactly this plan's parameters.
 */
export function PlanView({
  plan,
  role,
  previewedAt,
  blocked,
  starting,
  startError,
  onStart,
  onPreviewAgain,
  previewing,
}: {
  plan: Plan;
  role: OperatorRole;
  previewedAt: number | null;
  /** why no run may start now, whatever the plan (another run holds the lock) */
  blocked: ReactNode | null;
  starting: boolean;
  startError: ActionError | null;
  onStart: (choice: StartChoice) => void;
  onPreviewAgain: () => void;
  previewing: boolean;
}) {
  const [acknowledged, setAcknowledged] = useState(false);
  const [overrides, setOverrides] = useState<Record<string, OverrideChoice>>({});
  const blockersId = useId();
  const reasonIdBase = useId();
  const canStart = hasRole(role, "operator");
  const isAdmin = hasRole(role, "admin");
  const refusing = plan.guards.filter((g) => !g.ok);
  const passed = plan.guards.filter((g) => g.ok);
  const overridden = (g: GuardResult) => {
    const o = overrides[g.id];
    return isAdmin && g.overridable && o !== undefined && o.on && o.reason.trim().length >= MIN_REASON;
  };

  const blockers: ReactNode[] = [];
  if (blocked) blockers.push(blocked);
  for (const g of refusing) {
    if (!g.overridable) blockers.push(`the guard ${g.id} refuses, and it cannot be overridden`);
    else if (!isAdmin) blockers.push(`the guard ${g.id} refuses; only an admin may override it, with a written reason`);
    else if (!overridden(g)) blockers.push(`override ${g.id} with a reason of at least ${MIN_REASON} characters, or fix what it refuses`);
  }
  if (plan.warnings.length > 0 && !acknowledged) blockers.push("confirm you have read the warnings");

  function setOverride(guard: string, change: Partial<OverrideChoice>) {
    setOverrides((prev) => {
      const current = prev[guard] ?? { on: false, reason: "" };
      return { ...prev, [guard]: { ...current, ...change } };
    });
  }

  function start() {
    onStart({
      overrides: refusing.filter(overridden).map((g) => ({ guard: g.id, reason: (overrides[g.id]?.reason ?? "").trim() })),
      acknowledged: plan.warnings.length === 0 || acknowledged,
    });
  }

  return (
    <section className="wf-plan" data-testid={`plan-${plan.kind}`} aria-label={`Dry run: ${plan.title}`}>
      <div className="wf-plan-head">
        <h3>Dry run: {plan.title}</h3>
        <span className="muted">
          {previewedAt !== null ? (
            <>
              guards as of <When at={previewedAt} />
            </>
          ) : null}
          <button type="button" className="link wf-again" onClick={onPreviewAgain} disabled={previewing}>
            {previewing ? "checking…" : "check again"}
          </button>
        </span>
      </div>

      {plan.summary.length > 0 ? (
        <dl className="kv wf-summary" aria-label="Parameters">
          {plan.summary.map(([label, value], i) => (
            <Kv key={`${i}-${label}`} label={label}>
              {value}
            </Kv>
          ))}
        </dl>
      ) : null}

      <section className="wf-guards" aria-label="Guards">
        <h4 className="sub-title">Guards</h4>
        {refusing.length === 0 ? (
          <p className="tone-ok wf-all-pass">{plan.guards.length === 0 ? "No guards apply." : "Every guard passes."}</p>
        ) : (
          <ul className="wf-refusals">
            {refusing.map((g) => {
              const o = overrides[g.id] ?? { on: false, reason: "" };
              const short = o.on && o.reason.trim().length < MIN_REASON;
              return (
                <li key={g.id} className="wf-guard" data-ok="false" data-overridden={String(overridden(g))} data-testid={`guard-${g.id}`}>
                  <div className="wf-guard-head">
                    <span className="wf-refuses">refuses</span>
                    <span className="mono">{g.id}</span>
                  </div>
                  <p className="wf-guard-message">{g.message}</p>
                  {!g.overridable ? (
                    <p className="muted wf-guard-note">This guard cannot be overridden: fix what it refuses, then check again.</p>
                  ) : isAdmin ? (
                    <div className="wf-override">
                      <label className="wf-check">
                        <input type="checkbox" checked={o.on} onChange={(e) => setOverride(g.id, { on: e.target.checked })} data-testid={`override-${g.id}`} />
                        Override this guard
                      </label>
                      <label htmlFor={`${reasonIdBase}-${g.id}`}>Why it is safe to go on anyway (recorded with the run)</label>
                      <textarea
                        id={`${reasonIdBase}-${g.id}`}
                        rows={2}
                        value={o.reason}
                        onChange={(e) => setOverride(g.id, { reason: e.target.value })}
                        required={o.on}
                        minLength={MIN_REASON}
                        maxLength={1000}
                        aria-invalid={short}
                        data-testid={`override-reason-${g.id}`}
                      />
                      {short ? <span className="field-error">say why, in at least {MIN_REASON} characters</span> : null}
                    </div>
                  ) : (
                    <p className="muted wf-guard-note">An admin may override this guard with a written reason.</p>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {passed.length > 0 ? (
          <ul className="wf-passed" aria-label="Guards that pass">
            {passed.map((g) => (
              <li key={g.id} data-ok="true" data-testid={`guard-${g.id}`}>
                <span className="tone-ok" aria-hidden="true">
                  ✓
                </span>{" "}
                {g.message} <span className="mono wf-guard-id">{g.id}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      {plan.warnings.length > 0 ? (
        <section className="banner warn wf-warnings" aria-label="Warnings">
          <strong>Read this before starting</strong>
          <ul>
            {plan.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
          {canStart ? (
            <label className="wf-check">
              <input type="checkbox" checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} data-testid="warning-ack" />I have read this
            </label>
          ) : null}
        </section>
      ) : null}

      <section aria-label="Steps">
        <h4 className="sub-title">
          Steps <span className="wf-count">{plan.steps.length}</span>
        </h4>
        <ol className="wf-plan-steps">
          {plan.steps.map((s, i) => (
            <PlanStep key={s.key} step={s} index={i} />
          ))}
        </ol>
      </section>

      <div className="wf-start">
        {canStart ? (
          <>
            <button
              type="button"
              className="primary"
              onClick={start}
              disabled={starting || previewing || blockers.length > 0}
              aria-busy={starting}
              aria-describedby={blockers.length > 0 ? blockersId : undefined}
              data-testid="start-run"
            >
              {starting ? "Starting…" : "Start run"}
            </button>
            {blockers.length > 0 ? (
              <div id={blockersId} className="wf-blockers">
                Start is not possible yet:
                <ul>
                  {blockers.map((b, i) => (
                    <li key={i}>{b}</li>
                  ))}
                </ul>
              </div>
            ) : (
              <span className="muted">The run starts at once; its page follows every step.</span>
            )}
          </>
        ) : (
          <p className="muted" data-testid="plan-viewer-note">
            Viewers can watch; operators start runs.
          </p>
        )}
      </div>
      <ActionErrorNote error={startError} testId="start-error" />
    </section>
  );
}

function PlanStep({ step, index }: { step: PlannedStep; index: number }) {
  return (
    <li className="wf-plan-step" data-kind={step.kind} data-testid={`plan-step-${index}`}>
      <div className="wf-step-line">
        <span className="wf-step-no">{index + 1}</span>
        <KindBadge kind={step.kind} />
        <span className="wf-step-title">{step.title}</span>
        {step.host ? <span className="wf-host-tag">{step.host}</span> : null}
      </div>
      <div className="wf-step-body">
        {step.detail ? <p className="wf-detail">{step.detail}</p> : null}
        <PlannedCommands commands={step.commands} label={`commands of step ${index + 1}`} />
        {step.runtimeNote ? <p className="wf-runtime-note">Decided at run time: {step.runtimeNote}</p> : null}
        {step.rollback.length > 0 ? (
          <>
            <h5 className="wf-sub">Rollback</h5>
            <PlannedCommands commands={step.rollback} label={`rollback of step ${index + 1}`} />
          </>
        ) : null}
      </div>
    </li>
  );
}
