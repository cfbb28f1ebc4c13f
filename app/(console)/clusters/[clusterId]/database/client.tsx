"use client";

import { ChartSection } from "@/components/chart-section";
import { ReplicationLagChart } from "@/components/charts/replication-lag-chart";
import { DatabasePanel } from "@/components/database-panel";
import { FindingsList } from "@/components/findings-list";
import { LoadFailed, PageHead } from "@/components/page-head";
import { findingsOfTier, sourceDatabase } from "@/lib/cluster/view-helpers";
import { useClusterView } from "@/lib/queries/use-cluster-view";

export function Client({ clusterId, staleAfterSeconds, lagThresholdSeconds }: { clusterId: string; staleAfterSeconds: number; lagThresholdSeconds: number }) {
  const { data, error, dataUpdatedAt } = useClusterView(clusterId);
  if (!data) return <LoadFailed what="the databases" error={error} />;
  const { state, findings } = data;
  const source = sourceDatabase(state.databases);
  // the source first, then replicas, as replication flows
  const ordered = [...state.databases].sort((a, b) => Number(b.name === source?.name) - Number(a.name === source?.name));
  return (
    <main>
      <PageHead title="Databases" takenAt={state.takenAt} staleAfterSeconds={staleAfterSeconds} offline={Boolean(error && dataUpdatedAt)}>
        <span className={source ? "sub" : "problem"} data-testid="source-line">
          {source ? `source: ${source.name}` : "no single writable source"}
        </span>
      </PageHead>
      <FindingsList findings={findingsOfTier(findings, "database")} title="Database findings" empty="Nothing wrong with the databases." />
      <div className="side-by-side">
        {ordered.map((db) => (
          <DatabasePanel key={db.name} db={db} takenAt={state.takenAt} lagThresholdSeconds={lagThresholdSeconds} />
        ))}
      </div>
      <ChartSection>{(range) => <ReplicationLagChart clusterId={clusterId} range={range} />}</ChartSection>
    </main>
  );
}
