import path from "node:path";
import fs from "node:fs";
import { FileAccess } from "../shell/access";
import { Scheduler } from "./scheduler";
import { bootServices, VM_INFO } from "./settings";
import { ToolError, VMS } from "./types";
import type { Fault, FaultKind, LabSettings, Rng, ServerName, Tiers, VmInfo, VmName, World } from "./types";

interface ServiceState {
  running: boolean;
  /** model time of the last start or stop */
  since: number;
  /** its process died (kill -9, a crash): systemd says "failed" until the next start */
  crashed?: boolean;
}

interface VmState {
  info: VmInfo;
  power: boolean;
  bootAt: number;
  services: Map<string, ServiceState>;
  diskFull: boolean;
  /** how far this host's clock is from true time; NTP keeps it near zero */
  clockOffsetMs: number;
}

export interface LogLine {
  at: number;
  message: string;
}

type PowerListener = (vm: VmName, up: boolean) => void;
/** how a service stopped: cleanly (systemctl stop) or by dying (SIGKILL, a crash), which skips its own shutdown */
export type StopHow = "stop" | "crash";
type ServiceListener = (vm: VmName, service: string, running: boolean, how: StopHow) => void;

const LOG_LINES = 500;

export class LabWorld implements World {
  readonly scheduler: Scheduler;
  private readonly vms = new Map<VmName, VmState>();
  private readonly serverPower: Record<ServerName, boolean> = { A: true, B: true };
  private linkUp = true;
  private readonly activeFaults: Fault[] = [];
  private readonly logLines: LogLine[] = [];
  private readonly powerListeners: PowerListener[] = [];
  private readonly serviceListeners: ServiceListener[] = [];
  /** services an active service-stop fault keeps from starting */
  private readonly broken = new Set<string>();
  tiers: Tiers | null = null;
  quiet = true;
  readonly access = new FileAccess();

  constructor(
    readonly settings: LabSettings,
    readonly rng: Rng,
    readonly dir: string,
    start: number,
  ) {
    this.scheduler = new Scheduler(start);
    for (const name of VMS) {
      const info = VM_INFO[name];
      const state: VmState = {
        info,
        power: true,
        // hosts have been up for a while when the lab starts
        bootAt: start - rng.int(3 * 86_400, 40 * 86_400) * 1000 - rng.int(0, 86_399) * 1000,
        services: new Map(),
        diskFull: false,
        clockOffsetMs: rng.int(-40, 40),
      };
      this.vms.set(name, state);
      this.resetServices(state, state.bootAt);
      fs.mkdirSync(this.vmRoot(name), { recursive: true });
    }
  }

  now(): number {
    return this.scheduler.now();
  }

  vm(name: VmName): VmInfo {
    return this.state(name).info;
  }

  isUp(vm: VmName): boolean {
    const s = this.state(vm);
    return s.power && this.serverPower[s.info.server];
  }

  canReach(from: VmName, to: VmName): boolean {
    if (!this.isUp(from) || !this.isUp(to)) return false;
    return this.vm(from).server === this.vm(to).server || this.linkUp;
  }

  link(): boolean {
    return this.linkUp;
  }

  serverUp(server: ServerName): boolean {
    return this.serverPower[server];
  }

  vmPower(vm: VmName): boolean {
    return this.state(vm).power;
  }

  bootAt(vm: VmName): number {
    return this.state(vm).bootAt;
  }

  clockOffsetMs(vm: VmName): number {
    return this.state(vm).clockOffsetMs;
  }

  serviceRunning(vm: VmName, service: string): boolean {
    return this.isUp(vm) && (this.state(vm).services.get(service)?.running ?? false);
  }

  serviceKnown(vm: VmName, service: string): boolean {
    return this.state(vm).services.has(service);
  }

  serviceSince(vm: VmName, service: string): number {
    return this.state(vm).services.get(service)?.since ?? this.state(vm).bootAt;
  }

  services(vm: VmName): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const name of this.state(vm).services.keys()) out[name] = this.serviceRunning(vm, name);
    return out;
  }

  setService(vm: VmName, service: string, running: boolean, how: StopHow = "stop"): void {
    const s = this.state(vm);
    const current = s.services.get(service);
    if (running && this.broken.has(`${vm}:${service}`)) return;
    if (current && current.running === running) return;
    s.services.set(service, { running, since: this.now(), crashed: !running && how === "crash" });
    if (!this.isUp(vm)) return;
    this.log(`${vm}: ${service} ${running ? "started" : how === "crash" ? "killed (its processes died)" : "stopped"}`);
    for (const listener of this.serviceListeners) listener(vm, service, running, how);
  }

  /** systemd's "failed": a service-stop fault holds it down, or its process died */
  serviceFailed(vm: VmName, service: string): boolean {
    if (this.serviceRunning(vm, service)) return false;
    return this.broken.has(`${vm}:${service}`) || (this.state(vm).services.get(service)?.crashed ?? false);
  }

  /** resolves once model time reaches `until` (a command that blocks while the model moves, e.g. `systemctl stop heartbeat`) */
  modelWait: (until: number) => Promise<void> = (until) => new Promise((resolve) => this.scheduler.at(until, resolve));

  /** a service-stop fault: the service stops and refuses to start until cleared */
  breakService(vm: VmName, service: string, broken: boolean): void {
    const key = `${vm}:${service}`;
    if (broken) {
      this.broken.add(key);
      this.setService(vm, service, false);
    } else {
      this.broken.delete(key);
      if (this.isUp(vm)) this.setService(vm, service, true);
    }
  }

  serviceBroken(vm: VmName, service: string): boolean {
    return this.broken.has(`${vm}:${service}`);
  }

  setVmPower(vm: VmName, on: boolean): void {
    this.changePower(() => {
      this.state(vm).power = on;
    });
  }

  setServerPower(server: ServerName, on: boolean): void {
    this.changePower(() => {
      this.serverPower[server] = on;
    });
  }

  setLink(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    this.log(`link between servers ${up ? "restored" : "cut"}`);
  }

  setDiskFull(vm: VmName, full: boolean): void {
    this.state(vm).diskFull = full;
  }

  hasFault(kind: FaultKind, target?: string): boolean {
    return this.activeFaults.some((f) => f.kind === kind && (target === undefined || f.target === target));
  }

  faults(): readonly Fault[] {
    return this.activeFaults;
  }

  addFault(fault: Fault): void {
    this.activeFaults.push(fault);
  }

  removeFault(id: string): void {
    const i = this.activeFaults.findIndex((f) => f.id === id);
    if (i >= 0) this.activeFaults.splice(i, 1);
  }

  vmRoot(vm: VmName): string {
    return path.join(this.dir, "vms", vm);
  }

  resolvePath(vm: VmName, p: string): string {
    if (!p.startsWith("/")) throw new ToolError(`${p}: not an absolute path`);
    const normal = path.posix.normalize(p);
    const mounted = this.tiers?.resolveMount(vm, normal) ?? null;
    if (mounted !== null) return mounted;
    const root = this.vmRoot(vm);
    const real = path.join(root, normal);
    if (real !== root && !real.startsWith(root + path.sep)) throw new ToolError(`${p}: Permission denied`);
    return real;
  }

  diskFull(vm: VmName): boolean {
    return this.state(vm).diskFull;
  }

  log(message: string): void {
    this.logLines.push({ at: this.now(), message });
    if (this.logLines.length > LOG_LINES) this.logLines.shift();
    if (!this.quiet) process.stdout.write(`[lab ${new Date(this.now()).toISOString()}] ${message}\n`);
  }

  recentLog(count = 50): LogLine[] {
    return this.logLines.slice(-count);
  }

  onPower(listener: PowerListener): void {
    this.powerListeners.push(listener);
  }

  onServiceChange(listener: ServiceListener): void {
    this.serviceListeners.push(listener);
  }

  private changePower(change: () => void): void {
    const before = new Map(VMS.map((vm) => [vm, this.isUp(vm)]));
    change();
    for (const vm of VMS) {
      const up = this.isUp(vm);
      if (up === before.get(vm)) continue;
      const s = this.state(vm);
      if (up) {
        s.bootAt = this.now();
        this.resetServices(s, this.now());
      }
      this.log(`${vm} powered ${up ? "on" : "off"}`);
      for (const listener of this.powerListeners) listener(vm, up);
    }
  }

  private resetServices(s: VmState, since: number): void {
    for (const name of bootServices(s.info.role, this.settings)) {
      s.services.set(name, { running: !this.broken.has(`${s.info.name}:${name}`), since });
    }
  }

  private state(vm: VmName): VmState {
    const s = this.vms.get(vm);
    if (!s) throw new ToolError(`unknown vm ${vm}`);
    return s;
  }
}
