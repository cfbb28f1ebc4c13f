import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { listDrills } from "@/lib/drills/list";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ clusterId: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId } = await ctx.params;
    return Response.json(await listDrills(clusterId), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
