import { Client } from "@/app/(console)/clusters/[clusterId]/host-keys/client";
import { requirePageOperator } from "@/lib/auth/current";
import { clusterPageMetadata } from "@/lib/queries/prefetch-cluster";
import { hostKeysView } from "@/lib/ssh/host-keys";

export const dynamic = "force-dynamic";

export const generateMetadata = clusterPageMetadata("Host keys");

export default async function HostKeysPage({ params }: { params: Promise<{ clusterId: string }> }) {
  const operator = await requirePageOperator();
  const { clusterId } = await params;
  return <Client view={await hostKeysView(clusterId)} role={operator.role} />;
}
