"use client";

import { useEffect, useState } from "react";
import { remainingSeconds } from "@/lib/cluster/view-helpers";
import { formatCountdown } from "@/lib/format";

/** Counts `seconds` (as of `takenAt`) down to 0:00 in real time, between refreshes. */
export function Countdown({ seconds, takenAt }: { seconds: number | null; takenAt: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const left = remainingSeconds(seconds, takenAt, now);
  if (left === null) return <span className="muted">—</span>;
  return (
    <span className="mono countdown" title={`pins run out in ${Math.ceil(left)} s`} suppressHydrationWarning>
      {formatCountdown(left)}
    </span>
  );
}
