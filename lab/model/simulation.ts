import { Balancers } from "./balancer";
import { ScaledClock } from "./clock";
import type { Clock } from "./clock";
import { Faults } from "./faults";
import { HostLoad } from "./host-load";
import { createRng } from "./rng";
import { DEFAULT_SETTINGS } from "./settings";
import { DEFAULT_TRAFFIC, Traffic } from "./traffic";
import type { TrafficOptions } from "./traffic";
import { VMS } from "./types";
import type { LabSettings, Tiers, VmName, World } from "./types";
import { seedVmFiles } from "./vm-files";
import { LabWorld } from "./world";

export interface SimulationOptions {
  dir: string;
  seed?: number;
  speed?: number;
  settings?: Partial<LabSettings>;
  /** defaults to real time scaled by speed */
  clock?: Clock;
  /** false: no synthetic users */
  traffic?: Partial<TrafficOptions> | false;
  createTiers: (world: World) => Tiers;
}

export interface VmTruth {
  name: VmName;
  role: string;
  server: string;
  clusterAddress: string;
  power: boolean;
  up: boolean;
  bootedAt: string;
  services: Record<string, boolean>;
  diskFull: boolean;
  load: number[];
}

export type LabTruth = { vms: VmTruth[] } & Record<string, unknown>;

/** the whole model: world, tiers, balancers, users, host load and faults, driven by one clock */
export class Simulation {
  readonly world: LabWorld;
  readonly tiers: Tiers;
  readonly balancers: Balancers;
  readonly traffic: Traffic | null;
  readonly load: HostLoad;
  readonly faults: Faults;
  readonly clock: Clock;
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: SimulationOptions) {
    const seed = opts.seed ?? opts.settings?.seed ?? DEFAULT_SETTINGS.seed;
    const speed = opts.speed ?? opts.settings?.speed ?? DEFAULT_SETTINGS.speed;
    const settings: LabSettings = { ...DEFAULT_SETTINGS, ...opts.settings, seed, speed };
    this.clock = opts.clock ?? new ScaledClock(speed);
    this.world = new LabWorld(settings, createRng(seed), opts.dir, this.clock.now());
    seedVmFiles(this.world);
    this.tiers = opts.createTiers(this.world);
    this.world.tiers = this.tiers;
    this.world.onPower((vm, up) => this.tiers.onPower(vm, up));
    this.balancers = new Balancers(this.world, this.tiers);
    let traffic: Traffic | null = null;
    this.load = new HostLoad(this.world, () => traffic);
    if (opts.traffic !== false) traffic = new Traffic(this.world, this.balancers, this.tiers, { ...DEFAULT_TRAFFIC, ...opts.traffic });
    this.traffic = traffic;
    this.faults = new Faults(this.world, this.tiers);
  }

  /** bring the model up to the clock's time */
  sync(): void {
    this.world.scheduler.advanceTo(this.clock.now(), (dt) => this.tiers.tick(dt));
  }

  start(tickMs = 100): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.sync();
      } catch (err) {
        this.world.log(`model tick failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      }
    }, tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  setSpeed(speed: number): void {
    this.sync();
    this.clock.setSpeed(speed);
    this.world.settings.speed = speed;
    this.world.log(`speed set to ${speed}`);
  }

  truth(): LabTruth {
    const w = this.world;
    return {
      now: w.now(),
      nowIso: new Date(w.now()).toISOString(),
      speed: this.clock.speed,
      seed: w.settings.seed,
      servers: { A: w.serverUp("A"), B: w.serverUp("B") },
      link: w.link(),
      vms: VMS.map((vm) => ({
        name: vm,
        role: w.vm(vm).role,
        server: w.vm(vm).server,
        clusterAddress: w.vm(vm).clusterAddress,
        power: w.vmPower(vm),
        up: w.isUp(vm),
        bootedAt: new Date(w.bootAt(vm)).toISOString(),
        services: w.services(vm),
        diskFull: w.diskFull(vm),
        load: this.load.load(vm).map((x) => Number(x.toFixed(2))),
      })),
      balancers: this.balancers.truth(),
      traffic: this.traffic?.truth() ?? null,
      tiers: this.tiers.truth(),
      faults: w.faults(),
      log: w.recentLog(40).map((l) => `${new Date(l.at).toISOString()} ${l.message}`),
    };
  }
}
