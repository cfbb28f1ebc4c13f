import type { ScriptRunner } from "../model/keepalived";
import type { ExecContext, Tool, VmRole, World } from "../model/types";
import type { VmFiles } from "../shell/files";
import { initialState, Shell } from "../shell/interpreter";
import type { CoreDeps } from "./deps";
import { fileAttrTools } from "./file-attr-tools";
import { fileTools } from "./file-tools";
import { haTools } from "./ha-tools";
import { ipvsadmTool } from "./ipvsadm";
import { keepalivedTools } from "./keepalived-tools";
import { netTools } from "./net-tools";
import { sedTool } from "./sed";
import { serviceTools } from "./service-tools";
import { systemTools } from "./system-tools";
import { textTools } from "./text";

export function coreTools(deps: CoreDeps): Record<string, Tool> {
  return {
    ...textTools(deps),
    ...fileTools(deps),
    ...fileAttrTools(deps),
    ...systemTools(deps),
    ...netTools(deps),
    ...serviceTools(deps),
    ...haTools(deps),
    ...keepalivedTools(deps),
    ipvsadm: ipvsadmTool(deps),
    sed: sedTool(deps),
  };
}

const ALL_ROLES: readonly VmRole[] = ["lb", "web", "fs", "db"];
const rolesOf = (t: Tool): readonly VmRole[] => (t.roles === "all" ? ALL_ROLES : t.roles);

/**
 * Merge the core's tools with the tiers'. Two tools may share a name only when they are
 * installed on different roles (e.g. cl_status on balancers and on file servers); then each
 * role runs its own. An overlap is a programming error and stops the lab at start.
 */
export function mergeTools(...sets: Record<string, Tool>[]): Map<string, Tool> {
  const byName = new Map<string, Tool[]>();
  for (const set of sets) for (const [name, tool] of Object.entries(set)) byName.set(name, [...(byName.get(name) ?? []), tool]);
  const out = new Map<string, Tool>();
  for (const [name, tools] of byName) {
    const [only] = tools;
    if (tools.length === 1 && only) {
      out.set(name, only);
      continue;
    }
    const seen = new Set<VmRole>();
    for (const t of tools) {
      for (const r of rolesOf(t)) {
        if (seen.has(r)) throw new Error(`two tools named "${name}" are installed on role ${r}`);
        seen.add(r);
      }
    }
    out.set(name, {
      roles: [...seen],
      run: (ctx: ExecContext) => {
        const role = ctx.world.vm(ctx.vm).role;
        const t = tools.find((x) => rolesOf(x).includes(role));
        if (!t) throw new Error(`no ${name} for role ${role}`);
        return t.run(ctx);
      },
    });
  }
  return out;
}

const SBIN = new Set(["ipvsadm", "ldirectord", "keepalived", "ip", "drbdadm", "drbdsetup", "drbdmeta", "exportfs", "crm_mon", "mysqld", "apache2ctl", "apachectl", "service", "mount", "umount", "showmount"]);

/** where `command -v` finds a tool, as on Debian */
export function toolPath(name: string): string {
  if (name === "hb_standby" || name === "hb_takeover") return `/usr/share/heartbeat/${name}`;
  if (name === "systemctl") return "/usr/bin/systemctl";
  return SBIN.has(name) ? `/usr/sbin/${name}` : `/usr/bin/${name}`;
}

/**
 * keepalived's script runner for the lab: the command line through the lab's shell, as root with
 * keepalived's umask 0177, on that balancer; a script file with a `#!/bin/sh` line is run by sh, as execve would.
 */
export function rootShellRunner(world: World, files: VmFiles, tools: ReadonlyMap<string, Tool>): ScriptRunner {
  let pid = 30_000;
  return (vm, command) => {
    pid = pid >= 32_000 ? 30_000 : pid + 1;
    const host = { vm, world, files, tools, toolPath, user: "root", pid };
    const first = command.trim().split(/\s+/)[0] ?? "";
    const st = first.startsWith("/") && !tools.has(first.slice(first.lastIndexOf("/") + 1)) ? files.stat(vm, first) : null;
    let line = command;
    if (st?.type === "file" && (st.mode & 0o111) !== 0 && /^#!\s*\/(usr\/)?bin\/(ba|da)?sh\b/.test(files.read(vm, first, "root"))) line = `sh ${command}`;
    return new Shell(host, { ...initialState(host), umask: 0o177 }).run(line);
  };
}
