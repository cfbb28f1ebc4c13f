import { ClusterSpec } from "@/lib/inventory/schema";
import { LAYOUT } from "@/test/support/cluster-state";

// The inventory entry matching healthyCluster() (test/support/cluster-state.ts): same VMs, addresses and VIP.

export function labClusterSpec(overrides: Partial<Record<"thresholds" | "servers", unknown>> = {}): ClusterSpec {
  return ClusterSpec.parse({
    id: "lab",
    servers: [{ name: "A" }, { name: "B" }],
    hosts: LAYOUT.map(([name, role, server, clusterAddress]) => ({ name, role, server, address: "127.0.0.1", clusterAddress, auth: { agent: true } })),
    balancer: { vip: "203.0.113.10" },
    storage: { nfsAddress: "192.168.10.30" },
    ...overrides,
  });
}
