import { HydrationBoundary, dehydrate } from "@tanstack/react-query";
import { Client } from "@/app/(console)/clusters/[clusterId]/drills/client";
import { requirePageOperator } from "@/lib/auth/current";
import { listDrills } from "@/lib/drills/list";
import { canSwitchPower } from "@/lib/drills/power";
import { makeQueryClient } from "@/lib/queries/client";
import { drillListQuery } from "@/lib/queries/drills";
import { type ClusterPageParams, clusterPageMetadata, prefetchClusterPage } from "@/lib/queries/prefetch-cluster";
import { runListQuery } from "@/lib/queries/workflows";
import { listRuns } from "@/lib/workflows/service";

export const dynamic = "force-dynamic";

export const generateMetadata = clusterPageMetadata("Drills");

export default async function DrillsPage({ params }: ClusterPageParams) {
  const { clusterId } = await params;
  const operator = await requirePageOperator();
  const client = makeQueryClient();
  const [{ state, cluster }] = await Promise.all([
    prefetchClusterPage(clusterId, []),
    client.prefetchQuery(runListQuery(clusterId, () => listRuns(clusterId))),
    client.prefetchQuery(drillListQuery(clusterId, () => listDrills(clusterId))),
  ]);
  return (
    <HydrationBoundary state={state}>
      <HydrationBoundary state={dehydrate(client)}>
        <Client
          clusterId={clusterId}
          role={operator.role}
          servers={cluster.servers.map((s) => ({ name: s.name, label: s.label ?? `server ${s.name}` }))}
          switchable={canSwitchPower(cluster)}
          staleAfterSeconds={cluster.thresholds.staleAfterSeconds}
        />
      </HydrationBoundary>
    </HydrationBoundary>
  );
}
