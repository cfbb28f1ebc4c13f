import {
  configRealOf,
  diskMeaning,
  isHostAddress,
  isLive,
  lagOf,
  lvsUnreadable,
  missingServices,
  mountHost,
  onServer,
  peerNamed,
  realServerOf,
  replicaChannelOf,
  replicationErrors,
  resourceOf,
  resyncTarget,
  roleOnServer,
  seconds,
  serverPhrase,
  virtualService,
  whyNotLive,
  type Named,
} from "@/lib/cluster/findings-facts";
import type { RedundancyVerdict, ServerVerdict } from "@/lib/cluster/findings-types";
import { vipReturn } from "@/lib/cluster/preemption";
import type { ClusterState, DrbdResourceState, StorageState } from "@/lib/cluster/state";
import type { ClusterSpec } from "@/lib/inventory/schema";
import type { ReplicationChannel } from "@/lib/probes/mysql-replica-status";
import { formatDuration } from "@/lib/format";

export interface VerdictOptions {
  /** web VMs an operator drained on purpose */
  drainedHosts?: readonly string[];
}

/** X is the server that would fail, Y the one that would have to carry everything. */
interface Pair {
  state: ClusterState;
  cluster: ClusterSpec;
  drained: ReadonlySet<string>;
  x: string;
  y: string;
}

/** Replication this close to the source loses nothing an operator would count. */
const NEGLIGIBLE_LAG_SECONDS = 1;

const isDown = (p: Pair, vm: Named | undefined) => vm === undefined || !isLive(p.state, vm);

function balancerReasons(p: Pair): string[] {
  const lb = onServer(p.state.balancers, p.y);
  const theirs = onServer(p.state.balancers, p.x);
  if (!lb) return theirs ? [`${serverPhrase(p.cluster, p.y)} has no balancer: nothing would take the VIP`] : [];
  if (!isLive(p.state, lb)) return [whyNotLive(p.state, lb)];
  const reasons: string[] = [];
  if (!lb.holdsVip) {
    if (isDown(p, theirs)) reasons.push(`${lb.name} has not taken the VIP${theirs ? ` although ${theirs.name} is not answering` : ""}`);
    else if (lb.ha.running === false) reasons.push(`${lb.ha.stack} is stopped on ${lb.name}: it would not take the VIP`);
    else if (lb.ha.running === null) reasons.push(`whether ${lb.ha.stack} runs on ${lb.name} is unknown`);
    else if (lb.ha.vrrp?.state === "FAULT") reasons.push(`keepalived on ${lb.name} is in FAULT: it would not take the VIP`);
    if (lb.config?.refusedAt) reasons.push(`ldirectord refuses ${lb.name}'s ldirectord.cf (line ${lb.config.refusedAt.line}): it would not start there, so the VIP would lead nowhere`);
  }
  return [...reasons, ...poolReasons(p, lb.holdsVip ? "holds the VIP" : "would take the VIP")];
}

/** After the failover: what happens when X's balancer comes back (keepalived preempts by default). */
function balancerNotes(p: Pair): string[] {
  const back = onServer(p.state.balancers, p.x);
  const holder = onServer(p.state.balancers, p.y);
  if (p.cluster.balancer.ha !== "keepalived" || !back || !holder || !back.holdsVip || !isLive(p.state, back) || !isLive(p.state, holder)) return [];
  const outcome = vipReturn(p.cluster, back, holder);
  if (outcome.returnsTo === null && outcome.known) return [];
  return [outcome.returnsTo ? `when ${back.name} comes back, the VIP moves to it again: ${outcome.why} (a second move; sticky clients lose their pins again)` : `when ${back.name} comes back: ${outcome.why}`];
}

function poolReasons(p: Pair, verb: string): string[] {
  const lb = onServer(p.state.balancers, p.y);
  const web = onServer(p.state.web, p.y);
  if (!lb) return [];
  if (lb.service === null) {
    return lvsUnreadable(p.state, lb)
      ? [`${lb.name}'s LVS table could not be read`]
      : [`${lb.name} ${verb} but has no virtual service for ${virtualService(p.cluster)}`];
  }
  const missing = missingServices(p.cluster, lb).filter((s) => s !== virtualService(p.cluster));
  if (!web || p.drained.has(web.name)) return missing.map((s) => `${lb.name} ${verb} but has no virtual service for ${s}`);
  const reasons: string[] = missing.map((s) => `${lb.name} ${verb} but has no virtual service for ${s}`);
  const zeroElsewhere = lb.services.filter((s) => s.port !== lb.service?.port && s.realServers.some((r) => (r.host === web.name || r.address === web.clusterAddress) && r.weight === 0));
  for (const s of zeroElsewhere) reasons.push(`${lb.name} ${verb} but has ${web.name} at weight 0 on port ${s.port}`);
  const real = realServerOf(lb, web);
  if (!real) reasons.push(`${lb.name} ${verb} but its pool lacks ${web.name}`);
  else if (real.weight === 0) reasons.push(`${lb.name} ${verb} but its pool has ${web.name} at weight 0`);
  const configured = lb.config && web.clusterAddress !== null ? configRealOf(lb, web.clusterAddress, real?.port ?? null) : undefined;
  // ldirectord rebuilds the table from its config when it starts on the new active balancer.
  if (lb.config && web.clusterAddress !== null && !configured) reasons.push(`${lb.name}'s ldirectord.cf lacks ${web.name}: a restarted ldirectord would drop it`);
  else if (configured?.weight === 0) reasons.push(`${lb.name}'s ldirectord.cf gives ${web.name} weight 0: a restarted ldirectord would take it out of the pool`);
  return reasons;
}

function webReasons(p: Pair): string[] {
  const web = onServer(p.state.web, p.y);
  const theirs = onServer(p.state.web, p.x);
  if (!web) return theirs ? [`${serverPhrase(p.cluster, p.y)} has no web node: nothing would serve Moodle`] : [];
  if (!isLive(p.state, web)) return [whyNotLive(p.state, web)];
  const reasons: string[] = [];
  if (web.apache.active === false) reasons.push(`Apache is not running on ${web.name}`);
  else if (web.apache.active === null && web.apache.status === null) reasons.push(`whether Apache runs on ${web.name} is unknown`);
  if (p.drained.has(web.name)) reasons.push(`${web.name} is drained`);
  if (web.nfs === null) reasons.push(`whether ${web.name} has moodledata mounted is unknown`);
  else if (!web.nfs.mounted) reasons.push(`${web.name} has not mounted moodledata`);
  reasons.push(...pinnedMountReasons(p), ...codeReasons(p));
  return reasons;
}

/** A mount of the file server's own address instead of the floating NFS address dies with that server. */
function pinnedMountReasons(p: Pair): string[] {
  const web = onServer(p.state.web, p.y);
  const address = mountHost(web?.nfs?.mounted ? web.nfs.source : null);
  const fs = roleOnServer(p.state, p.x, "fs");
  if (!web || address === null || !fs || !isHostAddress(fs, address)) return [];
  return [`${web.name} mounts moodledata from ${fs.name}'s own address ${address}: it would lose it with ${serverPhrase(p.cluster, p.x)}`];
}

function codeReasons(p: Pair): string[] {
  const web = onServer(p.state.web, p.y);
  const theirs = onServer(p.state.web, p.x);
  if (!web || !theirs || !isLive(p.state, theirs)) return [];
  const mine = web.moodle?.version;
  const other = theirs.moodle?.version;
  if (mine !== undefined && other !== undefined && mine !== other) return [`${web.name} runs Moodle ${mine} but ${theirs.name} runs ${other}`];
  if (web.codeFingerprint !== null && theirs.codeFingerprint !== null && web.codeFingerprint !== theirs.codeFingerprint) {
    return [`${web.name} serves different code from ${theirs.name}`];
  }
  return [];
}

function storageReasons(p: Pair): string[] {
  const fs = onServer(p.state.storage, p.y);
  const theirs = onServer(p.state.storage, p.x);
  if (!fs) return theirs ? [`${serverPhrase(p.cluster, p.y)} has no file server: moodledata would be lost`] : [];
  if (!isLive(p.state, fs)) return [whyNotLive(p.state, fs)];
  if (fs.drbd.length === 0) return [`${fs.name}'s DRBD state is unknown`];
  const many = p.cluster.storage.drbdResources.length > 1;
  const reasons = p.cluster.storage.drbdResources.flatMap((name) => {
    const r = resourceOf(fs, name);
    if (!r) return [`${fs.name} has no DRBD resource ${name}`];
    const on = many ? ` on ${name}` : "";
    return [...copyReasons(fs, r, theirs, on), ...takeoverReasons(p, fs, r, theirs, on)];
  });
  return isDown(p, theirs) ? [...reasons, ...exportReasons(p, fs)] : reasons;
}

/** Does Y hold a complete, current copy of moodledata? */
function copyReasons(fs: StorageState, r: DrbdResourceState, theirs: StorageState | undefined, on: string): string[] {
  const peer = peerNamed(r, theirs?.name);
  if (peer && resyncTarget(fs.name, peer) === fs.name) {
    const left = peer.donePercent === null ? "progress unknown" : `${Math.round(100 - peer.donePercent)} % left`;
    const eta = r.etaSeconds === null ? "" : `, about ${formatDuration(r.etaSeconds)}`;
    return [`${fs.name} is still resyncing${on} from ${peer.name || "its peer"}: ${left}${eta}`];
  }
  return r.disk === "UpToDate" ? [] : [`${fs.name} is ${r.disk}${on}: ${diskMeaning(r.disk)}`];
}

/** Would Y have every file X's Primary accepted, or is Y already serving them? */
function takeoverReasons(p: Pair, fs: StorageState, r: DrbdResourceState, theirs: StorageState | undefined, on: string): string[] {
  if (isDown(p, theirs)) {
    const who = theirs ? ` although ${theirs.name} is not answering` : "";
    return r.role === "Primary" ? [] : [`${fs.name} has not been promoted to DRBD Primary${on}${who}: moodledata is not served`];
  }
  if (!theirs || resourceOf(theirs, r.resource)?.role !== "Primary") return [];
  const peer = peerNamed(r, theirs.name);
  if (peer?.connection === "Connected") return [];
  return [`${fs.name} has been disconnected from ${theirs.name}${on}: files written since then would be lost`];
}

function exportReasons(p: Pair, fs: StorageState): string[] {
  const reasons: string[] = [];
  const path = p.cluster.storage.nfsExport;
  if (fs.exports !== null && !fs.exports.some((e) => e.path === path)) reasons.push(`${fs.name} does not export ${path}`);
  const address = p.cluster.storage.nfsAddress;
  if (address !== undefined && !fs.holdsNfsAddress) reasons.push(`${fs.name} does not hold the NFS address ${address}`);
  return reasons;
}

function databaseReasons(p: Pair): string[] {
  const db = onServer(p.state.databases, p.y);
  const theirs = onServer(p.state.databases, p.x);
  if (!db) return theirs ? [`no VM on ${serverPhrase(p.cluster, p.y)} is a database: ${theirs.name}'s data exists nowhere else`] : [];
  if (!isLive(p.state, db)) return [whyNotLive(p.state, db)];
  if (db.replication === null) return [`${db.name}'s replication state is unknown`];
  const channel = replicaChannelOf(db);
  if (!channel) {
    // Y holds the source: losing X loses only a replica, unless X took writes nobody copies.
    const unreplicated = theirs && isLive(p.state, theirs) && theirs.replication?.isReplica === false && theirs.readOnly === false;
    return unreplicated ? [`${db.name} is not a replica of ${theirs.name}: whatever Moodle writes to ${theirs.name} exists nowhere else`] : [];
  }
  if (isDown(p, theirs)) {
    const who = theirs ? ` although ${theirs.name} is not answering` : "";
    if (db.readOnly === true) return [`${db.name} is still a read-only replica${who}: Moodle cannot write until it is promoted`];
    return db.readOnly === null ? [`whether ${db.name} accepts writes is unknown`] : [];
  }
  return replicaReasons(p, db.name, channel, lagOf(db, channel));
}

function replicaReasons(p: Pair, name: string, ch: ReplicationChannel, lag: number | null): string[] {
  const source = roleOnServer(p.state, p.x, "db");
  const from = source?.name ?? ch.sourceHost;
  const reasons: string[] = [];
  if (source && !isHostAddress(source, ch.sourceHost)) reasons.push(`${name} replicates from ${ch.sourceHost}, not from ${source.name}`);
  if (ch.ioRunning === "No") reasons.push(`${name}'s replication IO thread is stopped: it no longer receives ${from}'s writes`);
  if (ch.ioRunning === "Connecting") reasons.push(`${name} cannot reach ${from} (IO thread Connecting): it receives no writes`);
  if (ch.sqlRunning === "No") reasons.push(`${name}'s replication SQL thread is stopped: ${from}'s writes are not applied`);
  reasons.push(...replicationErrors(ch).map((e) => `${name} reports replication ${e}`));
  if (lag === null) reasons.push(`${name}'s replication lag is unknown`);
  else if (lag > NEGLIGIBLE_LAG_SECONDS) reasons.push(`${name} is ${seconds(lag)} behind: up to ${seconds(lag)} of writes would be lost`);
  return reasons;
}

function serverVerdict(p: Pair, label: string): ServerVerdict {
  const vms = p.state.hosts.filter((h) => h.server === p.y);
  const silent = vms.every((h) => !isLive(p.state, h));
  const reasons = silent
    ? [vms.length === 0 ? `the inventory puts no VM on ${serverPhrase(p.cluster, p.y)}` : `nothing on ${serverPhrase(p.cluster, p.y)} is answering`]
    : [...balancerReasons(p), ...webReasons(p), ...storageReasons(p), ...databaseReasons(p)];
  const notes = silent ? [] : balancerNotes(p);
  return { server: p.x, label, survives: reasons.length === 0, reasons, ...(notes.length > 0 ? { notes } : {}) };
}

/** For each physical server: if it failed now, would the other carry Moodle with no data lost? */
export function verdictOf(state: ClusterState, cluster: ClusterSpec, options: VerdictOptions = {}): RedundancyVerdict {
  const drained = new Set(options.drainedHosts ?? []);
  const servers = cluster.servers.map((server) => {
    const other = cluster.servers.find((s) => s.name !== server.name);
    const label = server.label ?? `Server ${server.name}`;
    if (!other) return { server: server.name, label, survives: false, reasons: ["there is no other physical server"] };
    return serverVerdict({ state, cluster, drained, x: server.name, y: other.name }, label);
  });
  return { redundant: servers.every((s) => s.survives), servers };
}
