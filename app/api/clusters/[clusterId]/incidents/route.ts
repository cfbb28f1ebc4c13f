import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { getCluster } from "@/lib/inventory";
import { listIncidents } from "@/lib/timeline/incidents";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ clusterId: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId } = await ctx.params;
    getCluster(clusterId);
    return Response.json(await listIncidents(clusterId), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
