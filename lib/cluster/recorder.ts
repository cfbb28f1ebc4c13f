import "server-only";
import { samplesOf, SAMPLE_INTERVAL_MS } from "@/lib/cluster/samples";
import { storeSamples } from "@/lib/cluster/sample-store";
import type { ClusterState } from "@/lib/cluster/state";
import { rememberedState, transitionsOf, unpolledState } from "@/lib/cluster/transitions";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { recordEvents } from "@/lib/timeline/events";

export interface Recorder {
  /** Called with every new state; records what changed and, at most every 10 s, samples. */
  onState(state: ClusterState): Promise<void>;
}

export function createRecorder(cluster: ClusterSpec): Recorder {
  let remembered: ClusterState | null = null;
  let lastSampledAt: number | null = null;
  // One write at a time, in order, even when the collector is faster than the database.
  let queue: Promise<void> = Promise.resolve();

  async function record(state: ClusterState): Promise<void> {
    if (remembered && state.takenAt <= remembered.takenAt) return;
    const prev = remembered ?? unpolledState(state);
    const drafts = transitionsOf(prev, state, cluster);
    remembered = rememberedState(remembered, state);
    const sample = lastSampledAt === null || state.takenAt - lastSampledAt >= SAMPLE_INTERVAL_MS;
    if (sample) lastSampledAt = state.takenAt;
    try {
      await recordEvents(drafts);
    } catch (err) {
      console.error(`[recorder] ${cluster.id}: could not record ${drafts.length} event(s):`, err);
    }
    if (!sample) return;
    try {
      await storeSamples(cluster.id, new Date(state.takenAt), samplesOf(state));
    } catch (err) {
      console.error(`[recorder] ${cluster.id}: could not store samples:`, err);
    }
  }

  return {
    onState(state) {
      queue = queue.then(() => record(state));
      return queue;
    },
  };
}
