import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { csvCappedNote, csvHeader, csvLine, jsonRow } from "@/lib/audit/export";
import { auditQueryOf } from "@/lib/audit/filters";
import { EXPORT_ROW_CAP, auditRowsFor } from "@/lib/audit/query";
import { AppError } from "@/lib/errors";
import { getCluster } from "@/lib/inventory";

export const dynamic = "force-dynamic";

/** The filtered command audit as a download (?format=csv|json plus the page's filters), streamed, at most EXPORT_ROW_CAP rows. */
export async function GET(req: Request, ctx: { params: Promise<{ clusterId: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId } = await ctx.params;
    const search = new URL(req.url).searchParams;
    const format = search.get("format") ?? "csv";
    if (format !== "csv" && format !== "json") throw new AppError("InvalidInput", "format: csv or json");
    search.delete("format");
    // an export is every matching row, not one page of them
    search.delete("limit");
    const query = auditQueryOf(search);
    getCluster(clusterId);
    const rows = auditRowsFor(clusterId, { ...query, cursor: undefined });
    const encoder = new TextEncoder();
    let started = false;
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          if (!started) {
            started = true;
            controller.enqueue(encoder.encode(format === "csv" ? csvHeader() : `{"cluster":${JSON.stringify(clusterId)},"rows":[\n`));
          }
          const next = await rows.next();
          if (next.done) {
            const { capped } = next.value;
            if (format === "csv") {
              if (capped) controller.enqueue(encoder.encode(csvCappedNote(EXPORT_ROW_CAP)));
            } else {
              controller.enqueue(encoder.encode(`\n],"capped":${capped},"cap":${EXPORT_ROW_CAP}}\n`));
            }
            controller.close();
            return;
          }
          const text = next.value
            .map((r) => {
              if (format === "csv") return csvLine(r);
              const line = `${first ? "" : ",\n"}${JSON.stringify(jsonRow(r))}`;
              first = false;
              return line;
            })
            .join("");
          controller.enqueue(encoder.encode(text));
        } catch (err) {
          console.error("[audit] export failed part-way:", err);
          controller.error(err);
        }
      },
      async cancel() {
        await rows.return({ capped: false });
      },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return new Response(body, {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="clusterdeck-audit-${clusterId.replace(/[^A-Za-z0-9_-]/g, "_")}-${stamp}.${format}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
