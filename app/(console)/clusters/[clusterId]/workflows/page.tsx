import { HydrationBoundary, dehydrate } from "@tanstack/react-query";
import { Client } from "@/app/(console)/clusters/[clusterId]/workflows/client";
import { requirePageOperator } from "@/lib/auth/current";
import { makeQueryClient } from "@/lib/queries/client";
import { type ClusterPageParams, clusterPageMetadata, prefetchClusterPage } from "@/lib/queries/prefetch-cluster";
import { runListQuery } from "@/lib/queries/workflows";
import { getClusterPolicy } from "@/lib/workflows/policy";
import { listRuns } from "@/lib/workflows/service";

export const dynamic = "force-dynamic";

export const generateMetadata = clusterPageMetadata("Workflows");

export default async function WorkflowsPage({ params }: ClusterPageParams) {
  const { clusterId } = await params;
  const operator = await requirePageOperator();
  const runsClient = makeQueryClient();
  const [{ state, cluster }, , policy] = await Promise.all([
    prefetchClusterPage(clusterId, []),
    runsClient.prefetchQuery(runListQuery(clusterId, () => listRuns(clusterId))),
    getClusterPolicy(clusterId),
  ]);
  const release = cluster.web.releaseSource;
  return (
    <HydrationBoundary state={state}>
      <HydrationBoundary state={dehydrate(runsClient)}>
        <Client
          clusterId={clusterId}
          role={operator.role}
          webHosts={cluster.hosts.filter((h) => h.role === "web").map((h) => h.name)}
          hosts={cluster.hosts.map((h) => ({ name: h.name, role: h.role }))}
          releaseSource={release ? { host: release.host, path: release.path } : null}
          persistenceSeconds={cluster.balancer.persistence}
          staleAfterSeconds={cluster.thresholds.staleAfterSeconds}
          policy={policy}
        />
      </HydrationBoundary>
    </HydrationBoundary>
  );
}
