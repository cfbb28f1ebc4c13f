import type { BalancerState, ClusterState, VrrpView } from "@/lib/cluster/state";
import type { ClusterSpec } from "@/lib/inventory/schema";

/**
 * Where the VIP goes when a balancer's HA daemon comes back while its peer holds the VIP: keepalived preempts
 * by default (keepalived.conf(5), 2.2.7): a returning instance with a higher priority takes the master role
 * back once its advertisement timer runs out (3 × advert_int + skew, skew = (256 − priority)/256 s, plus
 * preempt_delay), unless it has `nopreempt` and an initial state other than MASTER ("nopreempt will not work
 * with initial state MASTER - clearing", keepalived -t). Seen here: priority 150 back after 100 took over, the
 * VIP moved back about 3.4 s after the BACKUP state (test/conformance/balancer.conf.test.ts).
 * heartbeat decides by auto_failback in ha.cf, which the console does not read.
 */
export interface VipReturn {
  /** the balancer that takes the VIP back, or null when it stays or it is not known */
  returnsTo: string | null;
  /** how long after the daemon is back, roughly */
  afterSeconds: number | null;
  /** true when the console could tell; false: it depends on what the console does not read */
  known: boolean;
  /** the reason, in an operator's words */
  why: string;
}

function masterDownSeconds(v: NonNullable<VrrpView["configured"]>): number {
  return Math.round((3 * v.advertInt + (256 - v.priority) / 256 + v.preemptDelay) * 10) / 10;
}

function addressNumber(cluster: ClusterSpec, name: string): number | null {
  const address = cluster.hosts.find((h) => h.name === name)?.clusterAddress;
  if (!address) return null;
  return address.split(".").reduce((a, n) => a * 256 + Number(n), 0);
}

/** What happens when `back`'s HA daemon starts again while `holder` holds the VIP. */
export function vipReturn(cluster: ClusterSpec, back: BalancerState, holder: BalancerState): VipReturn {
  return vipReturnBetween(cluster.balancer.ha, back, holder, (name) => addressNumber(cluster, name));
}

/** The same, for pages that have the state but not the inventory: `addressOf` gives a balancer's address as a number. */
export function vipReturnBetween(stack: ClusterSpec["balancer"]["ha"], back: BalancerState, holder: BalancerState, addressOf: (name: string) => number | null): VipReturn {
  if (stack === "heartbeat") {
    return { returnsTo: null, afterSeconds: null, known: false, why: `with heartbeat it depends on auto_failback in ha.cf: "on" moves the VIP back to its haresources node` };
  }
  if (stack === "pacemaker") {
    return { returnsTo: null, afterSeconds: null, known: false, why: "with Pacemaker it depends on resource stickiness and location constraints" };
  }
  const r = back.ha.vrrp?.configured;
  const m = holder.ha.vrrp?.configured;
  if (!r || !m) {
    return { returnsTo: null, afterSeconds: null, known: false, why: `keepalived.conf could not be read on ${!r ? back.name : holder.name}: priorities and nopreempt unknown` };
  }
  const nopreempt = r.nopreempt && r.initialState !== "MASTER";
  const tie = r.priority === m.priority && r.initialState === "MASTER";
  const [mine, theirs] = [addressOf(back.name), addressOf(holder.name)];
  if (tie && (mine === null || theirs === null)) {
    return { returnsTo: null, afterSeconds: null, known: false, why: `${back.name} and ${holder.name} have the same priority (${r.priority}) and ${back.name} starts as MASTER: the higher address wins` };
  }
  const wouldWin = r.priority > m.priority || (tie && (mine ?? 0) > (theirs ?? 0));
  if (!wouldWin) {
    const why =
      r.priority < m.priority
        ? `${back.name}'s priority ${r.priority} is below ${holder.name}'s ${m.priority}: the VIP stays on ${holder.name}`
        : `${back.name} and ${holder.name} have the same priority (${r.priority}): the VIP stays on ${holder.name}`;
    return { returnsTo: null, afterSeconds: null, known: true, why };
  }
  if (nopreempt) {
    return { returnsTo: null, afterSeconds: null, known: true, why: `${back.name} has nopreempt (initial state BACKUP): the VIP stays on ${holder.name} despite ${back.name}'s priority ${r.priority}` };
  }
  const after = r.initialState === "MASTER" ? r.advertInt : masterDownSeconds(r);
  const clearing = r.nopreempt ? " (its nopreempt does nothing with initial state MASTER)" : "";
  return {
    returnsTo: back.name,
    afterSeconds: after,
    known: true,
    why: `keepalived preempts: ${back.name}'s priority ${r.priority} is above ${holder.name}'s ${m.priority}${clearing}, so ${back.name} takes the VIP back about ${after} s after it starts`,
  };
}

/** The same question for the cluster as it is now: if the VIP holder's daemon stopped and came back. */
export function vipReturnNow(cluster: ClusterSpec, state: ClusterState): { active: string; standby: string; outcome: VipReturn } | null {
  const holders = state.balancers.filter((b) => b.holdsVip);
  const active = holders.length === 1 ? holders[0] : undefined;
  const standby = state.balancers.find((b) => b.name !== active?.name);
  if (!active || !standby) return null;
  return { active: active.name, standby: standby.name, outcome: vipReturn(cluster, active, standby) };
}
