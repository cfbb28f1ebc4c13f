import "server-only";
import { errorMessage } from "@/lib/errors";

export interface SiteAnswer {
  url: string;
  /** null when nothing answered */
  status: number | null;
  body: string;
  error: string | null;
  durationMs: number;
}

const BODY_LIMIT = 16 * 1024;

/**
 * At most `limit` bytes of a response's body, then the rest is cancelled unread: a site (or whatever
 * answers on its address) that streams without end cannot fill the console's memory or hold a step.
 */
export async function readBounded(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limit - size));
      size += Math.min(value.byteLength, limit - size);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** One request to the site as a user makes it (through the VIP), from the console. */
export async function fetchSite(siteUrl: string, path: string, timeoutMs = 5_000): Promise<SiteAnswer> {
  const url = new URL(path.replace(/^\//, ""), siteUrl.endsWith("/") ? siteUrl : `${siteUrl}/`).toString();
  const started = performance.now();
  try {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs), cache: "no-store" });
    const body = await readBounded(res, BODY_LIMIT);
    return { url, status: res.status, body, error: null, durationMs: performance.now() - started };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return { url, status: null, body: "", error: `${errorMessage(err)}${cause}`, durationMs: performance.now() - started };
  }
}
