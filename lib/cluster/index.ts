import "server-only";
import { ClusterCollector } from "@/lib/cluster/collector";
import { recordLive } from "@/lib/cluster/live-recorder";
import { createRecorder } from "@/lib/cluster/recorder";
import type { ClusterSnapshot } from "@/lib/cluster/snapshot";
import { loadInventory } from "@/lib/inventory";
import { sshPool } from "@/lib/ssh";
import { targetOf } from "@/lib/ssh/target";

interface Registry {
  /** file and mtime of the inventory the collectors were built from */
  inventoryKey: string | null;
  collectors: Map<string, ClusterCollector>;
  /** stop each cluster's live recording */
  recordings: (() => void)[];
}

const g = globalThis as unknown as { clusterdeckCollectors?: Registry };

function registry(): Registry {
  g.clusterdeckCollectors ??= { inventoryKey: null, collectors: new Map(), recordings: [] };
  return g.clusterdeckCollectors;
}

/**
 * Collectors for every cluster in the inventory, started once per server process and rebuilt
 * when the inventory file changes (the lab rewrites its own when it restarts on new ports).
 * Each cluster's state is derived as soon as a host's poll lands (coalesced) and handed to its
 * recorder, which stores transitions as events, incidents and samples for the charts.
 */
export function ensureCollectors(): Map<string, ClusterCollector> {
  const reg = registry();
  const { file, mtimeMs, inventory } = loadInventory();
  const key = `${file}@${mtimeMs}`;
  if (reg.inventoryKey === key) return reg.collectors;
  for (const c of reg.collectors.values()) c.stop();
  for (const stop of reg.recordings ?? []) stop();
  reg.collectors = new Map();
  reg.recordings = [];
  const pool = sshPool();
  pool.retain(inventory.clusters.flatMap((c) => c.hosts.map((h) => targetOf(c, h))));
  for (const cluster of inventory.clusters) {
    const collector = new ClusterCollector(cluster, pool);
    collector.start();
    reg.collectors.set(cluster.id, collector);
    reg.recordings.push(recordLive(cluster, collector, createRecorder(cluster)));
  }
  reg.inventoryKey = key;
  return reg.collectors;
}

export function clusterSnapshot(clusterId: string): ClusterSnapshot | null {
  return ensureCollectors().get(clusterId)?.snapshot() ?? null;
}
