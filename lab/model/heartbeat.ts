import type { LabWorld } from "./world";
import type { LbVm } from "./types";

export interface HbNode {
  vm: LbVm;
  holdsVip: boolean;
  /** model time it last took the VIP */
  acquiredAt: number;
  /** model time it last heard its peer */
  lastHeard: number;
  peerDead: boolean;
}

export const LBS: readonly LbVm[] = ["lb1", "lb2"];
export const peerOf = (vm: LbVm): LbVm => (vm === "lb1" ? "lb2" : "lb1");

/**
 * Heartbeat v1 with one resource group (the VIP, preferred on lb1) and auto_failback off.
 * Each node decides on its own from what it hears, so a cut link gives a real split brain.
 */
export class Heartbeat {
  readonly nodes: Record<LbVm, HbNode>;
  /** the node whose gratuitous ARP the router heard last: it gets the VIP's traffic */
  arpOwner: LbVm | null = null;

  constructor(private readonly world: LabWorld) {
    const now = world.now();
    const node = (vm: LbVm): HbNode => ({ vm, holdsVip: false, acquiredAt: 0, lastHeard: now, peerDead: false });
    this.nodes = { lb1: node("lb1"), lb2: node("lb2") };
    this.acquire("lb1", false);
  }

  running(vm: LbVm): boolean {
    return this.world.serviceRunning(vm, "heartbeat");
  }

  /** what this node's heartbeat believes about the peer */
  hearsPeer(vm: LbVm): boolean {
    const peer = peerOf(vm);
    return this.running(peer) && this.world.canReach(vm, peer);
  }

  holders(): LbVm[] {
    return LBS.filter((vm) => this.nodes[vm].holdsVip && this.world.isUp(vm));
  }

  trafficTarget(): LbVm | null {
    const holders = this.holders();
    if (this.arpOwner && holders.includes(this.arpOwner)) return this.arpOwner;
    return holders[0] ?? null;
  }

  tick(): void {
    const now = this.world.now();
    const deadtime = this.world.settings.heartbeatDeadtimeMs;
    for (const vm of LBS) {
      const n = this.nodes[vm];
      if (!this.running(vm)) continue;
      const peer = this.nodes[peerOf(vm)];
      if (this.hearsPeer(vm)) {
        if (n.peerDead) this.world.log(`${vm}: heartbeat: node ${peer.vm}: status active`);
        n.lastHeard = now;
        n.peerDead = false;
      } else if (!n.peerDead && now - n.lastHeard >= deadtime) {
        n.peerDead = true;
        this.world.log(`${vm}: heartbeat: WARN: node ${peer.vm}: is dead`);
      }
    }
    for (const vm of LBS) {
      const n = this.nodes[vm];
      if (!this.running(vm)) continue;
      const peer = this.nodes[peerOf(vm)];
      const peerHolds = peer.holdsVip && this.running(peer.vm);
      if (!n.holdsVip) {
        if (n.peerDead) this.acquire(vm, true);
        else if (this.hearsPeer(vm) && !peerHolds && vm === "lb1") this.acquire(vm, true);
      } else if (this.hearsPeer(vm) && peerHolds && n.acquiredAt > peer.acquiredAt) {
        // both sides held the VIP while apart; the later taker gives up (auto_failback off)
        this.release(vm, "both nodes hold resources; giving up the later takeover");
      }
    }
  }

  /** heartbeat started (boot or systemctl): it waits to hear the peer before acting */
  started(vm: LbVm): void {
    const n = this.nodes[vm];
    n.holdsVip = false;
    n.peerDead = false;
    n.lastHeard = this.world.now();
  }

  /** heartbeat stopped cleanly: resources go, and a peer that hears the shutdown takes over at once */
  stopped(vm: LbVm): void {
    const held = this.nodes[vm].holdsVip;
    if (held) this.release(vm, "shutdown");
    const peer = peerOf(vm);
    if (held && this.running(peer) && this.world.canReach(vm, peer) && !this.nodes[peer].holdsVip) this.acquire(peer, true);
  }

  /** the node lost power: no goodbye, the peer finds out after the deadtime */
  poweredOff(vm: LbVm): void {
    this.nodes[vm].holdsVip = false;
  }

  /** hb_standby: give the resources to a live peer */
  standby(vm: LbVm): boolean {
    const peer = peerOf(vm);
    if (!this.nodes[vm].holdsVip || !this.hearsPeer(vm)) return false;
    this.release(vm, "hb_standby");
    this.acquire(peer, true);
    return true;
  }

  /** hb_takeover: ask a live peer for the resources */
  takeover(vm: LbVm): boolean {
    const peer = peerOf(vm);
    if (this.nodes[vm].holdsVip) return true;
    if (!this.hearsPeer(vm)) return false;
    if (this.nodes[peer].holdsVip) this.release(peer, "hb_takeover from peer");
    this.acquire(vm, true);
    return true;
  }

  private acquire(vm: LbVm, log: boolean): void {
    const n = this.nodes[vm];
    n.holdsVip = true;
    n.acquiredAt = this.world.now();
    this.arpOwner = vm;
    if (log) this.world.log(`${vm}: heartbeat: takes the VIP ${this.world.settings.vip}`);
  }

  private release(vm: LbVm, why: string): void {
    this.nodes[vm].holdsVip = false;
    if (this.arpOwner === vm) this.arpOwner = null;
    this.world.log(`${vm}: heartbeat: releases the VIP (${why})`);
  }
}
