import {
  configRealOf,
  diskMeaning,
  flavourOfVersion,
  heartbeatProblem,
  isLive,
  type Named,
  isServing,
  lagOf,
  listNames,
  lvsUnreadable,
  missingServices,
  realServerOf,
  realServersOf,
  replicaChannelOf,
  replicationErrors,
  resyncTarget,
  seconds,
  sourceNameOf,
} from "@/lib/cluster/findings-facts";
import type { Finding, Severity, Tier } from "@/lib/cluster/findings-types";
import { maintenanceSource } from "@/lib/cluster/view-helpers";
import type { BalancerState, ClusterState, DatabaseState, DrbdResourceState, HostState, StorageState, WebState } from "@/lib/cluster/state";
import type { ClusterSpec, Role } from "@/lib/inventory/schema";
import type { ReplicationChannel } from "@/lib/probes/mysql-replica-status";
import { formatDuration } from "@/lib/format";

export interface FindingsOptions {
  /** web VMs an operator drained on purpose: weight 0 is expected there */
  drainedHosts?: readonly string[];
}

interface Context {
  state: ClusterState;
  cluster: ClusterSpec;
  drained: ReadonlySet<string>;
}

type Raised = Omit<Finding, "id" | "rule">;

interface Rule {
  rule: string;
  check: (ctx: Context) => Raised[];
}

const TIER_OF_ROLE: Record<Role, Tier> = { lb: "balancer", web: "web", fs: "storage", db: "database" };
const SEVERITY_RANK: Record<Severity, number> = { ok: 0, warning: 1, critical: 2 };
const TIER_ORDER: Tier[] = ["host", "balancer", "web", "storage", "database"];
const PSEUDO_FILESYSTEMS = /^(tmpfs|devtmpfs|udev|overlay|shm|none)$/;
const CRITICAL_DISK_PERCENT = 98;

function raise(severity: Severity, tier: Tier, component: string, hosts: string[], message: string): Raised {
  return { severity, tier, component, hosts, message };
}

const live = <T extends Named>(ctx: Context, items: readonly T[]): T[] =>
  items.filter((x) => isLive(ctx.state, x));

// --- hosts -----------------------------------------------------------------

function hostDown({ state }: Context): Raised[] {
  return state.hosts
    .filter((h) => !h.reachable && !h.keyRejected)
    .map((h) => {
      const prefix = `${h.name}: `;
      const why = h.error?.startsWith(prefix) ? h.error.slice(prefix.length) : h.error;
      return raise("critical", TIER_OF_ROLE[h.role], h.name, [h.name], `${h.name} is not answering${why ? `: ${why}` : ""}`);
    });
}

function hostKeyRejected({ state }: Context): Raised[] {
  return state.hosts
    .filter((h) => h.keyRejected)
    .map((h) =>
      raise("critical", TIER_OF_ROLE[h.role], h.name, [h.name], `${h.name}'s host key was refused: nothing from it is trusted until an admin accepts or rejects the key`),
    );
}

function hostStale({ state, cluster }: Context): Raised[] {
  return state.hosts
    .filter((h) => h.reachable && h.stale && !h.keyRejected)
    .map((h) => {
      const limit = `stale after ${seconds(cluster.thresholds.staleAfterSeconds)}`;
      const message =
        h.lastSeenAt === null
          ? `${h.name} has not been read yet (${limit})`
          : `${h.name}'s readings are ${formatDuration((state.takenAt - h.lastSeenAt) / 1000)} old (${limit})`;
      return raise("warning", "host", h.name, [h.name], message);
    });
}

function probeUnreadable({ state }: Context): Raised[] {
  return state.hosts
    .filter((h) => h.reachable && !h.keyRejected)
    .flatMap((h) =>
      h.problems.map((p) =>
        raise("warning", "host", h.name, [h.name], `could not read ${p.probe} on ${h.name}: ${p.problem.replace(/^could not read: /, "")}`),
      ),
    );
}

function clockOffset(ctx: Context): Raised[] {
  const limit = ctx.cluster.thresholds.clockOffsetSeconds;
  return live(ctx, ctx.state.hosts).flatMap((h) => {
    const offset = h.clockOffsetSeconds;
    if (offset === null || Math.abs(offset) <= limit) return [];
    const direction = offset > 0 ? "ahead of" : "behind";
    return [
      raise("warning", "host", h.name, [h.name], `${h.name}'s clock is ${seconds(Math.abs(offset))} ${direction} the console's (Moodle wants nodes within ${seconds(limit)})`),
    ];
  });
}

function diskFull(ctx: Context): Raised[] {
  const limit = ctx.cluster.thresholds.diskUsedPercent;
  return live(ctx, ctx.state.hosts).flatMap((h: HostState) =>
    h.disks
      .filter((d) => d.usedPercent !== null && d.usedPercent >= limit && !PSEUDO_FILESYSTEMS.test(d.filesystem))
      .map((d) => {
        const used = d.usedPercent ?? 0;
        const severity = used >= CRITICAL_DISK_PERCENT ? "critical" : "warning";
        return raise(severity, "host", h.name, [h.name], `${d.mount} on ${h.name} is ${used} % full (threshold ${limit} %)`);
      }),
  );
}

// --- balancers -------------------------------------------------------------

function vipHolders(ctx: Context): BalancerState[] {
  return live(ctx, ctx.state.balancers).filter((b) => b.holdsVip);
}

function vipUnheld(ctx: Context): Raised[] {
  const answering = live(ctx, ctx.state.balancers);
  if (answering.length === 0 || vipHolders(ctx).length > 0) return [];
  const silent = ctx.state.balancers.filter((b) => !isLive(ctx.state, b)).map((b) => b.name);
  const vip = ctx.state.vip;
  const message =
    silent.length === 0
      ? `no balancer holds the VIP ${vip}: Moodle is unreachable`
      : `${listNames(answering.map((b) => b.name))} does not hold the VIP ${vip} and ${listNames(silent)} is not answering: Moodle is probably unreachable`;
  return [raise("critical", "balancer", "cluster", ctx.state.balancers.map((b) => b.name), message)];
}

function vipSplitBrain(ctx: Context): Raised[] {
  const holders = vipHolders(ctx).map((b) => b.name);
  if (holders.length < 2) return [];
  return [raise("critical", "balancer", "cluster", holders, `${listNames(holders)} both hold the VIP ${ctx.state.vip} — split brain`)];
}

function haStopped(ctx: Context): Raised[] {
  return live(ctx, ctx.state.balancers)
    .filter((b) => b.ha.running === false)
    .map((b) =>
      b.holdsVip
        ? raise("critical", "balancer", b.name, [b.name], `${b.ha.stack} is not running on ${b.name}, which holds the VIP: failover is broken`)
        : raise("warning", "balancer", b.name, [b.name], `${b.ha.stack} is not running on ${b.name}: it would not take over the VIP`),
    );
}

function haPeerDead(ctx: Context): Raised[] {
  const answering = live(ctx, ctx.state.balancers);
  return answering.flatMap((b) => {
    if (b.ha.running !== true || b.ha.peerStatus?.toLowerCase() !== "dead") return [];
    const peer = answering.find((p) => p.name !== b.name);
    // the peer's own word first: a stopped or crashed daemon there is "not running", said by ha-stopped
    if (!peer || peer.ha.running === false) return [];
    const message =
      peer.ha.running === true
        ? `${b.name}'s ${b.ha.stack} sees ${peer.name} as dead, yet ${peer.name} answers the console and its ${peer.ha.stack} runs: the link between them is broken`
        : `${b.name}'s ${b.ha.stack} sees ${peer.name} as dead; ${peer.name} answers the console, but whether its ${peer.ha.stack} runs could not be read`;
    return [raise("warning", "balancer", b.name, [b.name, peer.name], message)];
  });
}

const clockTime = (epochMs: number) => new Date(epochMs).toISOString().slice(11, 19);

/** keepalived in FAULT gives up the VIP and will not take it over (a track script or its interface fails). */
function haFault(ctx: Context): Raised[] {
  const answering = live(ctx, ctx.state.balancers);
  return answering.flatMap((b) => {
    const vrrp = b.ha.vrrp;
    if (b.ha.running !== true || vrrp?.state !== "FAULT") return [];
    const since = vrrp.since === null ? "" : ` since ${clockTime(vrrp.since)} UTC`;
    const holder = answering.some((o) => o.name !== b.name && o.holdsVip);
    const message = `keepalived on ${b.name} is in FAULT (${vrrp.instance}${since}): a track script or its interface fails, so it ${holder ? "would not take over the VIP" : "holds no VIP"}`;
    return [raise(holder ? "warning" : "critical", "balancer", b.name, [b.name], message)];
  });
}

/** keepalived runs but its notify script recorded nothing: MASTER, BACKUP and FAULT cannot be told apart. */
function haStateUnrecorded(ctx: Context): Raised[] {
  return live(ctx, ctx.state.balancers)
    .filter((b) => b.ha.stack === "keepalived" && b.ha.running === true && (b.ha.vrrp === null || b.ha.vrrp.state === null))
    .map((b) =>
      raise("warning", "balancer", b.name, [b.name], `keepalived runs on ${b.name} but no VRRP state is recorded for the VIP: install the notify script (docs/keepalived.md), or a FAULT goes unseen`),
    );
}

/** ldirectord stops at the first error in ldirectord.cf: a start or reload with it fails. */
function ldirectordRefused(ctx: Context): Raised[] {
  return live(ctx, ctx.state.balancers).flatMap((b) => {
    const at = b.config?.refusedAt;
    if (!at) return [];
    const effect = b.holdsVip
      ? "the running ldirectord keeps its old rules, but a restart or a failover back to it would start none"
      : "ldirectord would not start there after a failover: the VIP would lead nowhere";
    return [raise(b.holdsVip ? "warning" : "critical", "balancer", b.name, [b.name], `ldirectord refuses ${b.name}'s ldirectord.cf at line ${at.line} (${at.reason}): ${effect}`)];
  });
}

function serviceMissing(ctx: Context): Raised[] {
  return live(ctx, ctx.state.balancers)
    .filter((b) => !lvsUnreadable(ctx.state, b))
    .flatMap((b) => {
      const missing = missingServices(ctx.cluster, b);
      if (missing.length === 0) return [];
      const list = listNames(missing);
      return [
        b.holdsVip
          ? raise("critical", "balancer", b.name, [b.name], `${b.name} holds the VIP but has no virtual service for ${list}: Moodle gets no traffic there`)
          : raise("warning", "balancer", b.name, [b.name], `${b.name} has no virtual service for ${list}: it could not carry Moodle after a failover`),
      ];
    });
}

/** Balancers that answer and have the virtual service: the pools whose contents we know. */
function knownPools(ctx: Context): BalancerState[] {
  return live(ctx, ctx.state.balancers).filter((b) => b.service !== null);
}

function poolRule(ctx: Context, web: WebState, test: (b: BalancerState) => boolean): string[] {
  if (ctx.drained.has(web.name)) return [];
  return knownPools(ctx)
    .filter(test)
    .map((b) => b.name);
}

// ldirectord quiesces (weight 0) or removes a real server whose check fails: say so, as that is expected.
const becauseChecksFail = (ctx: Context, web: WebState) => (isServing(ctx.state, web) ? "" : ` (ldirectord's check fails on it)`);

function weightZero(ctx: Context): Raised[] {
  return ctx.state.web.flatMap((w) => {
    const at = poolRule(ctx, w, (b) => realServersOf(b, w).some((r) => r.weight === 0));
    if (at.length === 0) return [];
    const message = `${w.name} is at weight 0 on ${listNames(at)} without a drain: it gets no new clients${becauseChecksFail(ctx, w)}`;
    return [raise("warning", "balancer", w.name, [w.name, ...at], message)];
  });
}

function poolMissingWeb(ctx: Context): Raised[] {
  return ctx.state.web.flatMap((w) => {
    const at = poolRule(ctx, w, (b) => realServerOf(b, w) === undefined);
    if (at.length === 0) return [];
    const message = `${w.name} is missing from the pool on ${listNames(at)}: it gets no clients there${becauseChecksFail(ctx, w)}`;
    return [raise("warning", "balancer", w.name, [w.name, ...at], message)];
  });
}

// Each balancer's ldirectord quiesces a failing node on its own schedule: no drift to report then.
function weightDrift(ctx: Context): Raised[] {
  return ctx.state.web.flatMap((w) => {
    if (!isServing(ctx.state, w)) return [];
    const weights = knownPools(ctx).flatMap((b) => {
      const real = realServerOf(b, w);
      return real ? [{ balancer: b.name, weight: real.weight }] : [];
    });
    if (new Set(weights.map((x) => x.weight)).size < 2) return [];
    const described = weights.map((x) => `${x.weight} on ${x.balancer}`).join(" but ");
    return [
      raise("warning", "balancer", w.name, [w.name, ...weights.map((x) => x.balancer)], `${w.name} has weight ${described}: a failover would change the pool`),
    ];
  });
}

function configDifferences(ctx: Context, b: BalancerState): string[] {
  const config = b.config;
  if (config === null) return [];
  const webAt = (address: string) => ctx.state.web.find((w) => w.clusterAddress === address);
  const expectedLow = (address: string, kernelWeight: number | null) => {
    const w = webAt(address);
    if (!w || (kernelWeight !== null && kernelWeight !== 0)) return false;
    return !isServing(ctx.state, w) || ctx.drained.has(w.name);
  };
  const differences: string[] = [];
  for (const c of config.reals) {
    const real = b.realServers.find((r) => r.address === c.address && (c.port === null || r.port === null || r.port === c.port));
    const label = webAt(c.address)?.name ?? c.address;
    if (expectedLow(c.address, real?.weight ?? null)) continue;
    if (!real) differences.push(`${label} is not in the table (config weight ${c.weight})`);
    else if (real.weight !== c.weight) differences.push(`${label} is at weight ${real.weight} (config ${c.weight})`);
  }
  for (const real of b.realServers) {
    if (!configRealOf(b, real.address, real.port)) differences.push(`${real.host ?? real.address} is not in the config`);
  }
  return differences;
}

function configDrift(ctx: Context): Raised[] {
  return knownPools(ctx).flatMap((b) => {
    const differences = configDifferences(ctx, b);
    if (differences.length === 0) return [];
    return [raise("warning", "balancer", b.name, [b.name], `${b.name}'s LVS table differs from ldirectord.cf: ${differences.join(", ")}`)];
  });
}

// --- web -------------------------------------------------------------------

function apacheDown(ctx: Context): Raised[] {
  return live(ctx, ctx.state.web).flatMap((w) => {
    if (w.apache.active === false) return [raise("critical", "web", w.name, [w.name], `Apache is not running on ${w.name}`)];
    if (w.apache.active === null && w.apache.status === null) {
      return [raise("critical", "web", w.name, [w.name], `Apache on ${w.name} does not answer: neither systemctl nor server-status could be read`)];
    }
    return [];
  });
}

function distinctBy(webs: readonly WebState[], value: (w: WebState) => string | null): { name: string; value: string }[] | null {
  const known = webs.flatMap((w) => {
    const v = value(w);
    return v === null ? [] : [{ name: w.name, value: v }];
  });
  return new Set(known.map((k) => k.value)).size > 1 ? known : null;
}

const pairs = (xs: { name: string; value: string }[]) => xs.map((x) => `${x.name}: ${x.value}`).join(", ");

function moodleVersionMismatch(ctx: Context): Raised[] {
  const webs = live(ctx, ctx.state.web);
  const versions = distinctBy(webs, (w) => w.moodle?.version ?? null);
  if (!versions) return [];
  return [
    raise("critical", "web", "cluster", versions.map((v) => v.name), `web nodes run different Moodle versions (${pairs(versions)}): an upgrade is half done`),
  ];
}

function codeMismatch(ctx: Context): Raised[] {
  const webs = live(ctx, ctx.state.web);
  if (distinctBy(webs, (w) => w.moodle?.version ?? null)) return [];
  const releases = distinctBy(webs, (w) => w.moodle?.release ?? null);
  if (releases) {
    return [raise("warning", "web", "cluster", releases.map((r) => r.name), `web nodes run different Moodle releases (${pairs(releases)})`)];
  }
  const code = distinctBy(webs, (w) => w.codeFingerprint);
  if (!code) return [];
  return [raise("warning", "web", "cluster", code.map((c) => c.name), `web nodes serve different code (${pairs(code)})`)];
}

function maintenanceOn(ctx: Context): Raised[] {
  const source = maintenanceSource(ctx.state);
  if (source.on !== true) return [];
  const hosts = source.cliOn.length > 0 ? source.cliOn : live(ctx, ctx.state.web).map((w) => w.name);
  return [raise("warning", "web", "cluster", hosts, `Moodle is in maintenance mode, users get its 503 page: ${source.text}`)];
}

function phpFpmDown(ctx: Context): Raised[] {
  return live(ctx, ctx.state.web)
    .filter((w) => w.php?.handler === "php-fpm" && !w.php.fpmRunning && w.apache.active !== false)
    .map((w) => raise("critical", "web", w.name, [w.name], `Apache on ${w.name} hands PHP to ${w.php?.fpmService ?? "php-fpm"}, which is not running: Moodle's pages fail there`));
}

function nfsUnmounted(ctx: Context): Raised[] {
  return live(ctx, ctx.state.web)
    .filter((w) => w.nfs !== null && !w.nfs.mounted)
    .map((w) => raise("critical", "web", w.name, [w.name], `moodledata is not mounted on ${w.name}: it cannot serve files, uploads or sessions kept there`));
}

// --- storage ---------------------------------------------------------------

const isPrimary = (node: StorageState) => node.drbd.some((r) => r.role === "Primary");

function nfsExportMissing(ctx: Context): Raised[] {
  const path = ctx.cluster.storage.nfsExport;
  return live(ctx, ctx.state.storage)
    .filter((s) => isPrimary(s) && s.exports !== null && !s.exports.some((e) => e.path === path))
    .map((s) => raise("critical", "storage", s.name, [s.name], `${s.name} is the DRBD Primary but does not export ${path}: web nodes cannot mount moodledata`));
}

function nfsAddressUnheld(ctx: Context): Raised[] {
  const address = ctx.cluster.storage.nfsAddress;
  const answering = live(ctx, ctx.state.storage);
  if (address === undefined || answering.length === 0 || answering.some((s) => s.holdsNfsAddress)) return [];
  const silent = ctx.state.storage.filter((s) => !isLive(ctx.state, s)).map((s) => s.name);
  const message =
    silent.length === 0
      ? `no file server holds the NFS address ${address}: web nodes cannot reach moodledata`
      : `${listNames(answering.map((s) => s.name))} does not hold the NFS address ${address} and ${listNames(silent)} is not answering: web nodes probably cannot reach moodledata`;
  return [raise("critical", "storage", "cluster", ctx.state.storage.map((s) => s.name), message)];
}

function nfsAddressSplitBrain(ctx: Context): Raised[] {
  const address = ctx.cluster.storage.nfsAddress;
  const holders = live(ctx, ctx.state.storage).filter((s) => s.holdsNfsAddress).map((s) => s.name);
  if (address === undefined || holders.length < 2) return [];
  return [raise("critical", "storage", "cluster", holders, `${listNames(holders)} both hold the NFS address ${address} — split brain`)];
}

function eachResource(ctx: Context, check: (node: StorageState, resource: DrbdResourceState) => Raised[]): Raised[] {
  return live(ctx, ctx.state.storage).flatMap((node) => node.drbd.flatMap((r) => check(node, r)));
}

function drbdDisconnected(ctx: Context): Raised[] {
  return eachResource(ctx, (node, r) => {
    if (r.peers.length === 0) {
      return [raise("critical", "storage", node.name, [node.name], `DRBD ${r.resource} on ${node.name} has no peer: moodledata is not mirrored`)];
    }
    return r.peers
      .filter((p) => p.connection !== "Connected" && p.connection !== "StandAlone")
      .map((p) =>
        raise(
          "critical",
          "storage",
          node.name,
          [node.name, p.name],
          `DRBD ${r.resource} on ${node.name} is not connected to ${p.name || "its peer"} (${p.connection}): moodledata is not mirrored`,
        ),
      );
  });
}

function drbdStandAlone(ctx: Context): Raised[] {
  return eachResource(ctx, (node, r) =>
    r.peers
      .filter((p) => p.connection === "StandAlone")
      .map((p) =>
        raise(
          "critical",
          "storage",
          node.name,
          [node.name, p.name],
          `DRBD ${r.resource} on ${node.name} is StandAlone from ${p.name || "its peer"}: split brain or a manual disconnect, it will not reconnect by itself`,
        ),
      ),
  );
}

function drbdDiskNotUpToDate(ctx: Context): Raised[] {
  const own = eachResource(ctx, (node, r) =>
    r.disk === "UpToDate" ? [] : [raise("critical", "storage", node.name, [node.name], `DRBD ${r.resource} on ${node.name} is ${r.disk}: ${diskMeaning(r.disk)}`)],
  );
  // A peer the console cannot reach is still described by the node connected to it.
  const seen = eachResource(ctx, (node, r) =>
    r.peers
      .filter((p) => p.connection === "Connected" && p.disk !== null && p.disk !== "UpToDate")
      .filter((p) => !ctx.state.storage.some((s) => s.name === p.name && isLive(ctx.state, s)))
      .map((p) =>
        raise("critical", "storage", p.name || node.name, [p.name, node.name], `DRBD ${r.resource} on ${p.name} is ${p.disk ?? ""} (as ${node.name} sees it): ${diskMeaning(p.disk ?? "")}`),
      ),
  );
  return [...own, ...seen];
}

function resources(ctx: Context): string[] {
  return [...new Set(live(ctx, ctx.state.storage).flatMap((s) => s.drbd.map((r) => r.resource)))];
}

function drbdSplitBrain(ctx: Context): Raised[] {
  return resources(ctx).flatMap((resource) => {
    const primaries = live(ctx, ctx.state.storage)
      .filter((s) => s.drbd.some((r) => r.resource === resource && r.role === "Primary"))
      .map((s) => s.name);
    if (primaries.length < 2) return [];
    return [raise("critical", "storage", "cluster", primaries, `DRBD ${resource}: ${listNames(primaries)} are both Primary — split brain`)];
  });
}

function drbdNoPrimary(ctx: Context): Raised[] {
  const answering = live(ctx, ctx.state.storage);
  return resources(ctx).flatMap((resource) => {
    const views = answering.flatMap((s) => s.drbd.filter((r) => r.resource === resource));
    const primarySeen = views.some((r) => r.role === "Primary" || r.peers.some((p) => p.connection === "Connected" && p.role === "Primary"));
    if (primarySeen) return [];
    const silent = ctx.state.storage.filter((s) => !isLive(ctx.state, s)).map((s) => s.name);
    const message =
      silent.length === 0
        ? `DRBD ${resource} has no Primary: no file server serves moodledata`
        : `DRBD ${resource} has no Primary among the file servers that answer (${listNames(silent)} is not answering): moodledata is probably not served`;
    return [raise("critical", "storage", "cluster", ctx.state.storage.map((s) => s.name), message)];
  });
}

function drbdResync(ctx: Context): Raised[] {
  const byTarget = new Map<string, Raised>();
  for (const node of live(ctx, ctx.state.storage)) {
    for (const r of node.drbd) {
      for (const p of r.peers) {
        const target = resyncTarget(node.name, p);
        if (target === null || byTarget.has(`${r.resource}/${target}`)) continue;
        const source = target === node.name ? p.name : node.name;
        const done = p.donePercent === null ? "progress unknown" : `${Math.round(p.donePercent)} % done`;
        const eta = r.etaSeconds === null ? "" : `, about ${formatDuration(r.etaSeconds)} left`;
        byTarget.set(
          `${r.resource}/${target}`,
          raise("warning", "storage", target, [target, source], `DRBD ${r.resource} is resyncing ${target} from ${source}: ${done}${eta}`),
        );
      }
    }
  }
  return [...byTarget.values()];
}

// --- databases -------------------------------------------------------------

function eachReplica(ctx: Context, check: (db: DatabaseState, channel: ReplicationChannel, source: string) => Raised[]): Raised[] {
  return live(ctx, ctx.state.databases).flatMap((db) => {
    const channel = replicaChannelOf(db);
    return channel ? check(db, channel, sourceNameOf(ctx.state, channel)) : [];
  });
}

function replicationIoStopped(ctx: Context): Raised[] {
  return eachReplica(ctx, (db, ch, source) =>
    ch.ioRunning === "No" ? [raise("critical", "database", db.name, [db.name], `the replication IO thread is stopped on ${db.name}: it no longer receives ${source}'s writes`)] : [],
  );
}

function replicationIoConnecting(ctx: Context): Raised[] {
  return eachReplica(ctx, (db, ch, source) =>
    ch.ioRunning === "Connecting"
      ? [raise("critical", "database", db.name, [db.name], `${db.name} cannot reach its source ${source} (IO thread Connecting): it receives no writes`)]
      : [],
  );
}

function replicationSqlStopped(ctx: Context): Raised[] {
  return eachReplica(ctx, (db, ch, source) =>
    ch.sqlRunning === "No" ? [raise("critical", "database", db.name, [db.name], `the replication SQL thread is stopped on ${db.name}: ${source}'s writes are not applied`)] : [],
  );
}

function replicationError(ctx: Context): Raised[] {
  return eachReplica(ctx, (db, ch) => {
    const errors = replicationErrors(ch);
    return errors.length === 0 ? [] : [raise("critical", "database", db.name, [db.name], `replication on ${db.name} reports ${errors.join("; ")}`)];
  });
}

function replicationLag(ctx: Context): Raised[] {
  const limit = ctx.cluster.thresholds.replicationLagSeconds;
  return eachReplica(ctx, (db, ch, source) => {
    const lag = lagOf(db, ch);
    if (lag === null || lag <= limit) return [];
    const severity = lag > 4 * limit ? "critical" : "warning";
    return [raise(severity, "database", db.name, [db.name], `${db.name} is ${seconds(lag)} behind ${source} (threshold ${seconds(limit)})`)];
  });
}

function replicationLagDisagreement(ctx: Context): Raised[] {
  const tolerance = Math.max(5, ctx.cluster.thresholds.replicationLagSeconds / 2);
  return eachReplica(ctx, (db, ch) => {
    const reported = ch.secondsBehind;
    const heartbeat = db.heartbeatLagSeconds;
    if (reported === null || heartbeat === null || Math.abs(reported - heartbeat) <= tolerance) return [];
    return [
      raise(
        "warning",
        "database",
        db.name,
        [db.name],
        `${db.name}'s Seconds_Behind says ${seconds(reported)} but the heartbeat table says ${seconds(heartbeat)}: trust the heartbeat`,
      ),
    ];
  });
}

function replicationLagNull(ctx: Context): Raised[] {
  return eachReplica(ctx, (db, ch) =>
    ch.secondsBehind === null && ch.ioRunning === "Yes" && ch.sqlRunning === "Yes"
      ? [raise("warning", "database", db.name, [db.name], `${db.name}'s Seconds_Behind is NULL although both replication threads run`)]
      : [],
  );
}

function allWritable(ctx: Context): boolean {
  const dbs = ctx.state.databases;
  return dbs.length >= 2 && dbs.every((d) => isLive(ctx.state, d) && d.readOnly === false);
}

function databasesBothWritable(ctx: Context): Raised[] {
  if (!allWritable(ctx)) return [];
  const names = ctx.state.databases.map((d) => d.name);
  return [raise("critical", "database", "cluster", names, `${listNames(names)} are both writable (read_only OFF): writes can land on either — split brain`)];
}

function replicaWritable(ctx: Context): Raised[] {
  if (allWritable(ctx)) return [];
  return eachReplica(ctx, (db) =>
    db.readOnly === false ? [raise("warning", "database", db.name, [db.name], `${db.name} is a replica but writable (read_only OFF): a stray write would break replication`)] : [],
  );
}

function noWritableDatabase(ctx: Context): Raised[] {
  const answering = live(ctx, ctx.state.databases);
  if (answering.length === 0 || answering.some((d) => d.readOnly !== true)) return [];
  const silent = ctx.state.databases.filter((d) => !isLive(ctx.state, d)).map((d) => d.name);
  const why = silent.length === 0 ? "" : ` (${listNames(silent)} is not answering)`;
  const message = `no database that answers accepts writes${why}: Moodle cannot save anything until one is promoted`;
  return [raise("critical", "database", "cluster", ctx.state.databases.map((d) => d.name), message)];
}

function noReplica(ctx: Context): Raised[] {
  const dbs = ctx.state.databases;
  if (dbs.length === 0 || !dbs.every((d) => isLive(ctx.state, d) && d.replication !== null)) return [];
  if (dbs.some((d) => d.replication?.isReplica === true)) return [];
  const names = dbs.map((d) => d.name);
  return [raise("critical", "database", "cluster", names, `no database is a replica: there is no second copy of the data`)];
}

function databaseFlavourMismatch(ctx: Context): Raised[] {
  const declared = ctx.cluster.database.flavour;
  return live(ctx, ctx.state.databases).flatMap((db) =>
    db.version !== null && flavourOfVersion(db.version) !== declared
      ? [raise("warning", "database", db.name, [db.name], `${db.name} runs ${db.version} but the inventory says database.flavour: ${declared}: the drill would send the other flavour's statements`)]
      : [],
  );
}

function heartbeatNotWritten(ctx: Context): Raised[] {
  const sources = live(ctx, ctx.state.databases).filter((d) => d.replication?.isReplica === false && d.readOnly === false);
  return sources.flatMap((db) => {
    const problem = heartbeatProblem(db);
    return problem ? [raise("warning", "database", db.name, [db.name], problem)] : [];
  });
}

/** Every rule, by its stable name. */
export const RULES: readonly Rule[] = [
  { rule: "host-down", check: hostDown },
  { rule: "host-key-rejected", check: hostKeyRejected },
  { rule: "host-stale", check: hostStale },
  { rule: "probe-unreadable", check: probeUnreadable },
  { rule: "clock-offset", check: clockOffset },
  { rule: "disk-full", check: diskFull },
  { rule: "vip-unheld", check: vipUnheld },
  { rule: "vip-split-brain", check: vipSplitBrain },
  { rule: "ha-stopped", check: haStopped },
  { rule: "ha-peer-dead", check: haPeerDead },
  { rule: "ha-fault", check: haFault },
  { rule: "ha-state-unrecorded", check: haStateUnrecorded },
  { rule: "ldirectord-refused", check: ldirectordRefused },
  { rule: "service-missing", check: serviceMissing },
  { rule: "weight-zero", check: weightZero },
  { rule: "pool-missing-web", check: poolMissingWeb },
  { rule: "weight-drift", check: weightDrift },
  { rule: "config-drift", check: configDrift },
  { rule: "apache-down", check: apacheDown },
  { rule: "moodle-version-mismatch", check: moodleVersionMismatch },
  { rule: "code-mismatch", check: codeMismatch },
  { rule: "maintenance-on", check: maintenanceOn },
  { rule: "php-fpm-down", check: phpFpmDown },
  { rule: "nfs-unmounted", check: nfsUnmounted },
  { rule: "nfs-export-missing", check: nfsExportMissing },
  { rule: "nfs-address-unheld", check: nfsAddressUnheld },
  { rule: "nfs-address-split-brain", check: nfsAddressSplitBrain },
  { rule: "drbd-disconnected", check: drbdDisconnected },
  { rule: "drbd-standalone", check: drbdStandAlone },
  { rule: "drbd-disk-not-uptodate", check: drbdDiskNotUpToDate },
  { rule: "drbd-split-brain", check: drbdSplitBrain },
  { rule: "drbd-no-primary", check: drbdNoPrimary },
  { rule: "drbd-resync", check: drbdResync },
  { rule: "replication-io-stopped", check: replicationIoStopped },
  { rule: "replication-io-connecting", check: replicationIoConnecting },
  { rule: "replication-sql-stopped", check: replicationSqlStopped },
  { rule: "replication-error", check: replicationError },
  { rule: "replication-lag", check: replicationLag },
  { rule: "replication-lag-disagreement", check: replicationLagDisagreement },
  { rule: "replication-lag-null", check: replicationLagNull },
  { rule: "databases-both-writable", check: databasesBothWritable },
  { rule: "replica-writable", check: replicaWritable },
  { rule: "no-writable-database", check: noWritableDatabase },
  { rule: "no-replica", check: noReplica },
  { rule: "database-flavour-mismatch", check: databaseFlavourMismatch },
  { rule: "heartbeat-not-written", check: heartbeatNotWritten },
];

/** Several conditions of one rule on one component (two disks, two resources) become one finding. */
function merge(findings: readonly Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of findings) {
    const prior = byId.get(f.id);
    if (!prior) {
      byId.set(f.id, { ...f, hosts: [...new Set(f.hosts.filter((h) => h !== ""))] });
      continue;
    }
    byId.set(f.id, {
      ...prior,
      severity: SEVERITY_RANK[f.severity] > SEVERITY_RANK[prior.severity] ? f.severity : prior.severity,
      hosts: [...new Set([...prior.hosts, ...f.hosts].filter((h) => h !== ""))],
      message: prior.message.split("; ").includes(f.message) ? prior.message : `${prior.message}; ${f.message}`,
    });
  }
  return [...byId.values()];
}

/** Critical first, then warnings; within a severity by tier (host → database), then component. */
function bySeverityTierComponent(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    TIER_ORDER.indexOf(a.tier) - TIER_ORDER.indexOf(b.tier) ||
    a.component.localeCompare(b.component) ||
    a.rule.localeCompare(b.rule)
  );
}

/** What is wrong with the cluster right now, in an operator's words. */
export function findingsOf(state: ClusterState, cluster: ClusterSpec, options: FindingsOptions = {}): Finding[] {
  const ctx: Context = { state, cluster, drained: new Set(options.drainedHosts ?? []) };
  const raised = RULES.flatMap(({ rule, check }) => check(ctx).map((r): Finding => ({ id: `${rule}:${r.component}`, rule, ...r })));
  return merge(raised).sort(bySeverityTierComponent);
}
