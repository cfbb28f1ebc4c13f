import type {
  BalancerState,
  ClusterState,
  DatabaseState,
  DrbdPeerState,
  DrbdResourceState,
  Freshness,
  HostState,
  LdirectordRealConfig,
  RealServerState,
  StorageState,
  WebState,
} from "@/lib/cluster/state";
import type { ClusterSpec, DatabaseFlavour, Role } from "@/lib/inventory/schema";
import type { ReplicationChannel } from "@/lib/probes/mysql-replica-status";

// Facts about a ClusterState shared by the findings rules and the redundancy verdict.

export type Named = Freshness & { name: string };

export function hostNamed(state: ClusterState, name: string): HostState | undefined {
  return state.hosts.find((h) => h.name === name);
}

/** Its values are current and can be trusted: reached on the last attempt, not stale, key accepted. */
export function isLive(state: ClusterState, vm: Named): boolean {
  return vm.reachable && !vm.stale && hostNamed(state, vm.name)?.keyRejected !== true;
}

/** Why a VM's values cannot be used, in a few words. */
export function whyNotLive(state: ClusterState, vm: Named): string {
  if (hostNamed(state, vm.name)?.keyRejected === true) return `${vm.name}'s host key was refused`;
  if (vm.reachable) return `${vm.name}'s readings are stale`;
  return `${vm.name} is not answering`;
}

export function roleOnServer(state: ClusterState, server: string, role: Role): HostState | undefined {
  return state.hosts.find((h) => h.server === server && h.role === role);
}

export function onServer<T extends { server: string }>(items: readonly T[], server: string): T | undefined {
  return items.find((x) => x.server === server);
}

export function serverPhrase(cluster: ClusterSpec, name: string): string {
  return cluster.servers.find((s) => s.name === name)?.label ?? `server ${name}`;
}

/** "lb1", "lb1 and lb2", "a, b and c" */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1] ?? ""}`;
}

/** "45 s", "2.4 s", "0.4 s" */
export function seconds(value: number): string {
  const rounded = Math.abs(value) < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  return `${rounded} s`;
}

export function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}

// --- balancers -------------------------------------------------------------

export function realServerOf(balancer: BalancerState, web: WebState): RealServerState | undefined {
  return balancer.realServers.find((r) => r.host === web.name || (web.clusterAddress !== null && r.address === web.clusterAddress));
}

export function configRealOf(balancer: BalancerState, address: string, port: number | null): LdirectordRealConfig | undefined {
  return balancer.config?.reals.find((c) => c.address === address && (c.port === null || port === null || c.port === port));
}

export function virtualService(cluster: ClusterSpec): string {
  return `${cluster.balancer.vip}:${cluster.balancer.ports[0] ?? 80}`;
}

/** The node's real server in every virtual service of the VIP this balancer has (one per port). */
export function realServersOf(balancer: BalancerState, web: WebState): RealServerState[] {
  return balancer.services.flatMap((s) => s.realServers.filter((r) => r.host === web.name || (web.clusterAddress !== null && r.address === web.clusterAddress)));
}

/** VIP:port of the inventory's ports this balancer's kernel has no virtual service for. */
export function missingServices(cluster: ClusterSpec, balancer: BalancerState): string[] {
  return cluster.balancer.ports.filter((p) => !balancer.services.some((s) => s.port === p)).map((p) => `${cluster.balancer.vip}:${p}`);
}

/** what a balancer's problem says when its LVS table could not be read */
export const LVS_UNREADABLE = "the LVS table could not be read";

/** The LVS table itself could not be read, as opposed to read and found without the service. */
export function lvsUnreadable(state: ClusterState, balancer: BalancerState): boolean {
  const problems = hostNamed(state, balancer.name)?.problems ?? [];
  return balancer.problem === LVS_UNREADABLE || problems.some((p) => p.probe === "ipvsadm" && !p.problem.startsWith("read in part"));
}

// --- web -------------------------------------------------------------------

/** The node answers and Apache is not known to be down: ldirectord is expected to route to it. */
export function isServing(state: ClusterState, web: WebState): boolean {
  return isLive(state, web) && web.apache.active !== false;
}

export function mountHost(source: string | null): string | null {
  if (source === null) return null;
  const colon = source.lastIndexOf(":");
  return colon > 0 ? source.slice(0, colon).replace(/^\[|\]$/g, "") : null;
}

// --- storage ---------------------------------------------------------------

export function resourceOf(node: StorageState, resource: string): DrbdResourceState | undefined {
  return node.drbd.find((r) => r.resource === resource);
}

export function peerNamed(resource: DrbdResourceState, name: string | undefined): DrbdPeerState | undefined {
  return resource.peers.find((p) => p.name === name) ?? (resource.peers.length === 1 ? resource.peers[0] : undefined);
}

const SYNCING = /Sync/;
const TARGET_SIDE = /(Target|T)$/;

/** The node a running resync is writing to, seen from `node`'s side of the connection; null when none runs. */
export function resyncTarget(node: string, peer: DrbdPeerState): string | null {
  const replication = peer.replication ?? "";
  if (!SYNCING.test(replication)) return null;
  return TARGET_SIDE.test(replication) ? node : peer.name;
}

const DISK_MEANING: Record<string, string> = {
  Inconsistent: "it holds no complete copy of moodledata",
  Outdated: "its copy of moodledata is older than its peer's",
  Diskless: "it has no local copy of moodledata (disk failed or detached)",
  Failed: "its disk has failed",
};

export function diskMeaning(disk: string): string {
  return DISK_MEANING[disk] ?? "not UpToDate";
}

// --- databases -------------------------------------------------------------

export function replicaChannelOf(db: DatabaseState): ReplicationChannel | null {
  return db.replication?.isReplica === true ? db.replication.channel : null;
}

/** True lag when the heartbeat table is read, else what the replica says. */
export function lagOf(db: DatabaseState, channel: ReplicationChannel): number | null {
  return db.heartbeatLagSeconds ?? channel.secondsBehind;
}

export function isHostAddress(host: HostState, address: string): boolean {
  return address === host.clusterAddress || address === host.name || address.startsWith(`${host.name}.`);
}

/** The database VM a replica reads from, by its cluster address or name; the address when unknown. */
export function sourceNameOf(state: ClusterState, channel: ReplicationChannel): string {
  const source = state.hosts.find((h) => h.role === "db" && isHostAddress(h, channel.sourceHost));
  return source?.name ?? channel.sourceHost;
}

/** MariaDB names itself in @@version ("10.11.19-MariaDB-0+deb12u1-log"); MySQL does not */
export function flavourOfVersion(version: string): DatabaseFlavour {
  return /mariadb/i.test(version) ? "mariadb" : "mysql";
}

/** pt-heartbeat writes once a second by default; a row this old on its own server is not being written */
const HEARTBEAT_FRESH_SECONDS = 10;
/** time zones are whole quarter hours from UTC */
const ZONE_STEP_SECONDS = 900;

/**
 * Why the writable source's own pt-heartbeat row cannot give a replica its true lag, or null when it can.
 * A row off by whole quarter hours is pt-heartbeat writing local time: it needs --utc (without it,
 * pt-heartbeat 3.2.1 under TZ=America/New_York wrote rows 18000 s "old", real run).
 */
export function heartbeatProblem(db: DatabaseState): string | null {
  if (!db.heartbeatRead) return null;
  const age = db.ownHeartbeatAgeSeconds;
  if (age === null) return `pt-heartbeat writes no row for ${db.name} (server_id ${db.serverId ?? "?"}): the replica's true lag cannot be read`;
  const zone = Math.round(age / ZONE_STEP_SECONDS) * ZONE_STEP_SECONDS;
  const hours = `${Math.round((Math.abs(zone) / 3600) * 100) / 100} h`;
  if (zone !== 0 && Math.abs(age - zone) <= 60) {
    return `${db.name}'s pt-heartbeat row is ${seconds(age)} old, about ${zone < 0 ? "minus " : ""}${hours}: pt-heartbeat writes local time, not UTC (run it with --utc)${zone > 0 ? `, or it stopped ${hours} ago` : ""}`;
  }
  if (age < -2) return `${db.name}'s pt-heartbeat row is ${seconds(-age)} in the future: pt-heartbeat writes local time, not UTC (run it with --utc), or the clocks differ`;
  if (age > HEARTBEAT_FRESH_SECONDS) return `${db.name}'s pt-heartbeat row is ${seconds(age)} old: pt-heartbeat is not updating it, so the replica's lag reads high`;
  return null;
}

export function replicationErrors(channel: ReplicationChannel): string[] {
  const errors: string[] = [];
  const add = (thread: string, errno: number | null, error: string | null) => {
    const text = error === null ? "" : firstLine(error);
    if ((errno === null || errno === 0) && text === "") return;
    errors.push(`${thread} error ${errno ?? "?"}${text === "" ? "" : `: ${text}`}`);
  };
  add("IO", channel.lastIoErrno, channel.lastIoError);
  add("SQL", channel.lastSqlErrno, channel.lastSqlError);
  return errors;
}
