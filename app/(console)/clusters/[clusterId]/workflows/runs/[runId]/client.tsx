"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Freshness } from "@/components/freshness";
import { Kv } from "@/components/kv";
import { LoadFailed } from "@/components/page-head";
import { workflowsPath } from "@/components/workflows/paths";
import { RunControls } from "@/components/workflows/run-controls";
import { RunSteps } from "@/components/workflows/run-steps";
import { RunStatusPill, WORKFLOW_NAMES } from "@/components/workflows/status";
import { Elapsed, When } from "@/components/workflows/time";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import { isActiveRun, runViewQuery } from "@/lib/queries/workflows";
import type { RunStatus } from "@/lib/workflows/types";

const OUTCOME_TONE: Record<RunStatus, "" | "ok" | "warn" | "crit"> = {
  running: "",
  waiting: "",
  succeeded: "ok",
  failed: "crit",
  cancelled: "warn",
  "needs-attention": "crit",
};

export function Client({ clusterId, runId, role, staleAfterSeconds }: { clusterId: string; runId: string; role: OperatorRole; staleAfterSeconds: number }) {
  const { data: run, error, dataUpdatedAt } = useQuery(runViewQuery(clusterId, runId));
  if (!run) {
    if (!error) {
      return (
        <main className="wf">
          <p className="muted">Loading the run…</p>
        </main>
      );
    }
    return <LoadFailed what="the run" error={error} />;
  }
  const active = isActiveRun(run.status);
  return (
    <main className="wf wf-run">
      <nav className="wf-crumbs" aria-label="Breadcrumb">
        <Link href={workflowsPath(clusterId)}>← Workflows</Link>
      </nav>
      <div className="page-head">
        <h1>{run.title}</h1>
        <RunStatusPill status={run.status} testId="run-status" />
        <span className="sub">
          {WORKFLOW_NAMES[run.kind]} · by {run.actor} · started <When at={run.createdAt} /> · {!active ? "took" : run.status === "needs-attention" ? "halted, open for" : "running for"}{" "}
          <Elapsed from={run.createdAt} to={active ? null : (run.finishedAt ?? run.createdAt)} clock />
        </span>
        {active ? (
          <Freshness at={dataUpdatedAt || null} staleAfterSeconds={Math.min(5, staleAfterSeconds)} error={error ? "cannot reach the console server" : null} />
        ) : null}
      </div>

      {run.outcome ? (
        <div className={`banner wf-outcome ${OUTCOME_TONE[run.status]}`} role="status" data-testid="run-outcome" data-status={run.status}>
          <strong className="wf-outcome-title">Outcome</strong>
          <p>{run.outcome}</p>
        </div>
      ) : null}

      <RunControls run={run} role={role} />

      <div className="wf-run-grid">
        <RunSteps run={run} canAct={hasRole(role, "operator")} />
        <aside className="wf-run-aside">
          <section className="panel" aria-labelledby="wf-params-title">
            <h2 id="wf-params-title">Parameters</h2>
            {run.summary.length === 0 ? (
              <p className="muted empty">none</p>
            ) : (
              <dl className="kv">
                {run.summary.map(([label, value], i) => (
                  <Kv key={`${i}-${label}`} label={label}>
                    {value}
                  </Kv>
                ))}
              </dl>
            )}
          </section>
          {run.steps.some((s) => s.kind === "approval") ? (
            <section className="panel" aria-labelledby="wf-approvals-title" data-testid="run-approval-policy" data-two-person={run.approvalPolicy.twoPersonRule ? "on" : "off"}>
              <h2 id="wf-approvals-title">Approvals</h2>
              <p>
                {run.approvalPolicy.twoPersonRule
                  ? `Two-person rule: ${run.actor} started this run, so another operator or an admin must approve its steps.`
                  : "Two-person rule off: any operator may approve, including the one who started the run."}{" "}
                An approval expires {run.approvalPolicy.approvalTtlMinutes} min after its step starts waiting; then the run is stopped and rolled back.
              </p>
              <p className="muted">
                {run.approvalPolicy.captured
                  ? "This is the cluster's policy as it stood when the run started; changing the policy now does not change this run."
                  : "This run started before approval policies existed: it follows the cluster's current policy."}
              </p>
            </section>
          ) : null}
          {run.overrides.length > 0 ? (
            <section className="panel wf-overrides" aria-labelledby="wf-overrides-title" data-testid="run-overrides">
              <h2 id="wf-overrides-title">Guards overridden</h2>
              <ul>
                {run.overrides.map((o) => (
                  <li key={o.guard} data-testid={`run-override-${o.guard}`}>
                    <div>
                      <span className="mono">{o.guard}</span>
                      <span className="muted">
                        {" "}
                        by {o.by} at <When at={o.at} />
                      </span>
                    </div>
                    <blockquote>{o.reason}</blockquote>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {run.warnings.length > 0 ? (
            <section className="panel" aria-labelledby="wf-warnings-title">
              <h2 id="wf-warnings-title">Warnings read at start</h2>
              <ul className="wf-warning-list">
                {run.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </section>
          ) : null}
        </aside>
      </div>
    </main>
  );
}
