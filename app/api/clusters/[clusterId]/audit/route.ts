import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { auditQueryOf } from "@/lib/audit/filters";
import { queryAudit } from "@/lib/audit/query";
import { getCluster } from "@/lib/inventory";

export const dynamic = "force-dynamic";

/** One page of the command audit, newest first: ?actor&host&kind&outcome&q&from&to&cursor&limit (lib/audit/filters.ts). */
export async function GET(req: Request, ctx: { params: Promise<{ clusterId: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId } = await ctx.params;
    const query = auditQueryOf(new URL(req.url).searchParams);
    getCluster(clusterId);
    return Response.json(await queryAudit(clusterId, query), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
