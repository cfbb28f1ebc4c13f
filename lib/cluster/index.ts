import "server-only";
import { ClusterCollector } from "@/lib/cluster/collector";
import { stateOf } from "@/lib/cluster/derive";
import { createRecorder } from "@/lib/cluster/recorder";
import type { ClusterSnapshot } from "@/lib/cluster/snapshot";
import { loadInventory } from "@/lib/inventory";
import { sshPool } from "@/lib/ssh";
import { targetOf } from "@/lib/ssh/target";

interface Registry {
  /** file and mtime of the inventory the collectors were built from */
  inventoryKey: string | null;
  collectors: Map<string, ClusterCollector>;
  timers: NodeJS.Timeout[];
}

const g = globalThis as unknown as { clusterdeckCollectors?: Registry };

function registry(): Registry {
  g.clusterdeckCollectors ??= { inventoryKey: null, collectors: new Map(), timers: [] };
  return g.clusterdeckCollectors;
}

/**
 * Collectors for every cluster in the inventory, started once per server process and rebuilt
 * when the inventory file changes (the lab rewrites its own when it restarts on new ports).
 * Each cluster's state is derived once per poll interval and handed to its recorder, which
 * stores transitions as events and samples for the charts.
 */
export function ensureCollectors(): Map<string, ClusterCollector> {
  const reg = registry();
  const { file, mtimeMs, inventory } = loadInventory();
  const key = `${file}@${mtimeMs}`;
  if (reg.inventoryKey === key) return reg.collectors;
  for (const c of reg.collectors.values()) c.stop();
  for (const t of reg.timers) clearInterval(t);
  reg.collectors = new Map();
  reg.timers = [];
  const pool = sshPool();
  pool.retain(inventory.clusters.flatMap((c) => c.hosts.map((h) => targetOf(c, h))));
  for (const cluster of inventory.clusters) {
    const collector = new ClusterCollector(cluster, pool);
    collector.start();
    reg.collectors.set(cluster.id, collector);
    const recorder = createRecorder(cluster);
    const timer = setInterval(() => {
      const snapshot = collector.snapshot();
      // Until every host has been tried once, a missing host is "not polled yet", not "down".
      if (snapshot.hosts.some((h) => h.lastAttemptAt === null)) return;
      void recorder.onState(stateOf(cluster, snapshot));
    }, cluster.pollIntervalSeconds * 1000);
    timer.unref();
    reg.timers.push(timer);
  }
  reg.inventoryKey = key;
  return reg.collectors;
}

export function clusterSnapshot(clusterId: string): ClusterSnapshot | null {
  return ensureCollectors().get(clusterId)?.snapshot() ?? null;
}
