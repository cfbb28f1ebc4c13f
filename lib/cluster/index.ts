import "server-only";
import { ClusterCollector } from "@/lib/cluster/collector";
import type { ClusterSnapshot } from "@/lib/cluster/snapshot";
import { getInventory } from "@/lib/inventory";
import type { Inventory } from "@/lib/inventory/schema";
import { sshPool } from "@/lib/ssh";
import { targetOf } from "@/lib/ssh/target";

interface Registry {
  inventory: Inventory | null;
  collectors: Map<string, ClusterCollector>;
}

const g = globalThis as unknown as { clusterdeckCollectors?: Registry };

function registry(): Registry {
  g.clusterdeckCollectors ??= { inventory: null, collectors: new Map() };
  return g.clusterdeckCollectors;
}

/**
 * Collectors for every cluster in the inventory, started once per server process and rebuilt
 * when the inventory file changes (the lab rewrites its own when it restarts on new ports).
 */
export function ensureCollectors(): Map<string, ClusterCollector> {
  const reg = registry();
  const inventory = getInventory();
  if (reg.inventory === inventory) return reg.collectors;
  for (const c of reg.collectors.values()) c.stop();
  reg.collectors = new Map();
  const pool = sshPool();
  pool.retain(inventory.clusters.flatMap((c) => c.hosts.map((h) => targetOf(c, h))));
  for (const cluster of inventory.clusters) {
    const collector = new ClusterCollector(cluster, pool);
    collector.start();
    reg.collectors.set(cluster.id, collector);
  }
  reg.inventory = inventory;
  return reg.collectors;
}

export function clusterSnapshot(clusterId: string): ClusterSnapshot | null {
  return ensureCollectors().get(clusterId)?.snapshot() ?? null;
}
