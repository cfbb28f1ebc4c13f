import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { SeriesQuery } from "@/lib/cluster/samples";
import { querySeries } from "@/lib/cluster/sample-store";
import { AppError } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";

export const dynamic = "force-dynamic";

export async function GET(req: Request, ctx: { params: Promise<{ clusterId: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId } = await ctx.params;
    const search = new URL(req.url).searchParams;
    const parsed = SeriesQuery.safeParse({ series: search.get("series") ?? undefined, range: search.get("range") ?? undefined });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
      throw new AppError("InvalidInput", problems);
    }
    getCluster(clusterId);
    return Response.json(await querySeries({ clusterId, ...parsed.data }), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
