import { errorResponse } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { getClusterView } from "@/lib/cluster/views";
import { followClusterView } from "@/lib/cluster/view-stream";
import { getCluster } from "@/lib/inventory";

export const dynamic = "force-dynamic";

/** A stream is closed after this long so the browser reconnects and the session is checked again. */
const MAX_STREAM_MS = 5 * 60_000;
const KEEPALIVE_MS = 15_000;

/** The cluster's view as server-sent events, pushed as soon as a host's poll lands or its answer is overdue. */
export async function GET(req: Request, ctx: { params: Promise<{ clusterId: string }> }): Promise<Response> {
  try {
    await requireRole("viewer");
    const { clusterId } = await ctx.params;
    getCluster(clusterId);
    const encoder = new TextEncoder();
    let cleanup = () => undefined as void;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        const send = (text: string) => {
          if (!closed) controller.enqueue(encoder.encode(text));
        };
        const unfollow = followClusterView(clusterId, (view) => send(`data: ${JSON.stringify(view)}\n\n`));
        const keepalive = setInterval(() => send(": keepalive\n\n"), KEEPALIVE_MS);
        const end = setTimeout(() => cleanup(), MAX_STREAM_MS);
        cleanup = () => {
          if (closed) return;
          closed = true;
          unfollow();
          clearInterval(keepalive);
          clearTimeout(end);
          req.signal.removeEventListener("abort", cleanup);
          try {
            controller.close();
          } catch {
            // the client went away first
          }
        };
        req.signal.addEventListener("abort", cleanup);
        send("retry: 1000\n\n");
        void getClusterView(clusterId).then((view) => send(`data: ${JSON.stringify(view)}\n\n`), cleanup);
      },
      cancel() {
        cleanup();
      },
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store, no-transform", "x-accel-buffering": "no" },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
