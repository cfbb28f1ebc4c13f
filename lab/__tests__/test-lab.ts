import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ManualClock } from "../model/clock";
import { Simulation } from "../model/simulation";
import type { TrafficOptions } from "../model/traffic";
import type { LabSettings, Tiers, Tool, World } from "../model/types";
import { VmFiles } from "../shell/files";
import { Shell } from "../shell/interpreter";
import type { ShellHost } from "../shell/interpreter";
import type { CoreDeps } from "../tools/deps";
import { coreTools, mergeTools, rootShellRunner, toolPath } from "../tools/index";
import { virtualFiles } from "../tools/proc-files";
import type { VmName } from "../model/types";
import { stubTiers } from "./stub-tiers";

export interface TestLab {
  sim: Simulation;
  clock: ManualClock;
  deps: CoreDeps;
  dir: string;
  /** move model time forward and let the model catch up */
  advance(ms: number): void;
  sh(vm: VmName, script: string, stdin?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  cleanup(): void;
}

/** a lab model without sockets, on a hand-driven clock, for unit tests */
export function testLab(opts: { traffic?: Partial<TrafficOptions> | false; settings?: Partial<LabSettings>; seed?: number; extraTools?: Record<string, Tool>; tiers?: (w: World) => Tiers } = {}): TestLab {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-unit-"));
  const clock = new ManualClock();
  const sim = new Simulation({ dir, seed: opts.seed ?? 7, clock, traffic: opts.traffic ?? false, settings: opts.settings, createTiers: opts.tiers ?? stubTiers });
  const deps: CoreDeps = {
    world: sim.world,
    files: new VmFiles(sim.world, virtualFiles(() => deps)),
    balancers: sim.balancers,
    load: sim.load,
    tiers: sim.tiers,
    loggedIn: () => 1,
  };
  const tools = mergeTools(coreTools(deps), sim.tiers.tools, opts.extraTools ?? {});
  sim.balancers.scriptRunner = rootShellRunner(sim.world, deps.files, tools);
  // on a hand-driven clock a command that waits for the model (systemctl stop heartbeat) moves it forward itself
  sim.world.modelWait = async (until) => {
    if (until > clock.now()) clock.advance(until - clock.now());
    sim.sync();
  };
  return {
    sim,
    clock,
    deps,
    dir,
    advance(ms) {
      clock.advance(ms);
      sim.sync();
    },
    sh(vm, script, stdin = "") {
      const host: ShellHost = { vm, world: sim.world, files: deps.files, tools, toolPath, user: "clusterdeck", pid: 4242 };
      fs.mkdirSync(sim.world.resolvePath(vm, "/home/clusterdeck"), { recursive: true });
      return new Shell(host).run(script, stdin);
    },
    cleanup() {
      sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
