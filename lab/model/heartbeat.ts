import { LBS, peerOf, routedTo, vipHolders } from "./ha-stack";
import type { HaStack } from "./ha-stack";
import type { LbVm } from "./types";
import type { LabWorld, StopHow } from "./world";

/**
 * Heartbeat 3.0.6 timings, measured on Debian 12's heartbeat in two network namespaces (keepalive 1,
 * deadtime 10 and 6, ucast, haresources `lb1 IPaddr2::VIP/24/eth0`, auto_failback off): docs/lab.md has the runs.
 */
export const HB_TIMING = {
  /** a stop begun: IPaddr2 stop has removed the VIP (0.66–1.48 s in 11 stops) */
  releaseMs: 800,
  /** the peer logs "Received shutdown notice" */
  noticeMs: 1_000,
  /** notice to the VIP up on the peer (mach_down + IPaddr2 start; the peer had it 1.96–3.9 s after the stop began) */
  takeoverMs: 1_400,
  /** `heartbeat -k` / the init script's stop returns (4.1–6.2 s) */
  exitMs: 5_100,
  /** a node declared dead to the VIP up on the survivor (1.5 s) */
  acquireMs: 1_500,
  /** a start to "Comm_now_up" with the peer heard */
  commUpMs: 1_500,
  /** both nodes starting together wait this long for "Initial resource acquisition complete" (10–11 s) */
  initialWaitMs: 10_000,
  /** a healed partition, once both log "returning after partition": both begin a restart ("Heartbeat shutdown in progress") */
  healShutdownMs: 2_300,
  /** ... the later taker's VIP goes (3.5–4.9 s after the heal), then the other's (4.7–6.4 s) */
  healReleaseLaterMs: 4_000,
  healReleaseEarlierMs: 5_500,
  /** ... "Performing heartbeat restart exec": cl_status says stopped while it sleeps deadtime + 1 s */
  healExecMs: 6_500,
  /** ... exec to talking again, after the sleep (2–3 s) */
  healUpMs: 2_500,
} as const;

/** what the node's heartbeat process is doing */
export type HbProc = "down" | "up" | "stopping" | "restarting" | "crashed";

export interface HbNode {
  vm: LbVm;
  proc: HbProc;
  /** haresources groups this heartbeat holds, named by their home node; lb1's carries the VIP, lb2's is empty */
  groups: Set<LbVm>;
  /** the VIP is configured on eth0: IPaddr2 added it; a killed heartbeat leaves it there */
  vipUp: boolean;
  /** model time the VIP last went up here */
  acquiredAt: number;
  lastHeard: number;
  peerDead: boolean;
  /** `cl_status rscstatus` says "transition" until then */
  transitionUntil: number;
  /** started and not yet through its initial resource acquisition */
  joining: boolean;
  /** bumped on every restart, stop or power change: steps scheduled before it are void */
  gen: number;
  /** a stop in progress ends then */
  exitAt: number | null;
}

const INITDEAD_MS = 30_000;
const VIP_GROUP: LbVm = "lb1";

/**
 * Heartbeat v1 on lb1/lb2 with one resource group (the VIP, at home on lb1) and auto_failback off.
 * Each node decides from what it hears, so a cut link gives a real split brain; when it heals both
 * restart and give everything up, as heartbeat 3.0.6 does, until lb1 takes its group back.
 */
export class Heartbeat implements HaStack {
  readonly kind = "heartbeat";
  readonly service = "heartbeat";
  readonly nodes: Record<LbVm, HbNode>;
  /** the node whose gratuitous ARP the router heard last: it gets the VIP's traffic */
  arpOwner: LbVm | null = null;

  constructor(private readonly world: LabWorld) {
    const now = world.now();
    const node = (vm: LbVm): HbNode => ({
      vm,
      proc: world.serviceRunning(vm, "heartbeat") ? "up" : "down",
      groups: new Set<LbVm>([vm]),
      vipUp: false,
      acquiredAt: 0,
      lastHeard: now,
      peerDead: false,
      transitionUntil: 0,
      joining: false,
      gen: 0,
      exitAt: null,
    });
    this.nodes = { lb1: node("lb1"), lb2: node("lb2") };
    // the lab starts with a settled pair: lb1 holds its group (the VIP), lb2 its own empty one
    if (this.nodes.lb1.proc === "up") this.vipOn("lb1", false);
    else this.nodes.lb1.groups.clear();
    if (this.nodes.lb2.proc !== "up") this.nodes.lb2.groups.clear();

    world.onPower((vm, up) => {
      if (!isLbVm(vm)) return;
      if (up) {
        if (world.serviceRunning(vm, "heartbeat")) this.started(vm);
      } else this.poweredOff(vm);
    });
    world.onServiceChange((vm, service, running, how) => {
      if (!isLbVm(vm) || service !== "heartbeat") return;
      if (running) this.started(vm);
      else this.stopped(vm, how);
    });
    world.scheduler.every(100, () => this.tick());
  }

  /** heartbeat answers on its API socket (cl_status) */
  running(vm: LbVm): boolean {
    const p = this.nodes[vm].proc;
    return this.world.isUp(vm) && (p === "up" || p === "stopping");
  }

  /** what this node's heartbeat hears of the peer right now */
  hearsPeer(vm: LbVm): boolean {
    const peer = peerOf(vm);
    return this.running(vm) && this.running(peer) && this.world.canReach(vm, peer);
  }

  holders(): LbVm[] {
    return vipHolders(this.world, this.nodes);
  }

  trafficTarget(): LbVm | null {
    return routedTo(this.holders(), this.arpOwner);
  }

  stopDoneAt(vm: LbVm): number | null {
    return this.nodes[vm].exitAt;
  }

  /** `cl_status rscstatus`: which haresources groups this node holds */
  rscstatus(vm: LbVm): "all" | "local" | "foreign" | "none" | "transition" {
    const n = this.nodes[vm];
    if (this.world.now() < n.transitionUntil || n.joining) return "transition";
    const own = n.groups.has(vm);
    const foreign = n.groups.has(peerOf(vm));
    return own && foreign ? "all" : own ? "local" : foreign ? "foreign" : "none";
  }

  /** what this node says about `node` (cl_status nodestatus) */
  nodeStatus(self: LbVm, node: LbVm): "active" | "dead" {
    if (node === self) return "active";
    return this.nodes[self].peerDead ? "dead" : "active";
  }

  tick(): void {
    const now = this.world.now();
    const deadtime = this.world.settings.heartbeatDeadtimeMs;
    for (const vm of LBS) {
      const n = this.nodes[vm];
      if (!this.running(vm) || n.proc === "stopping") continue;
      const peer = peerOf(vm);
      if (this.hearsPeer(vm)) {
        if (n.peerDead) {
          if (this.nodes[peer].peerDead && this.running(peer)) this.healPartition();
          else {
            n.peerDead = false;
            this.world.log(`${vm}: heartbeat: Status update for node ${peer}: status active`);
          }
        }
        n.lastHeard = now;
        if (n.joining) this.join(vm);
      } else if (!n.peerDead && now - n.lastHeard >= (n.joining ? INITDEAD_MS : deadtime)) {
        n.peerDead = true;
        this.world.log(`${vm}: heartbeat: WARN: node ${peer}: is dead`);
        n.joining = false;
        this.takeOver(vm, HB_TIMING.acquireMs);
      }
    }
  }

  /** heartbeat started (boot or systemctl): it joins the peer and takes its own group back only if nobody holds it */
  started(vm: LbVm): void {
    const n = this.nodes[vm];
    if (n.proc === "stopping") this.finishStop(vm);
    n.gen++;
    n.proc = "up";
    n.groups.clear();
    n.peerDead = false;
    n.lastHeard = this.world.now();
    n.joining = true;
    n.exitAt = null;
  }

  private join(vm: LbVm): void {
    const n = this.nodes[vm];
    const now = this.world.now();
    const peer = this.nodes[peerOf(vm)];
    const gen = n.gen;
    n.joining = false;
    // two nodes starting together both wait for the initial resource acquisition; a peer already up answers at once
    const wait = peer.joining || peer.transitionUntil > now ? HB_TIMING.commUpMs + HB_TIMING.initialWaitMs : HB_TIMING.commUpMs;
    n.transitionUntil = now + wait;
    this.world.scheduler.after(wait, () => {
      if (n.gen !== gen || !this.running(vm)) return;
      if (!this.nodes[peerOf(vm)].groups.has(vm)) this.acquire(vm, [vm], HB_TIMING.acquireMs);
    });
  }

  /** a clean stop: resources go, the peer hears the shutdown notice and takes them; the process exits seconds later */
  stopped(vm: LbVm, how: StopHow = "stop"): void {
    const n = this.nodes[vm];
    if (how === "crash") return this.crashed(vm);
    if (n.proc === "down" || n.proc === "crashed") return;
    if (n.proc === "restarting") {
      n.gen++;
      n.proc = "down";
      return;
    }
    const now = this.world.now();
    const gen = ++n.gen;
    n.proc = "stopping";
    n.joining = false;
    n.exitAt = now + HB_TIMING.exitMs;
    n.transitionUntil = n.exitAt;
    const held = [...n.groups];
    const peer = peerOf(vm);
    this.world.scheduler.after(HB_TIMING.releaseMs, () => {
      if (n.gen === gen) this.release(vm, "shutdown");
    });
    this.world.scheduler.after(HB_TIMING.noticeMs, () => {
      if (n.gen !== gen || !this.hearsPeer(peer)) return;
      this.world.log(`${peer}: heartbeat: Received shutdown notice from '${vm}'.`);
      const taking = [...new Set<LbVm>([...held, vm])].filter((g) => !this.nodes[peer].groups.has(g));
      if (taking.length) this.acquire(peer, taking, HB_TIMING.takeoverMs);
    });
    this.world.scheduler.at(n.exitAt, () => {
      if (n.gen === gen) this.finishStop(vm);
    });
  }

  private finishStop(vm: LbVm): void {
    const n = this.nodes[vm];
    if (n.groups.size) this.release(vm, "shutdown");
    n.gen++;
    n.proc = "down";
    n.exitAt = null;
    n.transitionUntil = 0;
    this.world.log(`${vm}: heartbeat: ${vm} Heartbeat shutdown complete.`);
  }

  /** killed (kill -9): no goodbye and no cleanup, so the VIP stays on eth0; the peer finds out after the deadtime */
  private crashed(vm: LbVm): void {
    const n = this.nodes[vm];
    n.gen++;
    n.proc = "crashed";
    n.groups.clear();
    n.joining = false;
    n.exitAt = null;
    n.transitionUntil = 0;
  }

  /** the node lost power: its addresses go with it */
  poweredOff(vm: LbVm): void {
    const n = this.nodes[vm];
    n.gen++;
    n.proc = "down";
    n.groups.clear();
    n.vipUp = false;
    n.joining = false;
    n.exitAt = null;
    if (this.arpOwner === vm) this.arpOwner = null;
  }

  /** hb_standby: give this node's groups to a live peer */
  standby(vm: LbVm): boolean {
    if (!this.nodes[vm].groups.size || !this.hearsPeer(vm)) return false;
    this.handOver(vm, peerOf(vm), "hb_standby");
    return true;
  }

  /** hb_takeover: ask a live peer for its groups */
  takeover(vm: LbVm): boolean {
    const peer = peerOf(vm);
    if (!this.nodes[peer].groups.size) return true;
    if (!this.hearsPeer(vm)) return false;
    this.handOver(peer, vm, "hb_takeover");
    return true;
  }

  private handOver(from: LbVm, to: LbVm, why: string): void {
    const groups = [...this.nodes[from].groups];
    const gen = this.nodes[from].gen;
    this.nodes[from].transitionUntil = this.world.now() + HB_TIMING.releaseMs;
    this.world.scheduler.after(HB_TIMING.releaseMs, () => {
      if (this.nodes[from].gen === gen) this.release(from, why);
    });
    this.acquire(to, groups, HB_TIMING.noticeMs + HB_TIMING.takeoverMs);
  }

  /** mach_down: the survivor takes every group it does not hold */
  private takeOver(vm: LbVm, delay: number): void {
    const missing = LBS.filter((g) => !this.nodes[vm].groups.has(g));
    if (missing.length) this.acquire(vm, missing, delay);
  }

  private acquire(vm: LbVm, groups: LbVm[], delay: number): void {
    const n = this.nodes[vm];
    const gen = n.gen;
    n.transitionUntil = Math.max(n.transitionUntil, this.world.now() + delay);
    this.world.scheduler.after(delay, () => {
      if (n.gen !== gen || !this.running(vm) || n.proc === "stopping") return;
      for (const g of groups) n.groups.add(g);
      if (groups.includes(VIP_GROUP)) this.vipOn(vm, true);
    });
  }

  private vipOn(vm: LbVm, log: boolean): void {
    const n = this.nodes[vm];
    n.groups.add(VIP_GROUP);
    n.vipUp = true;
    n.acquiredAt = this.world.now();
    this.arpOwner = vm;
    if (log) this.world.log(`${vm}: heartbeat: takes the VIP ${this.world.settings.vip}`);
  }

  private release(vm: LbVm, why: string): void {
    const n = this.nodes[vm];
    const hadVip = n.groups.has(VIP_GROUP) || n.vipUp;
    n.groups.clear();
    if (!hadVip) return;
    n.vipUp = false;
    if (this.arpOwner === vm) this.arpOwner = null;
    this.world.log(`${vm}: heartbeat: releases the VIP (${why})`);
  }

  /** both sides held resources while apart: each logs the partition and restarts itself, giving everything up */
  private healPartition(): void {
    const now = this.world.now();
    const later = this.nodes.lb1.acquiredAt > this.nodes.lb2.acquiredAt ? "lb1" : "lb2";
    const deadtime = this.world.settings.heartbeatDeadtimeMs;
    for (const vm of LBS) {
      const n = this.nodes[vm];
      const gen = ++n.gen;
      n.peerDead = false;
      n.lastHeard = now;
      n.transitionUntil = Number.POSITIVE_INFINITY;
      this.world.log(`${vm}: heartbeat: CRIT: Cluster node ${peerOf(vm)} returning after partition.`);
      const at = (ms: number, fn: () => void): void => this.world.scheduler.after(ms, () => n.gen === gen && fn());
      at(HB_TIMING.healShutdownMs, () => this.world.log(`${vm}: heartbeat: Heartbeat shutdown in progress. (restart after partition)`));
      at(vm === later ? HB_TIMING.healReleaseLaterMs : HB_TIMING.healReleaseEarlierMs, () => this.release(vm, "restart after partition"));
      at(HB_TIMING.healExecMs, () => {
        n.proc = "restarting";
        this.world.log(`${vm}: heartbeat: Performing heartbeat restart exec.`);
      });
      at(HB_TIMING.healExecMs + deadtime + 1_000 + HB_TIMING.healUpMs, () => {
        n.proc = "up";
        n.transitionUntil = 0;
        n.lastHeard = this.world.now();
        n.joining = true;
      });
    }
  }

  truth(vm: LbVm): Record<string, unknown> {
    const n = this.nodes[vm];
    const unit = this.world.serviceRunning(vm, "heartbeat");
    const state =
      n.proc === "up" ? (n.vipUp && n.groups.has(VIP_GROUP) ? "active" : "standby")
      : n.proc === "down" ? (unit ? "starting" : "stopped")
      : n.proc === "crashed" ? "killed"
      : n.proc;
    return {
      heartbeat: state,
      holdsVip: n.vipUp && this.world.isUp(vm),
      staleVip: n.vipUp && !n.groups.has(VIP_GROUP),
      rscstatus: this.running(vm) ? this.rscstatus(vm) : null,
      peerDead: n.peerDead,
    };
  }
}

function isLbVm(vm: string): vm is LbVm {
  return vm === "lb1" || vm === "lb2";
}
