import { ClusterSpec } from "@/lib/inventory/schema";

// The inventory entry matching healthyCluster() (test/support/cluster-state.ts): same VMs, addresses and VIP.

const HOSTS: [string, "lb" | "web" | "fs" | "db", string, string][] = [
  ["lb1", "lb", "A", "192.168.10.10"],
  ["web1", "web", "A", "192.168.10.11"],
  ["fs1", "fs", "A", "192.168.10.15"],
  ["db1", "db", "A", "192.168.10.18"],
  ["lb2", "lb", "B", "192.168.10.20"],
  ["web2", "web", "B", "192.168.10.21"],
  ["fs2", "fs", "B", "192.168.10.25"],
  ["db2", "db", "B", "192.168.10.28"],
];

export function labClusterSpec(overrides: Partial<Record<"thresholds" | "servers", unknown>> = {}): ClusterSpec {
  return ClusterSpec.parse({
    id: "lab",
    servers: [{ name: "A" }, { name: "B" }],
    hosts: HOSTS.map(([name, role, server, clusterAddress]) => ({ name, role, server, address: "127.0.0.1", clusterAddress, auth: { agent: true } })),
    balancer: { vip: "203.0.113.10" },
    storage: { nfsAddress: "192.168.10.30" },
    ...overrides,
  });
}
