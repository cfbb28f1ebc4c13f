import { type ClusterSnapshot, type HostSnapshot, readingValue } from "@/lib/cluster/snapshot";
import type { ClusterSpec, Role } from "@/lib/inventory/schema";
import type { DiskUsage } from "@/lib/probes/df";
import { type IpAddresses, holdsAddress } from "@/lib/probes/ip-addr";
import type { IpvsTable } from "@/lib/probes/ipvsadm";
import { type IpvsConnections, stickyClientsByServer } from "@/lib/probes/ipvsadm-conns";
import type { LoadAvg } from "@/lib/probes/loadavg";
import type { MemInfo } from "@/lib/probes/meminfo";
import type { Uptime } from "@/lib/probes/uptime";

export type VmStatus = "up" | "stale" | "down" | "key-rejected" | "unknown";

export interface VmView {
  name: string;
  role: Role;
  status: VmStatus;
  error: string | null;
  lastSeenAt: number | null;
  latencyMs: number | null;
  clusterAddress: string | null;
  load1: number | null;
  memUsedPercent: number | null;
  /** the fullest filesystem */
  diskUsedPercent: number | null;
  diskMount: string | null;
  upSeconds: number | null;
  holdsVip: boolean;
  /** probes whose output could not be read or whose command failed, with why */
  probeProblems: { probe: string; problem: string }[];
}

export interface ServerView {
  name: string;
  label: string;
  vms: VmView[];
}

export interface RealServerView {
  address: string;
  port: number | null;
  /** the web VM behind this address, when the inventory knows it */
  host: string | null;
  forward: string;
  weight: number;
  activeConns: number;
  inactiveConns: number;
  stickyClients: number;
  stickyLongestSeconds: number | null;
}

export interface PoolView {
  balancer: string;
  holdsVip: boolean;
  stale: boolean;
  service: { protocol: string; address: string | null; port: number | null; scheduler: string; persistent: number | null } | null;
  realServers: RealServerView[];
  problem: string | null;
}

export interface OverviewView {
  clusterId: string;
  label: string;
  takenAt: number;
  vip: string;
  vipHolders: string[];
  servers: ServerView[];
  pools: PoolView[];
}

const ROLE_ORDER: Role[] = ["lb", "web", "fs", "db"];

function vmStatus(host: HostSnapshot): VmStatus {
  if (host.connection.state === "rejected") return "key-rejected";
  if (host.lastAttemptAt === null) return "unknown";
  if (!host.reachable) return "down";
  return host.stale ? "stale" : "up";
}

function problemsOf(host: HostSnapshot): VmView["probeProblems"] {
  return Object.entries(host.readings).flatMap(([probe, reading]) => {
    const r = reading.result;
    if (r.ok) return [];
    if (r.error === "unreadable") return [{ probe, problem: `could not read: ${r.reason}` }];
    if (r.error === "failed") return [{ probe, problem: `exit ${r.exitCode ?? "?"}: ${r.stderr.trim().split("\n")[0] ?? ""}` }];
    return [{ probe, problem: r.error === "timeout" ? "timed out" : "no output" }];
  });
}

function vmView(host: HostSnapshot, vip: string): VmView {
  const load = readingValue<LoadAvg>(host, "loadavg");
  const mem = readingValue<MemInfo>(host, "meminfo");
  const df = readingValue<DiskUsage>(host, "df");
  const up = readingValue<Uptime>(host, "uptime");
  const addrs = readingValue<IpAddresses>(host, "ip-addr");
  const fullest = (df?.filesystems ?? [])
    .filter((f) => f.usedPercent !== null && !/^(tmpfs|devtmpfs|udev|overlay|shm)$/.test(f.filesystem))
    .sort((a, b) => (b.usedPercent ?? 0) - (a.usedPercent ?? 0))[0];
  return {
    name: host.name,
    role: host.role,
    status: vmStatus(host),
    error: host.error,
    lastSeenAt: host.lastSeenAt,
    latencyMs: host.latencyMs,
    clusterAddress: host.clusterAddress,
    load1: load?.load1 ?? null,
    memUsedPercent: mem?.usedPercent ?? null,
    diskUsedPercent: fullest?.usedPercent ?? null,
    diskMount: fullest?.mount ?? null,
    upSeconds: up?.upSeconds ?? null,
    // Direct routing puts the VIP on every web node's lo too; only a balancer's own interface "holds" it.
    holdsVip: host.role === "lb" && host.reachable && addrs !== null && holdsAddress({ addresses: addrs.addresses.filter((a) => a.iface !== "lo") }, vip),
    probeProblems: problemsOf(host),
  };
}

function poolView(host: HostSnapshot, cluster: ClusterSpec, holdsVip: boolean): PoolView {
  const table = readingValue<IpvsTable>(host, "ipvsadm");
  const conns = readingValue<IpvsConnections>(host, "ipvsadm-conns");
  const base = { balancer: host.name, holdsVip, stale: host.stale };
  if (!table || table.table !== "list") {
    const reading = host.readings.ipvsadm;
    const problem = !host.reachable
      ? `${host.name} is not answering`
      : reading && !reading.result.ok
        ? "ipvsadm output could not be read"
        : "no LVS table yet";
    return { ...base, service: null, realServers: [], problem };
  }
  const { vip, ports } = cluster.balancer;
  const service = table.services.find((s) => s.address === vip && s.port !== null && ports.includes(s.port)) ?? null;
  if (!service) {
    return { ...base, service: null, realServers: [], problem: `no virtual service for ${vip}:${ports.join(",")}` };
  }
  const sticky = conns ? stickyClientsByServer(conns) : [];
  return {
    ...base,
    service: {
      protocol: service.protocol,
      address: service.address,
      port: service.port,
      scheduler: service.scheduler,
      persistent: service.persistent,
    },
    realServers: service.realServers.map((rs) => {
      const pinned = sticky.find((s) => s.destination === rs.address);
      return {
        address: rs.address ?? "?",
        port: rs.port,
        host: cluster.hosts.find((h) => h.role === "web" && h.clusterAddress === rs.address)?.name ?? null,
        forward: rs.forward,
        weight: rs.weight,
        activeConns: rs.activeConns,
        inactiveConns: rs.inactiveConns,
        stickyClients: pinned?.clients ?? 0,
        stickyLongestSeconds: pinned?.longestExpiresInSeconds ?? null,
      };
    }),
    problem: null,
  };
}

/** What the overview shows: both physical servers with their VMs, who holds the VIP, the pool. */
export function overviewOf(cluster: ClusterSpec, snapshot: ClusterSnapshot): OverviewView {
  const vip = cluster.balancer.vip;
  const byName = new Map(snapshot.hosts.map((h) => [h.name, h]));
  const vms = new Map(snapshot.hosts.map((h) => [h.name, vmView(h, vip)]));
  const servers = cluster.servers.map((server) => ({
    name: server.name,
    label: server.label ?? `Server ${server.name}`,
    vms: cluster.hosts
      .filter((h) => h.server === server.name)
      .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role))
      .map((h) => vms.get(h.name))
      .filter((v): v is VmView => v !== undefined),
  }));
  const balancers = cluster.hosts.filter((h) => h.role === "lb");
  const vipHolders = balancers.filter((h) => vms.get(h.name)?.holdsVip).map((h) => h.name);
  const pools = balancers
    .map((h) => byName.get(h.name))
    .filter((h): h is HostSnapshot => h !== undefined)
    .map((h) => poolView(h, cluster, vipHolders.includes(h.name)))
    .sort((a, b) => Number(b.holdsVip) - Number(a.holdsVip));
  return {
    clusterId: cluster.id,
    label: cluster.label ?? cluster.id,
    takenAt: snapshot.takenAt,
    vip,
    vipHolders,
    servers,
    pools,
  };
}
