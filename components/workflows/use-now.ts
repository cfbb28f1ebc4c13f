import { useEffect, useState } from "react";

/** The browser's clock, ticking every `intervalMs` while `ticking`; frozen otherwise. */
export function useNow(ticking = true, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [ticking, intervalMs]);
  return now;
}
