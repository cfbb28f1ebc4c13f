import "server-only";
import type { ClusterCollector } from "@/lib/cluster/collector";
import { stateOf } from "@/lib/cluster/derive";
import type { Recorder } from "@/lib/cluster/recorder";
import type { ClusterSpec } from "@/lib/inventory/schema";

/** Coalesce host updates arriving within this long into one recording: at most 4 a second per cluster. */
export const RECORD_MIN_GAP_MS = 250;

/**
 * Feed the recorder as soon as any host's poll lands (so a change reaches the timeline well within
 * 2 s of being seen), coalesced, one recording at a time, and always ending on the latest state.
 * A timer at the poll interval also records, so a host that goes stale without answering is noticed.
 * Returns a function that stops it.
 */
export function recordLive(cluster: ClusterSpec, collector: ClusterCollector, recorder: Recorder): () => void {
  let pending: NodeJS.Timeout | null = null;
  let busy = false;
  let again = false;
  let lastStartedAt = 0;
  let stopped = false;

  function fire(): void {
    pending = null;
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    const snapshot = collector.snapshot();
    // Until every host has been tried once, a missing host is "not polled yet", not "down".
    if (snapshot.hosts.some((h) => h.lastAttemptAt === null)) return;
    busy = true;
    lastStartedAt = Date.now();
    void recorder.onState(stateOf(cluster, snapshot)).finally(() => {
      busy = false;
      if (again) {
        again = false;
        schedule();
      }
    });
  }

  function schedule(): void {
    if (pending || stopped) return;
    pending = setTimeout(fire, Math.max(0, lastStartedAt + RECORD_MIN_GAP_MS - Date.now()));
    pending.unref();
  }

  const unsubscribe = collector.onSnapshot(schedule);
  const timer = setInterval(schedule, cluster.pollIntervalSeconds * 1000);
  timer.unref();
  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(timer);
    if (pending) clearTimeout(pending);
  };
}
