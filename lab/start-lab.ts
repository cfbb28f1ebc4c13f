import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createControlServer } from "./control/server";
import { createSiteServer } from "./control/site-server";
import { writeAtomic, writeInventory } from "./inventory";
import type { LabHost } from "./inventory";
import type { Clock } from "./model/clock";
import { Simulation } from "./model/simulation";
import type { TrafficOptions } from "./model/traffic";
import { VMS } from "./model/types";
import type { LabSettings, Tiers, VmName, World } from "./model/types";
import { VmFiles } from "./shell/files";
import { LabSshBackend } from "./ssh/backend";
import { ensureClientKey, ensureHostKey, regenerateHostKey } from "./ssh/keys";
import { VmSshServer } from "./ssh/server";
import type { CoreDeps } from "./tools/deps";
import { coreTools, mergeTools, rootShellRunner, toolPath } from "./tools/index";
import { virtualFiles } from "./tools/proc-files";

export interface StartLabOptions {
  /** the lab's state directory (keys, VM folders, inventory.yaml, control.json) */
  dir: string;
  seed?: number;
  speed?: number;
  /** first SSH port (VMs get consecutive ports); 0 = any free ports. A taken port falls back to a free one */
  basePort?: number;
  /** control API port; 0 = a free one */
  controlPort?: number;
  /** the site through the VIP over HTTP; 0 = a free one (default). A taken port falls back to a free one */
  httpPort?: number;
  /** no lab log on stdout */
  quiet?: boolean;
  settings?: Partial<LabSettings>;
  /** false: no synthetic users */
  traffic?: Partial<TrafficOptions> | false;
  /** model time source; default: real time × speed */
  clock?: Clock;
  /** how often the model catches up with the clock, real ms */
  tickMs?: number;
}

export interface LabHandle {
  dir: string;
  inventoryPath: string;
  controlUrl: string;
  /** the Moodle site through the VIP, e.g. http://127.0.0.1:22280/ */
  siteUrl: string;
  token: string;
  clientKeyPath: string;
  hosts: LabHost[];
  sim: Simulation;
  world: World;
  stop(): Promise<void>;
}

async function listenWithFallback(server: VmSshServer, port: number): Promise<number> {
  if (port === 0) return server.listen(0);
  try {
    return await server.listen(port);
  } catch (err) {
    if (typeof err === "object" && err !== null && "code" in err && err.code === "EADDRINUSE") return server.listen(0);
    throw err;
  }
}

function listenHttp(server: http.Server, port: number): Promise<number> {
  const attempt = (p: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once("error", onError);
      server.listen(p, "127.0.0.1", () => {
        server.off("error", onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  return attempt(port).catch((err: unknown) => {
    if (port !== 0 && typeof err === "object" && err !== null && "code" in err && err.code === "EADDRINUSE") return attempt(0);
    throw err;
  });
}

/** start the lab with the given tiers: model, eight SSH servers, control API, inventory */
export async function startLabWith(createTiers: (world: World) => Tiers, opts: StartLabOptions): Promise<LabHandle> {
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const sim = new Simulation({ dir, seed: opts.seed, speed: opts.speed, settings: opts.settings, clock: opts.clock, traffic: opts.traffic, createTiers });
  sim.world.quiet = opts.quiet ?? true;

  let backend: LabSshBackend | null = null;
  const deps: CoreDeps = {
    world: sim.world,
    files: new VmFiles(sim.world, virtualFiles(() => deps)),
    balancers: sim.balancers,
    load: sim.load,
    tiers: sim.tiers,
    loggedIn: (vm) => backend?.loggedIn(vm) ?? 0,
  };
  const tools = mergeTools(coreTools(deps), sim.tiers.tools);
  sim.balancers.scriptRunner = rootShellRunner(sim.world, deps.files, tools);
  backend = new LabSshBackend(sim, deps.files, tools, toolPath);

  const clientKey = ensureClientKey(dir);
  const servers = new Map<VmName, VmSshServer>();
  const hosts: LabHost[] = [];
  const basePort = opts.basePort ?? 0;
  try {
    for (const [i, vm] of VMS.entries()) {
      const hostKey = ensureHostKey(dir, vm);
      const server = new VmSshServer(vm, hostKey, clientKey.publicKey, backend);
      const port = await listenWithFallback(server, basePort === 0 ? 0 : basePort + i);
      servers.set(vm, server);
      hosts.push({ name: vm, port, fingerprint: hostKey.fingerprint });
    }
  } catch (err) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw err;
  }
  sim.world.onPower((vm, up) => servers.get(vm)?.setPower(up));

  const site = createSiteServer(sim);
  let siteUrl: string;
  let control: http.Server;
  let controlPort: number;
  const token = randomBytes(24).toString("base64url");
  try {
    siteUrl = `http://127.0.0.1:${await listenHttp(site, opts.httpPort ?? 0)}/`;
    const rekey = (vm: VmName): LabHost => {
      const server = servers.get(vm);
      const host = hosts.find((h) => h.name === vm);
      if (!server || !host) throw new Error(`no VM ${vm}`);
      const key = regenerateHostKey(dir, vm);
      server.rekey(key);
      host.fingerprint = key.fingerprint;
      sim.world.log(`${vm}: new host key ${key.fingerprint}, sshd restarted on port ${host.port}`);
      return host;
    };
    control = createControlServer({ sim, token, hosts: () => hosts, siteUrl, rekey });
    controlPort = await listenHttp(control, opts.controlPort ?? 0);
  } catch (err) {
    site.close();
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw err;
  }
  const controlUrl = `http://127.0.0.1:${controlPort}`;

  const inventoryPath = path.join(dir, "inventory.yaml");
  writeInventory(inventoryPath, sim.world.settings, hosts, clientKey.path, siteUrl);
  writeAtomic(path.join(dir, "control.json"), `${JSON.stringify({ url: controlUrl, token, pid: process.pid, siteUrl }, null, 2)}\n`, 0o600);
  fs.chmodSync(path.join(dir, "control.json"), 0o600);
  writeAtomic(path.join(dir, "lab.pid"), `${process.pid}\n`);

  sim.start(opts.tickMs ?? 100);
  sim.world.log(`lab started: seed ${sim.world.settings.seed}, speed ${sim.clock.speed}, ${hosts.length} hosts`);

  let stopped = false;
  return {
    dir,
    inventoryPath,
    controlUrl,
    siteUrl,
    token,
    clientKeyPath: clientKey.path,
    hosts,
    sim,
    world: sim.world,
    async stop() {
      if (stopped) return;
      stopped = true;
      sim.stop();
      await sim.tiers.stop?.();
      control.closeAllConnections();
      site.closeAllConnections();
      await Promise.all([...servers.values()].map((s) => s.close()));
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await new Promise<void>((resolve) => site.close(() => resolve()));
      for (const f of ["control.json", "lab.pid"]) fs.rmSync(path.join(dir, f), { force: true });
    },
  };
}
