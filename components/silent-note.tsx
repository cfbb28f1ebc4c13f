import type { Freshness } from "@/lib/cluster/state";
import { isSilent } from "@/lib/cluster/view-helpers";
import { formatDuration } from "@/lib/format";

/** For a host we cannot see: why, and how old its values are. Renders nothing for a live host. */
export function SilentNote({ of: x, takenAt }: { of: Freshness; takenAt: number }) {
  if (!isSilent(x)) return null;
  const age = x.lastSeenAt === null ? null : Math.max(0, (takenAt - x.lastSeenAt) / 1000);
  return (
    <div className="silent-note" role="status">
      <strong>{x.reachable ? "stale" : "not answering"}</strong>
      {x.error ? `: ${x.error}` : ""}
      <span className="muted"> · {age === null ? "never seen: values unknown" : `values below are ${formatDuration(age)} old`}</span>
    </div>
  );
}
