import { HydrationBoundary, dehydrate } from "@tanstack/react-query";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Client } from "@/app/(console)/clusters/[clusterId]/incidents/[id]/client";
import { requirePageOperator } from "@/lib/auth/current";
import { AppError } from "@/lib/errors";
import { makeQueryClient } from "@/lib/queries/client";
import { incidentViewQuery } from "@/lib/queries/timeline";
import { incidentIdOf } from "@/lib/timeline/incident-ref";
import { getIncidentView } from "@/lib/timeline/incident-view";

export const dynamic = "force-dynamic";

interface IncidentPageParams {
  params: Promise<{ clusterId: string; id: string }>;
}

export async function generateMetadata({ params }: IncidentPageParams): Promise<Metadata> {
  const { clusterId, id } = await params;
  return { title: `Incident ${id} — ${clusterId}` };
}

export default async function IncidentPage({ params }: IncidentPageParams) {
  const { clusterId, id: segment } = await params;
  const operator = await requirePageOperator();
  const queryClient = makeQueryClient();
  let id: number;
  try {
    id = incidentIdOf(segment);
    await queryClient.fetchQuery(incidentViewQuery(clusterId, id, () => getIncidentView(clusterId, id)));
  } catch (err) {
    if (err instanceof AppError && err.code === "NotFound") notFound();
    throw err;
  }
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <Client clusterId={clusterId} id={id} role={operator.role} />
    </HydrationBoundary>
  );
}
