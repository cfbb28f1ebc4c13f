"use client";

import { ChartSection } from "@/components/chart-section";
import { ConnectionsChart } from "@/components/charts/connections-chart";
import { BalancerPanel } from "@/components/balancer-panel";
import { FindingsList } from "@/components/findings-list";
import { LoadFailed, PageHead } from "@/components/page-head";
import { findingsOfTier, vipLine } from "@/lib/cluster/view-helpers";
import { useClusterView } from "@/lib/queries/use-cluster-view";

export function Client({ clusterId, staleAfterSeconds }: { clusterId: string; staleAfterSeconds: number }) {
  const { data, error, dataUpdatedAt } = useClusterView(clusterId);
  if (!data) return <LoadFailed what="the balancers" error={error} />;
  const { state, findings } = data;
  const vip = vipLine(state);
  const webHosts = state.web.map((w) => ({ name: w.name, clusterAddress: w.clusterAddress }));
  return (
    <main>
      <PageHead title="Balancers" takenAt={state.takenAt} staleAfterSeconds={staleAfterSeconds} offline={Boolean(error && dataUpdatedAt)}>
        <span className={vip.ok ? "sub" : "problem"} data-testid="vip-line">
          {vip.text}
        </span>
      </PageHead>
      <FindingsList findings={findingsOfTier(findings, "balancer")} title="Balancer findings" empty="Nothing wrong with the balancers." />
      <div className="side-by-side">
        {state.balancers.map((b) => (
          <BalancerPanel
            key={b.name}
            balancer={b}
            peer={state.balancers.find((x) => x.name !== b.name)}
            takenAt={state.takenAt}
            webHosts={webHosts}
            vipContested={state.vipHolders.length > 1}
          />
        ))}
      </div>
      <ChartSection>{(range) => <ConnectionsChart clusterId={clusterId} range={range} />}</ChartSection>
    </main>
  );
}
