import "server-only";
import type { Operator } from "@/lib/auth/sessions";
import type { EventDraft } from "@/lib/cluster/transitions";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { type ClusterSpec, type HostSpec, getCluster } from "@/lib/inventory";
import type { HostKeyPolicy } from "@/lib/ssh/connection";
import { targetOf } from "@/lib/ssh/target";
import type { HostTarget } from "@/lib/ssh/types";
import { recordEvents } from "@/lib/timeline/events";

export type HostKeyVerdict = "accepted" | "rejected";

export interface HostKeyDecisionRecord {
  id: number;
  clusterId: string;
  host: string;
  fingerprint: string;
  decision: HostKeyVerdict;
  reason: string;
  decidedBy: string;
  /** epoch ms */
  decidedAt: number;
  /** what was trusted for the host when it was decided */
  pinned: string[];
  revokedAt: number | null;
  revokedBy: string | null;
}

/** A key a host offered that is not trusted: "unknown" when nothing is trusted for it, "changed" when another key is. */
export interface OfferedHostKey {
  clusterId: string;
  host: string;
  fingerprint: string;
  /** the keys trusted for the host when it offered this one (inventory pins and accepted keys) */
  trusted: string[];
  kind: "unknown" | "changed";
  firstSeenAt: number;
  lastSeenAt: number;
}

type Listener = (clusterId: string, host: string) => void;

const hostKey = (clusterId: string, host: string): string => `${clusterId}/${host}`;

/** The inventory's pins and the accepted keys still in force, minus the keys an admin rejected. */
export function trustedKeysOf(pins: readonly string[], decisions: readonly HostKeyDecisionRecord[]): string[] {
  const active = decisions.filter((d) => d.revokedAt === null);
  const rejected = new Set(active.filter((d) => d.decision === "rejected").map((d) => d.fingerprint));
  const accepted = active.filter((d) => d.decision === "accepted").map((d) => d.fingerprint);
  return [...new Set([...pins, ...accepted])].filter((fp) => !rejected.has(fp));
}

/**
 * The host keys the console trusts, held in memory: decisions are read once and again after each
 * change, never per handshake. Keys hosts offered and were refused are remembered here too.
 */
export class HostKeyTrust implements HostKeyPolicy {
  private decisions = new Map<string, HostKeyDecisionRecord[]>();
  private loading: Promise<void> | null = null;
  private readonly offers = new Map<string, OfferedHostKey>();
  private readonly listeners: Listener[] = [];

  constructor(
    private readonly loadDecisions: () => Promise<HostKeyDecisionRecord[]>,
    private readonly onOffer: (offer: OfferedHostKey) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async trustedKeys(target: HostTarget): Promise<readonly string[]> {
    await this.ready();
    return trustedKeysOf(target.hostKeys, this.decisions.get(hostKey(target.clusterId, target.name)) ?? []);
  }

  refused(target: HostTarget, offeredFingerprint: string, trusted: readonly string[]): void {
    const key = hostKey(target.clusterId, target.name);
    const at = this.now();
    const known = this.offers.get(key);
    if (known && known.fingerprint === offeredFingerprint) {
      known.lastSeenAt = at;
      return;
    }
    const offer: OfferedHostKey = {
      clusterId: target.clusterId,
      host: target.name,
      fingerprint: offeredFingerprint,
      trusted: [...trusted],
      kind: trusted.length === 0 ? "unknown" : "changed",
      firstSeenAt: at,
      lastSeenAt: at,
    };
    this.offers.set(key, offer);
    this.onOffer(offer);
  }

  connected(target: HostTarget): void {
    this.offers.delete(hostKey(target.clusterId, target.name));
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** the untrusted key the host offers now, if it was refused since it last connected */
  offer(clusterId: string, host: string): OfferedHostKey | null {
    const o = this.offers.get(hostKey(clusterId, host));
    return o ? { ...o, trusted: [...o.trusted] } : null;
  }

  /** Read the decisions again, then tell the pool which hosts' trust changed. */
  async refresh(changed: { clusterId: string; host: string }[] = []): Promise<void> {
    this.loading = this.load();
    await this.ready();
    for (const { clusterId, host } of changed) for (const listener of this.listeners) listener(clusterId, host);
  }

  private ready(): Promise<void> {
    this.loading ??= this.load();
    return this.loading.catch((err: unknown) => {
      // a failed read is tried again at the next handshake, and refuses this one
      this.loading = null;
      throw err;
    });
  }

  private async load(): Promise<void> {
    const byHost = new Map<string, HostKeyDecisionRecord[]>();
    for (const d of await this.loadDecisions()) {
      const key = hostKey(d.clusterId, d.host);
      byHost.set(key, [...(byHost.get(key) ?? []), d]);
    }
    this.decisions = byHost;
  }
}

interface DecisionRow {
  id: number;
  clusterId: string;
  host: string;
  fingerprint: string;
  decision: string;
  reason: string;
  decidedBy: string;
  decidedAt: Date;
  pinned: string;
  revokedAt: Date | null;
  revokedBy: string | null;
}

function stringList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function decisionOf(r: DecisionRow): HostKeyDecisionRecord {
  return {
    id: r.id,
    clusterId: r.clusterId,
    host: r.host,
    fingerprint: r.fingerprint,
    decision: r.decision === "accepted" ? "accepted" : "rejected",
    reason: r.reason,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt.getTime(),
    pinned: stringList(r.pinned),
    revokedAt: r.revokedAt?.getTime() ?? null,
    revokedBy: r.revokedBy,
  };
}

async function activeDecisions(): Promise<HostKeyDecisionRecord[]> {
  const rows = await db.hostKeyDecision.findMany({ where: { revokedAt: null }, orderBy: { id: "asc" } });
  return rows.map(decisionOf);
}

function offerEvent(offer: OfferedHostKey): EventDraft {
  const changed = offer.kind === "changed";
  return {
    at: offer.firstSeenAt,
    clusterId: offer.clusterId,
    host: offer.host,
    tier: "host",
    kind: changed ? "host.key-changed" : "host.key-unknown",
    severity: changed ? "critical" : "warning",
    message: changed
      ? `${offer.host} offered host key ${offer.fingerprint}, not the trusted ${offer.trusted.join(", ")}: refused until an admin checks it`
      : `${offer.host} offered host key ${offer.fingerprint} and none is trusted for it: refused until an admin checks it`,
    before: { trusted: offer.trusted },
    after: { offered: offer.fingerprint },
  };
}

const g = globalThis as unknown as { clusterdeckHostKeys?: HostKeyTrust };

/** The console's one trust store (Next loads modules more than once; it lives on globalThis like the pool). */
export function hostKeyTrust(): HostKeyTrust {
  g.clusterdeckHostKeys ??= new HostKeyTrust(activeDecisions, (offer) => {
    recordEvents([offerEvent(offer)]).catch((err: unknown) => console.error("[host-keys] could not record an offered key:", err));
  });
  return g.clusterdeckHostKeys;
}

export interface HostKeysRow {
  host: string;
  role: HostSpec["role"];
  address: string;
  port: number;
  /** the inventory's pins */
  pinned: string[];
  /** console decisions in force, newest first */
  decisions: HostKeyDecisionRecord[];
  /** decisions revoked or replaced, newest first */
  history: HostKeyDecisionRecord[];
  offered: OfferedHostKey | null;
  /** an admin rejected the key it offers now */
  offeredRejected: boolean;
  trusted: string[];
}

export interface HostKeysView {
  clusterId: string;
  /** nothing is pinned in the inventory nor accepted: first-use trust may be given */
  firstUse: boolean;
  hosts: HostKeysRow[];
}

export async function hostKeysView(clusterId: string): Promise<HostKeysView> {
  const cluster = getCluster(clusterId);
  const trust = hostKeyTrust();
  const rows = (await db.hostKeyDecision.findMany({ where: { clusterId }, orderBy: { id: "desc" } })).map(decisionOf);
  const hosts = cluster.hosts.map((h): HostKeysRow => {
    const mine = rows.filter((d) => d.host === h.name);
    const decisions = mine.filter((d) => d.revokedAt === null);
    const trusted = trustedKeysOf(h.hostKeys, decisions);
    const offer = trust.offer(clusterId, h.name);
    // accepted, and waiting for the next connection to clear it
    const offered = offer && !trusted.includes(offer.fingerprint) ? offer : null;
    return {
      host: h.name,
      role: h.role,
      address: h.address,
      port: h.port,
      pinned: h.hostKeys,
      decisions,
      history: mine.filter((d) => d.revokedAt !== null),
      offered,
      offeredRejected: offered !== null && decisions.some((d) => d.decision === "rejected" && d.fingerprint === offered.fingerprint),
      trusted,
    };
  });
  return { clusterId, firstUse: isFirstUse(cluster, rows), hosts };
}

function isFirstUse(cluster: ClusterSpec, rows: readonly HostKeyDecisionRecord[]): boolean {
  return cluster.hosts.every((h) => h.hostKeys.length === 0) && !rows.some((d) => d.decision === "accepted" && d.revokedAt === null);
}

function hostOf(clusterId: string, name: string): { cluster: ClusterSpec; host: HostSpec } {
  const cluster = getCluster(clusterId);
  const host = cluster.hosts.find((h) => h.name === name);
  if (!host) throw new AppError("NotFound", `no host "${name}" in cluster ${clusterId}`);
  return { cluster, host };
}

function currentOffer(clusterId: string, host: string, fingerprint: string): OfferedHostKey {
  const offer = hostKeyTrust().offer(clusterId, host);
  if (!offer) throw new AppError("Conflict", `${host} offers no untrusted key now: reload the page`);
  if (offer.fingerprint !== fingerprint) {
    throw new AppError("Conflict", `${host} now offers ${offer.fingerprint}, not ${fingerprint}: check the new key before deciding`);
  }
  return offer;
}

function decisionEvent(clusterId: string, host: string, kind: "host.key-accepted" | "host.key-rejected" | "host.key-revoked", message: string, operator: Operator, before: string[], after: Record<string, string>): EventDraft {
  return {
    at: Date.now(),
    clusterId,
    host,
    tier: "operator",
    kind,
    severity: kind === "host.key-accepted" ? "info" : "warning",
    message,
    before: { trusted: before },
    after,
    actor: operator.username,
  };
}

export interface HostKeyChoice {
  clusterId: string;
  host: string;
  fingerprint: string;
  reason: string;
}

/** Trust the exact key the host offers now (the one the admin was shown); it replaces keys accepted before. */
export async function acceptHostKey({ clusterId, host, fingerprint, reason }: HostKeyChoice, operator: Operator): Promise<HostKeyDecisionRecord> {
  hostOf(clusterId, host);
  const offer = currentOffer(clusterId, host, fingerprint);
  const now = new Date();
  const [, created] = await db.$transaction([
    db.hostKeyDecision.updateMany({
      where: { clusterId, host, revokedAt: null, OR: [{ fingerprint }, { decision: "accepted" }] },
      data: { revokedAt: now, revokedBy: operator.username },
    }),
    db.hostKeyDecision.create({
      data: { clusterId, host, fingerprint, decision: "accepted", reason, decidedBy: operator.username, decidedAt: now, pinned: JSON.stringify(offer.trusted) },
    }),
  ]);
  await hostKeyTrust().refresh([{ clusterId, host }]);
  const was = offer.trusted.length > 0 ? `in place of ${offer.trusted.join(", ")}` : "as its first trusted key";
  await recordEvents([
    decisionEvent(clusterId, host, "host.key-accepted", `${operator.username} accepted ${host}'s host key ${fingerprint} ${was}: ${reason}`, operator, offer.trusted, { accepted: fingerprint, reason }),
  ]);
  return decisionOf(created);
}

/** Refuse a key for good: the one the host offers now, or one trusted so far (its connection is dropped). */
export async function rejectHostKey({ clusterId, host, fingerprint, reason }: HostKeyChoice, operator: Operator): Promise<HostKeyDecisionRecord> {
  const { cluster, host: spec } = hostOf(clusterId, host);
  const trust = hostKeyTrust();
  const trusted = [...(await trust.trustedKeys(targetOf(cluster, spec)))];
  if (!trusted.includes(fingerprint)) currentOffer(clusterId, host, fingerprint);
  const now = new Date();
  const [, created] = await db.$transaction([
    db.hostKeyDecision.updateMany({ where: { clusterId, host, revokedAt: null, fingerprint }, data: { revokedAt: now, revokedBy: operator.username } }),
    db.hostKeyDecision.create({
      data: { clusterId, host, fingerprint, decision: "rejected", reason, decidedBy: operator.username, decidedAt: now, pinned: JSON.stringify(trusted) },
    }),
  ]);
  await trust.refresh([{ clusterId, host }]);
  await recordEvents([
    decisionEvent(clusterId, host, "host.key-rejected", `${operator.username} rejected ${host}'s host key ${fingerprint}: ${reason}`, operator, trusted, { rejected: fingerprint, reason }),
  ]);
  return decisionOf(created);
}

/** Withdraw a key the console accepted; the host's connection is dropped and its next key is judged afresh. */
export async function revokeHostKey(
  { clusterId, host, decisionId, reason }: { clusterId: string; host: string; decisionId: number; reason: string },
  operator: Operator,
): Promise<HostKeyDecisionRecord> {
  hostOf(clusterId, host);
  const row = await db.hostKeyDecision.findFirst({ where: { id: decisionId, clusterId, host, decision: "accepted", revokedAt: null } });
  if (!row) throw new AppError("NotFound", `no accepted host key ${decisionId} in force for ${host}`);
  const updated = await db.hostKeyDecision.update({ where: { id: row.id }, data: { revokedAt: new Date(), revokedBy: operator.username } });
  await hostKeyTrust().refresh([{ clusterId, host }]);
  await recordEvents([
    decisionEvent(clusterId, host, "host.key-revoked", `${operator.username} revoked ${host}'s accepted host key ${row.fingerprint}: ${reason}`, operator, [row.fingerprint], { revoked: row.fingerprint, reason }),
  ]);
  return decisionOf(updated);
}

/**
 * First use of a brand-new cluster (nothing pinned, nothing accepted): trust every key its hosts offer,
 * exactly the list the admin was shown, in one decision. Never done without an admin asking.
 */
export async function trustOnFirstUse(
  { clusterId, keys, reason }: { clusterId: string; keys: { host: string; fingerprint: string }[]; reason: string },
  operator: Operator,
): Promise<HostKeyDecisionRecord[]> {
  const cluster = getCluster(clusterId);
  const rows = (await db.hostKeyDecision.findMany({ where: { clusterId, revokedAt: null } })).map(decisionOf);
  if (!isFirstUse(cluster, rows)) throw new AppError("Conflict", `${clusterId} already has trusted host keys: accept each host's key on its own`);
  const trust = hostKeyTrust();
  const offers = cluster.hosts.flatMap((h) => trust.offer(clusterId, h.name) ?? []);
  const shown = new Map(keys.map((k) => [k.host, k.fingerprint]));
  const same = offers.length === keys.length && shown.size === keys.length && offers.every((o) => shown.get(o.host) === o.fingerprint);
  if (offers.length === 0) throw new AppError("Conflict", "no host has offered a key yet: wait for the hosts to answer");
  if (!same) throw new AppError("Conflict", "the keys the hosts offer changed since the page was shown: reload and check them again");
  const now = new Date();
  const created = await db.$transaction(
    offers.map((o) =>
      db.hostKeyDecision.create({
        data: { clusterId, host: o.host, fingerprint: o.fingerprint, decision: "accepted", reason: `first use: ${reason}`, decidedBy: operator.username, decidedAt: now, pinned: "[]" },
      }),
    ),
  );
  await trust.refresh(offers.map((o) => ({ clusterId, host: o.host })));
  await recordEvents(
    offers.map((o) =>
      decisionEvent(clusterId, o.host, "host.key-accepted", `${operator.username} trusted ${o.host}'s host key ${o.fingerprint} on first use (${offers.length} keys): ${reason}`, operator, [], { accepted: o.fingerprint, reason, firstUse: "true" }),
    ),
  );
  return created.map(decisionOf);
}
