import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { AppError } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";
import { parseEventQuery } from "@/lib/timeline/event-query";
import { queryTimeline } from "@/lib/timeline/timeline-query";

export const dynamic = "force-dynamic";

/** The timeline's events, newest first: ?tier&host&severity&kind&from&to&q&cursor&limit (lib/timeline/event-query.ts). */
export async function GET(req: Request, ctx: { params: Promise<{ clusterId: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId } = await ctx.params;
    const parsed = parseEventQuery(new URL(req.url).searchParams);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
      throw new AppError("InvalidInput", problems);
    }
    getCluster(clusterId);
    return Response.json(await queryTimeline(clusterId, parsed.data), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
