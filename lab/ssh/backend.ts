import fs from "node:fs";
import type { Simulation } from "../model/simulation";
import type { Tool, VmName } from "../model/types";
import type { VmFiles } from "../shell/files";
import { initialState, Shell } from "../shell/interpreter";
import type { ShellHost } from "../shell/interpreter";
import type { InteractiveShell, SshBackend } from "./server";

/** runs what arrives over SSH through the lab's shell, after bringing the model up to date */
export class LabSshBackend implements SshBackend {
  private readonly sessions = new Map<VmName, number>();
  private pid = 4000;

  constructor(
    private readonly sim: Simulation,
    private readonly files: VmFiles,
    private readonly tools: ReadonlyMap<string, Tool>,
    private readonly toolPath: (name: string) => string,
  ) {}

  loggedIn(vm: VmName): number {
    return this.sessions.get(vm) ?? 0;
  }

  private host(vm: VmName, user: string): ShellHost {
    this.pid += 1 + (this.pid % 7);
    if (this.pid > 32000) this.pid = 4000;
    return { vm, world: this.sim.world, files: this.files, tools: this.tools, toolPath: this.toolPath, user, pid: this.pid };
  }

  private ensureHome(vm: VmName, home: string, user: string): void {
    try {
      const real = this.sim.world.resolvePath(vm, home);
      if (fs.existsSync(real)) return;
      fs.mkdirSync(real, { recursive: true });
      // adduser on Debian 12 makes homes 0700
      this.sim.world.access.setup(real, user, user, 0o700);
    } catch {
      // a home that cannot be created leaves the shell in it anyway, as a broken NFS home would
    }
  }

  async exec(vm: VmName, user: string, command: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number }> {
    this.sim.sync();
    const host = this.host(vm, user);
    const state = initialState(host);
    for (const [k, v] of Object.entries(env)) {
      if (k === "LANG" || k.startsWith("LC_")) state.vars.set(k, v);
    }
    this.ensureHome(vm, state.cwd, user);
    return new Shell(host, state).run(command);
  }

  openShell(vm: VmName, user: string): InteractiveShell {
    const host = this.host(vm, user);
    const shell = new Shell(host);
    this.ensureHome(vm, shell.state.cwd, user);
    this.sessions.set(vm, this.loggedIn(vm) + 1);
    let open = true;
    return {
      prompt: () => {
        const home = shell.state.vars.get("HOME") ?? "";
        const cwd = shell.state.cwd === home ? "~" : shell.state.cwd.startsWith(`${home}/`) ? `~${shell.state.cwd.slice(home.length)}` : shell.state.cwd;
        return `${user}@${this.sim.world.vm(vm).hostname}:${cwd}${user === "root" ? "#" : "$"} `;
      },
      run: async (line) => {
        this.sim.sync();
        const r = await shell.run(line);
        return { ...r, exit: shell.exited };
      },
      close: () => {
        if (!open) return;
        open = false;
        this.sessions.set(vm, Math.max(0, this.loggedIn(vm) - 1));
      },
    };
  }
}
