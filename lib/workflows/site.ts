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

/** One request to the site as a user makes it (through the VIP), from the console. */
export async function fetchSite(siteUrl: string, path: string, timeoutMs = 5_000): Promise<SiteAnswer> {
  const url = new URL(path.replace(/^\//, ""), siteUrl.endsWith("/") ? siteUrl : `${siteUrl}/`).toString();
  const started = performance.now();
  try {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs), cache: "no-store" });
    const body = (await res.text()).slice(0, 16 * 1024);
    return { url, status: res.status, body, error: null, durationMs: performance.now() - started };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return { url, status: null, body: "", error: `${errorMessage(err)}${cause}`, durationMs: performance.now() - started };
  }
}
