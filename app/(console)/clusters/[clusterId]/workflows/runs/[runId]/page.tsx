import { HydrationBoundary, dehydrate } from "@tanstack/react-query";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Client } from "@/app/(console)/clusters/[clusterId]/workflows/runs/[runId]/client";
import { requirePageOperator } from "@/lib/auth/current";
import { AppError } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";
import { makeQueryClient } from "@/lib/queries/client";
import { runViewQuery } from "@/lib/queries/workflows";
import { getRunView } from "@/lib/workflows/service";

export const dynamic = "force-dynamic";

interface RunPageParams {
  params: Promise<{ clusterId: string; runId: string }>;
}

export async function generateMetadata({ params }: RunPageParams): Promise<Metadata> {
  const { clusterId, runId } = await params;
  return { title: `Run ${runId} — ${clusterId}` };
}

export default async function RunPage({ params }: RunPageParams) {
  const { clusterId, runId } = await params;
  const operator = await requirePageOperator();
  const cluster = getCluster(clusterId);
  const queryClient = makeQueryClient();
  try {
    await queryClient.fetchQuery(runViewQuery(clusterId, runId, () => getRunView(clusterId, runId)));
  } catch (err) {
    if (err instanceof AppError && err.code === "NotFound") notFound();
    // anything else: the browser asks again and says what went wrong
  }
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <Client clusterId={clusterId} runId={runId} role={operator.role} staleAfterSeconds={cluster.thresholds.staleAfterSeconds} />
    </HydrationBoundary>
  );
}
