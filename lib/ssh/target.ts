import type { ClusterSpec, HostSpec } from "@/lib/inventory/schema";
import type { HostTarget } from "@/lib/ssh/types";

export function targetOf(cluster: ClusterSpec, host: HostSpec): HostTarget {
  return {
    clusterId: cluster.id,
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    auth: host.auth,
    hostKeys: host.hostKeys,
  };
}
