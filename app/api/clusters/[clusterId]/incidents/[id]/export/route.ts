import { z } from "zod";
import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { publicUrl } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { incidentJson, incidentMarkdown } from "@/lib/timeline/export";
import { incidentIdOf } from "@/lib/timeline/incident-ref";
import { getIncidentView } from "@/lib/timeline/incident-view";

export const dynamic = "force-dynamic";

const ExportQuery = z.object({ format: z.enum(["json", "md"], "json or md") });

/** A post-mortem download of the incident: ?format=json (everything on its page) or md (readable). */
export async function GET(req: Request, ctx: { params: Promise<{ clusterId: string; id: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId, id } = await ctx.params;
    const parsed = ExportQuery.safeParse({ format: new URL(req.url).searchParams.get("format") ?? undefined });
    if (!parsed.success) throw new AppError("InvalidInput", `format: ${parsed.error.issues[0]?.message ?? "json or md"}`);
    const view = await getIncidentView(clusterId, incidentIdOf(id));
    const link = `${publicUrl()}/clusters/${encodeURIComponent(clusterId)}/incidents/${view.incident.id}`;
    const name = `incident-${clusterId.replace(/[^A-Za-z0-9_-]/g, "_")}-${view.incident.id}`;
    const headers = { "cache-control": "no-store" };
    if (parsed.data.format === "json") {
      return new Response(`${JSON.stringify(incidentJson(view, link), null, 2)}\n`, {
        headers: { ...headers, "content-type": "application/json; charset=utf-8", "content-disposition": `attachment; filename="${name}.json"` },
      });
    }
    return new Response(incidentMarkdown(view, link), {
      headers: { ...headers, "content-type": "text/markdown; charset=utf-8", "content-disposition": `attachment; filename="${name}.md"` },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
