import { type CommandContext, type HostCommand, commandLine, hostCommands } from "@/lib/commands/registry";
import { type WorkflowCommandSpec, allWorkflowCommands } from "@/lib/commands/workflow";
import type { ClusterSpec, HostSpec, Role } from "@/lib/inventory/schema";

/**
 * The sudo rights ClusterDeck needs, generated from the same registry the commands are built from, for one
 * cluster's settings: docs/host-commands.md prints them, and the conformance suite installs them for real.
 */
export interface SudoersRule {
  /** the registry command that needs it */
  name: string;
  runAs: "root" | "www-data";
  /** the command as sudoers matches it: absolute path, arguments escaped for sudoers */
  command: string;
  roles: readonly Role[];
}

const ALL_ROLES: readonly Role[] = ["lb", "web", "fs", "db"];

/** where sudo finds each binary a probe runs through `sudo -n`, under Debian's secure_path */
const BINARY_PATHS: Record<string, string> = {
  ipvsadm: "/usr/sbin/ipvsadm",
  exportfs: "/usr/sbin/exportfs",
  cl_status: "/usr/bin/cl_status",
  crm_mon: "/usr/sbin/crm_mon",
  drbdsetup: "/usr/sbin/drbdsetup",
};

function probeContext(cluster: ClusterSpec, role: Role): CommandContext {
  const host: HostSpec = { name: `example-${role}`, role, server: cluster.servers[0]?.name ?? "A", address: "192.0.2.1", port: 22, user: "clusterdeck", auth: { agent: true }, hostKeys: [] };
  // As if config.php named the file session handler, so probes that depend on it show their command.
  const previous = (probe: string) =>
    probe === "moodle-config" ? { sessionHandlerClass: "\\core\\session\\file", sessionFileSavePath: null, dataroot: cluster.web.dataroot, computed: [] } : undefined;
  return { cluster, host, previous };
}

function probeRules(cluster: ClusterSpec, commands: readonly HostCommand[]): SudoersRule[] {
  const rules: SudoersRule[] = [];
  for (const cmd of commands) {
    if (!cmd.sudo) continue;
    const roles = cmd.roles === "all" ? ALL_ROLES : cmd.roles;
    for (const role of roles) {
      const line = commandLine(cmd, probeContext(cluster, role));
      if (line === null) continue;
      const [binary = "", ...args] = line.replace(/^sudo -n /, "").split(" ");
      const command = [BINARY_PATHS[binary] ?? binary, ...args].join(" ");
      const same = rules.find((r) => r.command === command);
      if (same) same.roles = [...new Set([...same.roles, role])];
      else rules.push({ name: cmd.name, runAs: "root", command, roles: [role] });
    }
  }
  return rules;
}

function workflowRules(cluster: ClusterSpec, workflows: readonly WorkflowCommandSpec<never>[]): SudoersRule[] {
  return workflows.flatMap((w) => {
    const runAs = w.runAs === "www-data" ? "www-data" : "root";
    return w.runAs === "self" ? [] : w.sudoers(cluster).map((command) => ({ name: w.name, runAs, command, roles: w.roles }) as SudoersRule);
  });
}

export function sudoersRules(
  cluster: ClusterSpec,
  commands: readonly HostCommand[] = hostCommands,
  workflows: readonly WorkflowCommandSpec<never>[] = allWorkflowCommands,
): { probes: SudoersRule[]; workflows: SudoersRule[] } {
  return { probes: probeRules(cluster, commands), workflows: workflowRules(cluster, workflows) };
}

/** sudoers lines for `user`: one line per registry command, as an admin would paste them */
export function sudoersLines(user: string, rules: readonly SudoersRule[]): string[] {
  const lines: string[] = [];
  const byCommand = new Map<string, SudoersRule[]>();
  for (const r of rules) byCommand.set(`${r.name}\0${r.runAs}`, [...(byCommand.get(`${r.name}\0${r.runAs}`) ?? []), r]);
  for (const group of byCommand.values()) {
    const first = group[0];
    if (first) lines.push(`${user} ALL=(${first.runAs}) NOPASSWD: ${group.map((r) => r.command).join(", ")}`);
  }
  return lines;
}

/** the union of several clusters' rules (the docs show every HA stack's), each command once */
export function mergeRules(...lists: SudoersRule[][]): SudoersRule[] {
  const out: SudoersRule[] = [];
  for (const r of lists.flat()) {
    const same = out.find((o) => o.command === r.command && o.runAs === r.runAs);
    if (same) same.roles = [...new Set([...same.roles, ...r.roles])];
    else out.push({ ...r });
  }
  return out;
}
