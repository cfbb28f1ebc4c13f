import { HydrationBoundary, dehydrate } from "@tanstack/react-query";
import { filtersOf, searchOf } from "@/app/(console)/clusters/[clusterId]/timeline/search-params";
import { Client } from "@/app/(console)/clusters/[clusterId]/timeline/client";
import { requirePageOperator } from "@/lib/auth/current";
import { EVENT_KINDS } from "@/lib/cluster/transitions";
import { getCluster } from "@/lib/inventory";
import { makeQueryClient } from "@/lib/queries/client";
import { clusterPageMetadata } from "@/lib/queries/prefetch-cluster";
import { incidentListQuery, timelineQuery } from "@/lib/queries/timeline";
import { parseEventQuery } from "@/lib/timeline/event-query";
import { listIncidents } from "@/lib/timeline/incidents";
import { queryTimeline } from "@/lib/timeline/timeline-query";

export const dynamic = "force-dynamic";

export const generateMetadata = clusterPageMetadata("Timeline");

interface TimelinePageProps {
  params: Promise<{ clusterId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function TimelinePage({ params, searchParams }: TimelinePageProps) {
  const { clusterId } = await params;
  await requirePageOperator();
  const cluster = getCluster(clusterId);
  const search = searchOf(filtersOf(await searchParams));
  const parsed = parseEventQuery(new URLSearchParams(search));
  const queryClient = makeQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(incidentListQuery(clusterId, () => listIncidents(clusterId))),
    parsed.success ? queryClient.prefetchQuery(timelineQuery(clusterId, search, () => queryTimeline(clusterId, parsed.data))) : null,
  ]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <Client
        clusterId={clusterId}
        hosts={cluster.hosts.map((h) => h.name)}
        kinds={[...EVENT_KINDS]}
        invalid={parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join(".") || "filter"}: ${i.message}`).join("; ")}
      />
    </HydrationBoundary>
  );
}
