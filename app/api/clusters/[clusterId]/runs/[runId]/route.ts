import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { getRunView } from "@/lib/workflows/service";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ clusterId: string; runId: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId, runId } = await ctx.params;
    return Response.json(await getRunView(clusterId, runId), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
