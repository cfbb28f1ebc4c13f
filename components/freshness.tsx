"use client";

import { useEffect, useState } from "react";
import { formatDuration } from "@/lib/format";

/** "updated 3 s ago", ticking every second; turns to a warning when the data is old. */
export function Freshness({ at, staleAfterSeconds = 10, error }: { at: number | null; staleAfterSeconds?: number; error?: string | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  if (at === null) return <span className="freshness stale">no data yet</span>;
  const age = Math.max(0, (now - at) / 1000);
  const stale = age > staleAfterSeconds || Boolean(error);
  return (
    // the server's clock and the browser's differ by the render time; the next tick corrects it
    <span className={`freshness${stale ? " stale" : ""}`} data-testid="freshness" title={new Date(at).toISOString()} suppressHydrationWarning>
      updated {formatDuration(age)} ago{error ? ` — ${error}` : ""}
    </span>
  );
}
