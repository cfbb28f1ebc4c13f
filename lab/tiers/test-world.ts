import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {
  ExecResult,
  Fault,
  FaultKind,
  LabSettings,
  Rng,
  ServerName,
  Tiers,
  VmInfo,
  VmName,
  VmRole,
  World,
} from "../model/types";
import { ToolError, VMS } from "../model/types";
import { FileAccess } from "../shell/access";
import { createTiers } from "./index";
import { DEFAULT_SETTINGS } from "../model/settings";

const ADDRESSES: Record<VmName, string> = {
  lb1: "192.168.10.2",
  web1: "192.168.10.11",
  fs1: "192.168.10.15",
  db1: "192.168.10.18",
  lb2: "192.168.10.3",
  web2: "192.168.10.21",
  fs2: "192.168.10.25",
  db2: "192.168.10.28",
};

const SERVICES: Record<VmRole, string[]> = {
  lb: ["heartbeat", "ldirectord"],
  web: ["apache2", "cron"],
  fs: ["drbd", "nfs-kernel-server", "heartbeat"],
  db: ["mysql"],
};

export const TEST_SETTINGS: LabSettings = { ...DEFAULT_SETTINGS, seed: 42, sessionHandler: "database" };

function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick from empty list");
      return item;
    },
    exp: (mean) => -mean * Math.log(1 - next()),
  };
}

function roleOf(vm: VmName): VmRole {
  if (vm.startsWith("lb")) return "lb";
  if (vm.startsWith("web")) return "web";
  if (vm.startsWith("fs")) return "fs";
  return "db";
}

/** A small in-process World over a temp dir with a manual clock, for the tiers' unit tests. */
export class TestWorld implements World {
  readonly settings: LabSettings;
  readonly rng: Rng;
  readonly dir: string;
  readonly logs: string[] = [];
  readonly access = new FileAccess();
  tiers: Tiers | null = null;
  private clock = Date.UTC(2024, 7, 5, 9, 0, 0);
  private vmOff = new Set<VmName>();
  private serverOff = new Set<ServerName>();
  private linkUp = true;
  private services = new Map<string, boolean>();
  private activeFaults: Fault[] = [];
  private faultSeq = 0;

  constructor(settings: Partial<LabSettings> = {}, dir?: string) {
    this.settings = { ...TEST_SETTINGS, ...settings };
    this.rng = seededRng(this.settings.seed);
    this.dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "tiers-test-"));
    for (const vm of VMS) for (const s of SERVICES[roleOf(vm)]) this.services.set(`${vm}:${s}`, true);
    if (this.settings.phpHandler === "php-fpm") for (const vm of VMS) if (roleOf(vm) === "web") this.services.set(`${vm}:php8.2-fpm`, true);
  }

  now(): number {
    return this.clock;
  }

  vm(name: VmName): VmInfo {
    const server: ServerName = name.endsWith("1") ? "A" : "B";
    return { name, role: roleOf(name), server, clusterAddress: ADDRESSES[name], hostname: name };
  }

  isUp(vm: VmName): boolean {
    return !this.vmOff.has(vm) && !this.serverOff.has(this.vm(vm).server);
  }

  canReach(from: VmName, to: VmName): boolean {
    if (!this.isUp(from) || !this.isUp(to)) return false;
    return this.vm(from).server === this.vm(to).server || this.linkUp;
  }

  serviceRunning(vm: VmName, service: string): boolean {
    return this.isUp(vm) && this.services.get(`${vm}:${service}`) === true;
  }

  setService(vm: VmName, service: string, running: boolean): void {
    this.services.set(`${vm}:${service}`, running);
  }

  hasFault(kind: FaultKind, target?: string): boolean {
    return this.activeFaults.some((f) => f.kind === kind && (target === undefined || f.target === target));
  }

  faults(): readonly Fault[] {
    return this.activeFaults;
  }

  vmRoot(vm: VmName): string {
    return path.join(this.dir, "vms", vm);
  }

  resolvePath(vm: VmName, p: string): string {
    const mounted = this.tiers?.resolveMount(vm, p) ?? null;
    if (mounted !== null) return mounted;
    if (!p.startsWith("/")) throw new ToolError(`${p}: relative path`, 1);
    return path.join(this.vmRoot(vm), p);
  }

  diskFull(): boolean {
    return false;
  }

  log(message: string): void {
    this.logs.push(message);
  }

  /** advance model time in ticks of `step` ms, calling tiers.tick each time */
  advance(ms: number, step = 500): void {
    let left = ms;
    while (left > 0) {
      const dt = Math.min(step, left);
      this.clock += dt;
      this.tiers?.tick(dt);
      left -= dt;
    }
  }

  powerVm(vm: VmName, up: boolean): void {
    if (up) this.vmOff.delete(vm);
    else this.vmOff.add(vm);
    this.tiers?.onPower(vm, up);
  }

  powerServer(server: ServerName, up: boolean): void {
    if (up) this.serverOff.delete(server);
    else this.serverOff.add(server);
    for (const vm of VMS) if (this.vm(vm).server === server) this.tiers?.onPower(vm, up);
  }

  inject(kind: FaultKind, target = ""): Fault {
    const fault: Fault = { id: `f${++this.faultSeq}`, kind, target, since: this.clock };
    this.activeFaults.push(fault);
    if (kind === "link-cut") this.linkUp = false;
    this.tiers?.onFault(fault, true);
    return fault;
  }

  clear(fault: Fault): void {
    this.activeFaults = this.activeFaults.filter((f) => f.id !== fault.id);
    if (fault.kind === "link-cut") this.linkUp = true;
    this.tiers?.onFault(fault, false);
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** run one of the tiers' tools as the core's shell would */
export async function exec(
  world: TestWorld,
  vm: VmName,
  argv: string[],
  opts: { stdin?: string; env?: Record<string, string>; user?: string } = {},
): Promise<ExecResult> {
  const tiers = world.tiers;
  if (!tiers) throw new Error("world has no tiers");
  const name = path.posix.basename(argv[0] ?? "");
  const tool = tiers.tools[name];
  if (!tool) throw new Error(`no tool ${name}`);
  const role = world.vm(vm).role;
  if (tool.roles !== "all" && !tool.roles.includes(role)) return { stdout: "", stderr: `${name}: command not found\n`, code: 127 };
  return tool.run({ world, vm, argv: [name, ...argv.slice(1)], stdin: opts.stdin ?? "", env: opts.env ?? {}, user: opts.user });
}

/** a fixture copied into lab/tiers/__fixtures__ */
export function fixture(rel: string): string {
  return fs.readFileSync(new URL(`./__fixtures__/${rel}`, import.meta.url), "utf8");
}

/** a TestWorld with the real tiers attached */
export function startTiers(settings: Partial<LabSettings> = {}): TestWorld {
  const world = new TestWorld(settings);
  world.tiers = createTiers(world);
  return world;
}

/** n synthetic requests alternating between the web nodes */
export function traffic(world: TestWorld, n: number): void {
  for (let i = 0; i < n; i++) {
    world.tiers?.serveRequest(i % 2 === 0 ? "web1" : "web2", { userId: `u${i}`, kind: "login", sessionId: null });
  }
}
