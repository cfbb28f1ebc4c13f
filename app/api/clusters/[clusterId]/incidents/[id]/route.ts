import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { incidentIdOf } from "@/lib/timeline/incident-ref";
import { getIncidentView } from "@/lib/timeline/incident-view";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ clusterId: string; id: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId, id } = await ctx.params;
    return Response.json(await getIncidentView(clusterId, incidentIdOf(id)), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
