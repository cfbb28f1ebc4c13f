import "server-only";
import { pruneAuditIfDue } from "@/lib/audit/retention";
import { findingsOf } from "@/lib/cluster/findings";
import { samplesOf, SAMPLE_INTERVAL_MS } from "@/lib/cluster/samples";
import { storeSamples } from "@/lib/cluster/sample-store";
import type { ClusterState } from "@/lib/cluster/state";
import { rememberedState, transitionsOf, unpolledState } from "@/lib/cluster/transitions";
import { verdictOf } from "@/lib/cluster/verdict";
import { db } from "@/lib/db";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { recordEvents } from "@/lib/timeline/events";
import { type IncidentTransition, createIncidentTracker } from "@/lib/timeline/incidents";
import { recordStateFrame } from "@/lib/timeline/state-frames";
import { notifyIncident } from "@/lib/timeline/webhook";

export interface Recorder {
  /**
   * Called with every new state; records what changed (with the cluster's state at that moment),
   * opens, grows and closes incidents, and at most every 10 s stores samples.
   */
  onState(state: ClusterState): Promise<void>;
}

export interface RecorderOptions {
  /** how long no critical finding must be seen before an incident closes (lib/timeline/incident-logic.ts) */
  closeGraceMs?: number;
  /** told when an incident opens or closes; the default calls the webhook */
  onIncident?: (transition: IncidentTransition) => void;
}

export function createRecorder(cluster: ClusterSpec, options: RecorderOptions = {}): Recorder {
  let remembered: ClusterState | null = null;
  let lastSampledAt: number | null = null;
  const incidents = createIncidentTracker(cluster.id, options.closeGraceMs);
  const onIncident = options.onIncident ?? notifyIncident;
  // One write at a time, in order, even when the collector is faster than the database.
  let queue: Promise<void> = Promise.resolve();

  async function recordChanges(state: ClusterState): Promise<void> {
    const prev = remembered ?? unpolledState(state);
    const drafts = transitionsOf(prev, state, cluster);
    remembered = rememberedState(remembered, state);
    // nodes a drain workflow took out on purpose are not "missing from the pool" (as lib/cluster/views.ts)
    const drainedHosts = (await db.drain.findMany({ where: { clusterId: cluster.id }, select: { host: true } })).map((d) => d.host);
    const findings = findingsOf(state, cluster, { drainedHosts });
    // the incident opens before this poll's events are written, so they belong to it
    const transition = await incidents.observe(state.takenAt, findings);
    if (drafts.length > 0 || transition) {
      await recordStateFrame(cluster.id, state.takenAt, verdictOf(state, cluster, { drainedHosts }), findings);
    }
    await recordEvents(drafts);
    if (transition) onIncident(transition);
  }

  async function record(state: ClusterState): Promise<void> {
    if (remembered && state.takenAt <= remembered.takenAt) return;
    const sample = lastSampledAt === null || state.takenAt - lastSampledAt >= SAMPLE_INTERVAL_MS;
    if (sample) lastSampledAt = state.takenAt;
    try {
      await recordChanges(state);
    } catch (err) {
      console.error(`[recorder] ${cluster.id}: could not record what changed:`, err);
    }
    if (!sample) return;
    try {
      await storeSamples(cluster.id, new Date(state.takenAt), samplesOf(state));
    } catch (err) {
      console.error(`[recorder] ${cluster.id}: could not store samples:`, err);
    }
    try {
      await pruneAuditIfDue(cluster.id, Date.now());
    } catch (err) {
      console.error(`[recorder] ${cluster.id}: could not prune the command audit:`, err);
    }
  }

  return {
    onState(state) {
      queue = queue.then(() => record(state));
      return queue;
    },
  };
}
