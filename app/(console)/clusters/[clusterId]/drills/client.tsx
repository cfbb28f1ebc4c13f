"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { BalancerDrillCard, DatabaseDrillCard, ServerDrillCard, StorageDrillCard } from "@/components/drills/drill-cards";
import { DrillTrend, FailoverAcks, Scorecards } from "@/components/drills/scorecards";
import { PageHead } from "@/components/page-head";
import { runPath } from "@/components/workflows/paths";
import type { CardContext } from "@/components/workflows/workflow-card";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import { clusterViewQuery } from "@/lib/queries/cluster-view";
import { drillListQuery } from "@/lib/queries/drills";
import { runListQuery } from "@/lib/queries/workflows";

export function Client({
  clusterId,
  role,
  servers,
  switchable,
  staleAfterSeconds,
}: {
  clusterId: string;
  role: OperatorRole;
  servers: { name: string; label: string }[];
  switchable: boolean;
  staleAfterSeconds: number;
}) {
  const view = useQuery(clusterViewQuery(clusterId));
  const runs = useQuery(runListQuery(clusterId));
  const drills = useQuery(drillListQuery(clusterId));
  const lockRunId = runs.data?.active?.id ?? runs.data?.lock?.runId ?? null;
  const context: CardContext = {
    role,
    blocked: lockRunId ? (
      <>
        another run holds the cluster&apos;s lock (<Link href={runPath(clusterId, lockRunId)}>open it</Link>)
      </>
    ) : null,
  };
  const verdict = view.data?.verdict ?? null;
  return (
    <main className="wf">
      <PageHead title="Failover drills" takenAt={view.data?.state.takenAt ?? null} staleAfterSeconds={staleAfterSeconds} offline={Boolean(view.error && view.dataUpdatedAt)}>
        <span className="sub" data-testid="drill-verdict">
          {verdict ? verdict.servers.map((s) => `lose ${s.label}: ${s.survives ? "yes" : "no"}`).join(" · ") : "verdict unknown"}
        </span>
      </PageHead>
      <p className="muted wf-intro">
        The cluster&apos;s promise is only as good as the last time it was tested. A drill checks first (the verdict must be yes for what it
        fails, replication caught up, DRBD UpToDate), writes down what it expects, measures while it runs, and restores on its own when a bound
        is crossed.
      </p>
      {drills.data ? <FailoverAcks clusterId={clusterId} marks={drills.data.unacknowledged} canAct={hasRole(role, "operator")} /> : null}
      <div className="wf-cards">
        <BalancerDrillCard clusterId={clusterId} context={context} />
        <StorageDrillCard clusterId={clusterId} context={context} />
        <DatabaseDrillCard clusterId={clusterId} context={context} />
        <ServerDrillCard clusterId={clusterId} context={context} servers={servers} switchable={switchable} />
      </div>
      {drills.data ? (
        <>
          <DrillTrend scores={drills.data.scores} />
          <Scorecards clusterId={clusterId} scores={drills.data.scores} />
        </>
      ) : (
        <div className="banner crit" role="alert">
          Could not load the scorecards{drills.error ? `: ${drills.error.message}` : ""}.
        </div>
      )}
    </main>
  );
}
