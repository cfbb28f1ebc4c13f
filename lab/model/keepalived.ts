import fs from "node:fs";
import path from "node:path";
import { LBS, peerOf, routedTo, vipHolders } from "./ha-stack";
import type { HaStack } from "./ha-stack";
import { KEEPALIVED_CONF, parseKeepalivedConf, sourceAddress } from "./keepalived-config";
import type { KaConfig, KaInstance } from "./keepalived-config";
import type { LbVm } from "./types";
import type { LabWorld, StopHow } from "./world";

/**
 * keepalived 2.2.7 timings, measured on Debian 12's keepalived in two network namespaces (advert_int 1,
 * priorities 150/100, track_script interval 1 fall 2 rise 2): docs/lab.md has the runs.
 */
export const KA_TIMING = {
  /** a start: "(VI_1) removing VIPs." then "Entering BACKUP STATE" (0.13–0.2 s) */
  startMs: 200,
  /** SIGTERM: "sent 0 priority", "removing VIPs." (the VIP gone 0.5 s after the signal) */
  stopReleaseMs: 300,
  /** ... and "Stopped Keepalived" (under a second) */
  stopExitMs: 600,
} as const;

export type VrrpState = "INIT" | "BACKUP" | "MASTER" | "FAULT";
type Proc = "down" | "up" | "stopping" | "crashed";

export interface VrrpStats {
  advertSent: number;
  advertRcvd: number;
  becomeMaster: number;
  releaseMaster: number;
  priZeroSent: number;
  priZeroRcvd: number;
}

export interface VrrpNode {
  vm: LbVm;
  proc: Proc;
  cfg: KaConfig | null;
  inst: KaInstance | null;
  state: VrrpState;
  /** the VIP is configured on eth0; a killed keepalived leaves it there until the next start removes it */
  vipUp: boolean;
  lastTransition: number;
  /** in BACKUP: when, hearing no better master, it takes over */
  masterDownAt: number;
  backupSince: number;
  /** what a BACKUP last heard: the master's address and priority */
  masterRouter: string | null;
  masterPriority: number;
  /** per track script: last result and the run of equal results */
  scripts: Map<string, { good: boolean | null; run: number }>;
  stats: VrrpStats;
  /** the advert tallies up to `since`, counted by the tick */
  lastAdvertAt: number;
  parentPid: number;
  vrrpPid: number;
  gen: number;
  exitAt: number | null;
  startedAt: number;
}

/** runs a command line on a balancer as root, through the lab's shell (track and notify scripts) */
export type ScriptRunner = (vm: LbVm, command: string) => Promise<{ code: number }>;

const zeroStats = (): VrrpStats => ({ advertSent: 0, advertRcvd: 0, becomeMaster: 0, releaseMaster: 0, priZeroSent: 0, priZeroRcvd: 0 });

/**
 * VRRP between lb1 and lb2 as keepalived does it: the highest effective priority wins, a higher one
 * preempts after its master-down interval (unless nopreempt, or after preempt_delay), a failed track
 * script or tracked interface puts the instance in FAULT and gives the VIP up, and each change runs
 * the configured notify scripts with `INSTANCE <name> <state> <priority>`.
 */
export class Keepalived implements HaStack {
  readonly kind = "keepalived";
  readonly service = "keepalived";
  readonly nodes: Record<LbVm, VrrpNode>;
  arpOwner: LbVm | null = null;
  private runner: ScriptRunner | null = null;
  /** notify scripts run one after another per balancer, in the order of the changes */
  private notifyChain: Record<LbVm, Promise<void>> = { lb1: Promise.resolve(), lb2: Promise.resolve() };

  constructor(private readonly world: LabWorld) {
    const node = (vm: LbVm): VrrpNode => ({
      vm,
      proc: "down",
      cfg: null,
      inst: null,
      state: "INIT",
      vipUp: false,
      lastTransition: world.now(),
      masterDownAt: Number.POSITIVE_INFINITY,
      backupSince: world.now(),
      masterRouter: null,
      masterPriority: 0,
      scripts: new Map(),
      stats: zeroStats(),
      lastAdvertAt: world.now(),
      parentPid: 0,
      vrrpPid: 0,
      gen: 0,
      exitAt: null,
      startedAt: world.now(),
    });
    this.nodes = { lb1: node("lb1"), lb2: node("lb2") };
    world.onPower((vm, up) => {
      if (vm !== "lb1" && vm !== "lb2") return;
      if (up) {
        if (world.serviceRunning(vm, "keepalived")) this.start(vm);
      } else this.poweredOff(vm);
    });
    world.onServiceChange((vm, service, running, how) => {
      if ((vm !== "lb1" && vm !== "lb2") || service !== "keepalived") return;
      if (running) this.start(vm);
      else this.stop(vm, how);
    });
    world.scheduler.every(100, () => this.tick());
  }

  /** the lab starts with a settled pair: the best priority is MASTER, the other BACKUP */
  settle(): void {
    for (const vm of LBS) if (this.world.serviceRunning(vm, "keepalived")) this.start(vm, true);
    const [a, b] = LBS.map((vm) => this.nodes[vm]);
    if (!a || !b) return;
    const winner = [a, b].filter((n) => n.proc === "up" && n.state !== "FAULT").sort((x, y) => this.priority(y) - this.priority(x))[0];
    if (winner) this.become(winner.vm, "MASTER", false);
  }

  /** the lab's shell runs track and notify scripts; the lab began as a booted pair, so their boot-time notifies run now */
  attach(runner: ScriptRunner): void {
    this.runner = runner;
    for (const vm of LBS) {
      const n = this.nodes[vm];
      if (n.proc !== "up") continue;
      this.notify(n, "BACKUP");
      if (n.state !== "BACKUP") this.notify(n, n.state);
    }
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

  running(vm: LbVm): boolean {
    const p = this.nodes[vm].proc;
    return this.world.isUp(vm) && (p === "up" || p === "stopping");
  }

  /** base priority moved by the weights of track scripts (a weight of 0 means FAULT instead) */
  priority(n: VrrpNode): number {
    if (!n.inst) return 0;
    let p = n.inst.priority;
    for (const name of n.inst.trackScripts) {
      const s = n.cfg?.scripts.get(name);
      const r = n.scripts.get(name);
      if (!s || !r || s.weight === 0 || r.good === null) continue;
      if (s.weight > 0 && r.good) p += s.weight;
      if (s.weight < 0 && !r.good) p += s.weight;
    }
    return Math.max(1, Math.min(254, p));
  }

  /** a tracked script or interface is down: the instance must be in FAULT */
  faulty(n: VrrpNode): boolean {
    if (!n.inst || !n.cfg) return false;
    for (const name of n.inst.trackScripts) {
      const s = n.cfg.scripts.get(name);
      if (s && s.weight === 0 && n.scripts.get(name)?.good === false) return true;
    }
    return false;
  }

  masterDownMs(n: VrrpNode): number {
    const advert = n.inst?.advertMs ?? 1000;
    return 3 * advert + Math.round(((256 - this.priority(n)) * advert) / 256);
  }

  private skewMs(n: VrrpNode): number {
    const advert = n.inst?.advertMs ?? 1000;
    return Math.round(((256 - this.priority(n)) * advert) / 256);
  }

  /** a running MASTER the peer's adverts reach */
  private advertisingTo(vm: LbVm): VrrpNode | null {
    const peer = this.nodes[peerOf(vm)];
    if (peer.proc !== "up" || peer.state !== "MASTER" || !this.world.isUp(peer.vm)) return null;
    if (!this.world.canReach(vm, peer.vm)) return null;
    return peer;
  }

  private beats(a: VrrpNode, b: VrrpNode): boolean {
    const pa = this.priority(a);
    const pb = this.priority(b);
    if (pa !== pb) return pa > pb;
    return ipNumber(sourceAddress(a.vm, a.inst?.interface ?? "eth1")) > ipNumber(sourceAddress(b.vm, b.inst?.interface ?? "eth1"));
  }

  tick(): void {
    const now = this.world.now();
    for (const vm of LBS) {
      const n = this.nodes[vm];
      if (n.proc !== "up" || !this.world.isUp(vm) || !n.inst) continue;
      const master = this.advertisingTo(vm);
      const ticks = Math.floor((now - n.lastAdvertAt) / n.inst.advertMs);
      if (ticks > 0) {
        n.lastAdvertAt += ticks * n.inst.advertMs;
        if (n.state === "MASTER") n.stats.advertSent += ticks;
        if (master && n.state !== "FAULT") n.stats.advertRcvd += ticks;
      }
      if (n.state === "FAULT") {
        if (!this.faulty(n)) this.become(vm, "BACKUP", true);
        continue;
      }
      if (this.faulty(n)) {
        this.become(vm, "FAULT", true);
        continue;
      }
      if (n.state === "MASTER") {
        if (master && this.beats(master, n)) this.become(vm, "BACKUP", true);
        continue;
      }
      if (n.state !== "BACKUP") continue;
      if (master) {
        n.masterRouter = sourceAddress(master.vm, master.inst?.interface ?? "eth1");
        n.masterPriority = this.priority(master);
        const accepts = n.inst.nopreempt || this.beats(master, n);
        if (accepts) n.masterDownAt = now + this.masterDownMs(n);
        else n.masterDownAt = Math.max(n.masterDownAt, n.backupSince + n.inst.preemptDelayMs + this.masterDownMs(n));
      }
      if (now >= n.masterDownAt) this.become(vm, "MASTER", true);
    }
  }

  /** keepalived started: it removes any VIP it finds, enters BACKUP and waits a master-down interval */
  start(vm: LbVm, settled = false): void {
    const n = this.nodes[vm];
    const now = this.world.now();
    if (n.proc === "stopping") this.finishStop(vm);
    const gen = ++n.gen;
    n.proc = "up";
    n.exitAt = null;
    n.startedAt = now;
    n.cfg = this.readConfig(vm);
    n.inst = n.cfg.instances[0] ?? null;
    n.scripts = new Map((n.inst?.trackScripts ?? []).map((s) => [s, { good: settled ? true : null, run: 0 }]));
    n.stats = zeroStats();
    n.lastAdvertAt = now;
    n.parentPid = this.world.rng.int(900, 30000);
    n.vrrpPid = n.parentPid + 1 + this.world.rng.int(0, 20);
    n.state = "INIT";
    this.writePids(vm, true);
    this.scheduleScripts(vm, gen);
    if (settled) {
      n.vipUp = false;
      this.enterBackup(n);
      return;
    }
    this.world.scheduler.after(KA_TIMING.startMs, () => {
      if (n.gen !== gen) return;
      this.dropVip(vm, "removing VIPs.");
      if (this.faulty(n)) this.become(vm, "FAULT", true);
      else this.become(vm, "BACKUP", true);
    });
  }

  /** SIGTERM: a MASTER sends priority 0 and removes the VIP; then the process exits */
  stop(vm: LbVm, how: StopHow = "stop"): void {
    const n = this.nodes[vm];
    if (how === "crash") return this.crashed(vm);
    if (n.proc !== "up") return;
    const gen = ++n.gen;
    n.proc = "stopping";
    n.exitAt = this.world.now() + KA_TIMING.stopExitMs;
    this.world.scheduler.after(KA_TIMING.stopReleaseMs, () => {
      if (n.gen !== gen) return;
      this.sendPriorityZero(n);
      this.dropVip(vm, "removing VIPs.");
      this.notify(n, "STOP");
    });
    this.world.scheduler.at(n.exitAt, () => {
      if (n.gen === gen) this.finishStop(vm);
    });
  }

  private finishStop(vm: LbVm): void {
    const n = this.nodes[vm];
    if (n.vipUp) {
      this.sendPriorityZero(n);
      this.dropVip(vm, "removing VIPs.");
    }
    n.gen++;
    n.proc = "down";
    n.state = "INIT";
    n.exitAt = null;
    this.writePids(vm, false);
    this.world.log(`${vm}: keepalived: Stopped Keepalived v2.2.7 (01/16,2022)`);
  }

  /** every keepalived process killed: no priority 0, the VIP stays on eth0, the peer times out */
  private crashed(vm: LbVm): void {
    const n = this.nodes[vm];
    n.gen++;
    n.proc = "crashed";
    n.exitAt = null;
  }

  /** SIGKILL to the parent only: the VRRP child sees its parent die and shuts down cleanly (the unit is failed) */
  parentKilled(vm: LbVm): void {
    const n = this.nodes[vm];
    if (n.proc !== "up") return;
    this.sendPriorityZero(n);
    this.dropVip(vm, "removing VIPs.");
    this.notify(n, "STOP");
    n.gen++;
    n.proc = "down";
    n.state = "INIT";
    this.writePids(vm, false);
  }

  /** SIGKILL to the VRRP child: the parent starts a new one, which begins again from INIT */
  childKilled(vm: LbVm): void {
    const n = this.nodes[vm];
    if (n.proc !== "up") return;
    const parent = n.parentPid;
    this.start(vm);
    n.parentPid = parent;
  }

  poweredOff(vm: LbVm): void {
    const n = this.nodes[vm];
    n.gen++;
    n.proc = "down";
    n.state = "INIT";
    n.vipUp = false;
    n.exitAt = null;
    if (this.arpOwner === vm) this.arpOwner = null;
    this.writePids(vm, false);
  }

  /** /run/keepalived.pid (the parent) and /run/vrrp.pid (the VRRP child), as the daemon writes and removes them */
  private writePids(vm: LbVm, up: boolean): void {
    const n = this.nodes[vm];
    for (const [file, pid] of [
      ["/run/keepalived.pid", n.parentPid],
      ["/run/vrrp.pid", n.vrrpPid],
    ] as const) {
      try {
        const real = this.world.resolvePath(vm, file);
        if (up) {
          fs.mkdirSync(path.dirname(real), { recursive: true });
          fs.writeFileSync(real, `${pid}\n`);
        } else fs.rmSync(real, { force: true });
      } catch {
        // a VM without /run simply has no pid file
      }
    }
  }

  /** SIGHUP: read keepalived.conf again; the instance keeps its state */
  reload(vm: LbVm): void {
    const n = this.nodes[vm];
    if (n.proc !== "up") return;
    n.cfg = this.readConfig(vm);
    n.inst = n.cfg.instances[0] ?? null;
    for (const s of n.inst?.trackScripts ?? []) if (!n.scripts.has(s)) n.scripts.set(s, { good: null, run: 0 });
    this.scheduleScripts(vm, n.gen);
    this.world.log(`${vm}: keepalived: Reloading`);
  }

  private readConfig(vm: LbVm): KaConfig {
    try {
      return parseKeepalivedConf(fs.readFileSync(this.world.resolvePath(vm, KEEPALIVED_CONF), "utf8"));
    } catch {
      return parseKeepalivedConf("");
    }
  }

  private scheduleScripts(vm: LbVm, gen: number): void {
    const n = this.nodes[vm];
    for (const name of n.inst?.trackScripts ?? []) {
      const s = n.cfg?.scripts.get(name);
      if (!s) continue;
      const run = (): void => {
        if (n.gen !== gen || n.proc !== "up") return;
        void this.runTrack(vm, name, gen);
        this.world.scheduler.after(s.intervalMs, run);
      };
      run();
    }
  }

  private async runTrack(vm: LbVm, name: string, gen: number): Promise<void> {
    const n = this.nodes[vm];
    const s = n.cfg?.scripts.get(name);
    if (!s || !this.runner) return;
    let good: boolean;
    try {
      good = (await this.runner(vm, s.command)).code === 0;
    } catch {
      good = false;
    }
    if (n.gen !== gen) return;
    const r = n.scripts.get(name) ?? { good: null, run: 0 };
    if (r.good === null) {
      r.good = good;
      r.run = 1;
      this.world.log(`${vm}: keepalived: VRRP_Script(${name}) ${good ? "succeeded" : "failed"}`);
    } else if (good === r.good) r.run = 0;
    else {
      r.run++;
      if (r.run >= (good ? s.rise : s.fall)) {
        r.good = good;
        r.run = 0;
        this.world.log(`${vm}: keepalived: VRRP_Script(${name}) ${good ? "succeeded" : "failed (exited with status 1)"}`);
      }
    }
    n.scripts.set(name, r);
    this.tick();
  }

  private enterBackup(n: VrrpNode): void {
    const now = this.world.now();
    n.state = "BACKUP";
    n.backupSince = now;
    n.masterDownAt = now + this.masterDownMs(n);
    n.lastTransition = now;
  }

  private become(vm: LbVm, state: VrrpState, log: boolean): void {
    const n = this.nodes[vm];
    const was = n.state;
    if (was === state) return;
    const now = this.world.now();
    if (state === "BACKUP") this.enterBackup(n);
    else {
      n.state = state;
      n.lastTransition = now;
    }
    if (was === "MASTER") n.stats.releaseMaster++;
    if (state === "MASTER") {
      n.stats.becomeMaster++;
      n.masterRouter = null;
      n.vipUp = true;
      this.arpOwner = vm;
      // a lower-priority master hears ours at the next advert and steps down; so does the peer after a priority 0
      if (log) this.world.log(`${vm}: keepalived: (${n.inst?.name ?? "VI_1"}) Entering MASTER STATE`);
    } else {
      if (state === "FAULT") this.sendPriorityZero(n);
      if (n.vipUp) this.dropVip(vm, "removing VIPs.");
      if (log) this.world.log(`${vm}: keepalived: (${n.inst?.name ?? "VI_1"}) Entering ${state} STATE`);
    }
    if (log) this.notify(n, state);
  }

  private sendPriorityZero(n: VrrpNode): void {
    if (n.state !== "MASTER" && !n.vipUp) return;
    n.stats.priZeroSent++;
    const peer = this.nodes[peerOf(n.vm)];
    if (peer.proc === "up" && peer.state === "BACKUP" && this.world.canReach(n.vm, peer.vm)) {
      peer.stats.priZeroRcvd++;
      peer.masterDownAt = Math.min(peer.masterDownAt, this.world.now() + this.skewMs(peer));
    }
  }

  private dropVip(vm: LbVm, why: string): void {
    const n = this.nodes[vm];
    if (!n.vipUp) return;
    n.vipUp = false;
    if (this.arpOwner === vm) this.arpOwner = null;
    this.world.log(`${vm}: keepalived: (${n.inst?.name ?? "VI_1"}) ${why}`);
  }

  private notify(n: VrrpNode, state: VrrpState | "STOP"): void {
    const inst = n.inst;
    if (!inst || !this.runner) return;
    const runner = this.runner;
    const own = state === "MASTER" ? inst.notifyMaster : state === "BACKUP" ? inst.notifyBackup : state === "FAULT" ? inst.notifyFault : inst.notifyStop;
    const lines = [own, inst.notify ? `${inst.notify} INSTANCE ${inst.name} ${state} ${inst.priority}` : null].filter((x): x is string => x !== null);
    for (const line of lines) {
      this.notifyChain[n.vm] = this.notifyChain[n.vm].then(async () => {
        try {
          await runner(n.vm, line);
        } catch {
          // keepalived logs a failed notify and carries on
        }
      });
    }
  }

  /** resolves when the notify scripts queued so far have run (tests) */
  notified(vm: LbVm): Promise<void> {
    return this.notifyChain[vm];
  }

  truth(vm: LbVm): Record<string, unknown> {
    const n = this.nodes[vm];
    return {
      keepalived: n.proc === "up" ? n.state : n.proc === "crashed" ? "killed" : n.proc,
      holdsVip: n.vipUp && this.world.isUp(vm),
      priority: n.inst ? this.priority(n) : null,
      preempt: n.inst ? !n.inst.nopreempt : null,
    };
  }
}

function ipNumber(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + (Number(part) || 0), 0);
}
