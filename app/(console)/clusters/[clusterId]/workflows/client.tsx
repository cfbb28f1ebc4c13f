"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useActionState, useState } from "react";
import { setApprovalPolicy } from "@/app/(console)/clusters/[clusterId]/workflows/actions";
import { PageHead } from "@/components/page-head";
import { ActionErrorNote, FieldErrors } from "@/components/workflows/action-error";
import { DrainCard } from "@/components/workflows/drain-card";
import { MaintenanceCard } from "@/components/workflows/maintenance-card";
import { runPath } from "@/components/workflows/paths";
import { CodeUpdateCard, UpgradeCard } from "@/components/workflows/release-cards";
import { DrainedNodes, LockBanner, RunHistory } from "@/components/workflows/run-list-panels";
import { When } from "@/components/workflows/time";
import { UndrainCard } from "@/components/workflows/undrain-card";
import { useWorkflowStart } from "@/components/workflows/use-workflow-start";
import type { CardContext } from "@/components/workflows/workflow-card";
import type { ActionResult } from "@/lib/action-result";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import { useClusterView } from "@/lib/queries/use-cluster-view";
import { runListQuery } from "@/lib/queries/workflows";
import type { ClusterApprovalPolicy } from "@/lib/workflows/policy";

export function Client({
  clusterId,
  role,
  webHosts,
  hosts,
  releaseSource,
  persistenceSeconds,
  staleAfterSeconds,
  policy,
}: {
  clusterId: string;
  role: OperatorRole;
  webHosts: string[];
  hosts: { name: string; role: string }[];
  releaseSource: { host: string; path: string } | null;
  persistenceSeconds: number;
  staleAfterSeconds: number;
  policy: ClusterApprovalPolicy;
}) {
  const view = useClusterView(clusterId);
  const runs = useQuery(runListQuery(clusterId));
  const undrain = useWorkflowStart(clusterId, "undrain");
  const drained = runs.data?.drained.map((d) => d.host) ?? [];
  const [undrainHost, setUndrainHost] = useState(() => drained[0] ?? webHosts[0] ?? "");
  const canStart = hasRole(role, "operator");
  const lock = runs.data?.lock ?? null;
  const lockRunId = runs.data?.active?.id ?? lock?.runId ?? null;
  const context: CardContext = {
    role,
    blocked: lockRunId ? (
      <>
        another run holds the cluster&apos;s lock (<Link href={runPath(clusterId, lockRunId)}>open it</Link>)
      </>
    ) : null,
  };

  function undrainFromList(host: string) {
    setUndrainHost(host);
    undrain.preview({ host });
    document.getElementById("workflow-undrain")?.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  const state = view.data?.state ?? null;
  return (
    <main className="wf">
      <PageHead
        title="Workflows"
        takenAt={state?.takenAt ?? null}
        staleAfterSeconds={staleAfterSeconds}
        offline={Boolean((view.error && view.dataUpdatedAt) || (runs.error && runs.dataUpdatedAt))}
      >
        <span className="sub" data-testid="lock-line">
          {lockRunId ? "one run at a time: the cluster is locked by a run" : runs.data ? "one run at a time: the cluster is free" : "run state unknown"}
        </span>
      </PageHead>

      {runs.data ? (
        <LockBanner clusterId={clusterId} runs={runs.data} />
      ) : (
        <div className="banner crit" role="alert" data-testid="runs-error">
          Could not load this cluster&apos;s runs{runs.error ? `: ${runs.error.message}` : ""}. Previews still work; starting may be refused.
        </div>
      )}

      {!canStart ? (
        <p className="wf-role-note" data-testid="viewer-note">
          You are signed in as a viewer: you can preview every workflow and follow runs. Viewers can watch; operators start runs.
        </p>
      ) : null}

      {runs.data ? <DrainedNodes clusterId={clusterId} drained={runs.data.drained} onUndrain={undrainFromList} canStart={canStart} /> : null}

      <h2 className="section-title">Start a workflow</h2>
      <p className="muted wf-intro">
        Preview shows the dry run: the guards as they stand now, what to read first, and every step with the exact command per host.
        Nothing changes on the cluster until Start.
      </p>
      <div className="wf-cards">
        <MaintenanceCard clusterId={clusterId} context={context} nodes={state ? state.web.map((w) => ({ name: w.name, maintenance: w.maintenance })) : null} />
        <DrainCard
          clusterId={clusterId}
          context={context}
          webHosts={webHosts}
          drained={drained}
          persistenceSeconds={persistenceSeconds}
          balancers={state?.balancers ?? null}
        />
        <UndrainCard
          context={context}
          flow={undrain}
          webHosts={webHosts}
          drained={drained}
          host={undrainHost}
          onHostChange={setUndrainHost}
        />
        <CodeUpdateCard clusterId={clusterId} context={context} source={{ hosts, initial: releaseSource }} />
        <UpgradeCard clusterId={clusterId} context={context} source={{ hosts, initial: releaseSource }} />
      </div>

      <ApprovalPolicyPanel clusterId={clusterId} role={role} policy={policy} />

      {runs.data ? <RunHistory clusterId={clusterId} history={runs.data.history} /> : null}
    </main>
  );
}

/** The cluster's approval policy: admins change it; everyone sees it. Runs keep the policy they started under. */
function ApprovalPolicyPanel({ clusterId, role, policy }: { clusterId: string; role: OperatorRole; policy: ClusterApprovalPolicy }) {
  const [result, submit, pending] = useActionState(
    (_prev: ActionResult<ClusterApprovalPolicy> | null, form: FormData) =>
      setApprovalPolicy({ clusterId, twoPersonRule: form.get("twoPersonRule") === "on", approvalTtlMinutes: form.get("approvalTtlMinutes") ?? "" }),
    null,
  );
  const current = result?.ok ? result.data : policy;
  const error = result && !result.ok ? result.error : null;
  const canChange = hasRole(role, "admin");
  return (
    <section className="panel wf-policy" aria-labelledby="wf-policy-title" data-testid="approval-policy">
      <h2 id="wf-policy-title">Approvals</h2>
      <p data-testid="approval-policy-current" data-two-person={current.twoPersonRule ? "on" : "off"}>
        {current.twoPersonRule
          ? "Two-person rule on: the operator who starts a run cannot approve its approval steps; another operator or an admin must."
          : "Two-person rule off: any operator, including the one who started the run, may approve its steps."}{" "}
        An approval not given within {current.approvalTtlMinutes} min expires, and the run is stopped and rolled back as a cancel would.
        {current.updatedAt ? (
          <span className="muted">
            {" "}
            (changed <When at={current.updatedAt} />
            {current.updatedBy ? ` by ${current.updatedBy}` : ""})
          </span>
        ) : null}
      </p>
      <p className="muted">A run keeps the policy in force when it started: a change here applies to runs started after it.</p>
      {canChange ? (
        <form action={submit} className="tl-note-form">
          <label className="wf-check">
            <input name="twoPersonRule" type="checkbox" defaultChecked={current.twoPersonRule} data-testid="two-person-rule" />
            Require a second operator to approve (two-person rule)
          </label>
          <label>
            Approvals expire after (minutes, 5 to 1440)
            <input
              name="approvalTtlMinutes"
              type="number"
              min={5}
              max={1440}
              step={1}
              required
              defaultValue={current.approvalTtlMinutes}
              data-testid="approval-ttl"
            />
          </label>
          <FieldErrors messages={error?.fieldErrors?.approvalTtlMinutes} />
          <ActionErrorNote error={error} shownFields={["approvalTtlMinutes"]} testId="approval-policy-error" />
          {result?.ok ? (
            <p className="muted" role="status" data-testid="approval-policy-saved">
              Saved.
            </p>
          ) : null}
          <button type="submit" disabled={pending} data-testid="approval-policy-save">
            {pending ? "Saving…" : "Save"}
          </button>
        </form>
      ) : (
        <p className="muted">Only an admin may change this.</p>
      )}
    </section>
  );
}
