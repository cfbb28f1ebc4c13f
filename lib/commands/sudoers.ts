import { type CommandContext, type HostCommand, commandLine, hostCommands } from "@/lib/commands/registry";
import { exactRule, sudoCalls } from "@/lib/commands/sudoers-syntax";
import { type WorkflowCommandSpec, allWorkflowCommands } from "@/lib/commands/workflow";
import type { ClusterSpec, HostSpec, Role } from "@/lib/inventory/schema";

/**
 * The sudo rights ClusterDeck needs, generated from the same registry the commands are built from, for one
 * cluster's settings: docs/host-commands.md prints them, and test/conformance/sudo.conf.test.ts installs them
 * into the real sudo and proves each accepts what the console sends and refuses its neighbours.
 */
export interface SudoersRule {
  /** the registry command that needs it */
  name: string;
  /** the account sudo runs it as: root, or `sudo -u`'s user (www-data) */
  runAs: string;
  /** the command as sudoers matches it: absolute path, arguments escaped (lib/commands/sudoers-syntax.ts) */
  command: string;
  roles: readonly Role[];
}

const ALL_ROLES: readonly Role[] = ["lb", "web", "fs", "db"];

function probeContext(cluster: ClusterSpec, role: Role): CommandContext {
  const host: HostSpec = { name: `example-${role}`, role, server: cluster.servers[0]?.name ?? "A", address: "192.0.2.1", port: 22, user: "clusterdeck", auth: { agent: true }, hostKeys: [] };
  // As if config.php named the file session handler, so probes that depend on it show their command.
  const previous = (probe: string) =>
    probe === "moodle-config" ? { sessionHandlerClass: "\\core\\session\\file", sessionFileSavePath: null, dataroot: cluster.web.dataroot, computed: [] } : undefined;
  return { cluster, host, previous };
}

/** every probe's line for this cluster, per role it runs on (the lines sudoers must allow, and the conformance suite runs) */
export function probeLines(cluster: ClusterSpec, commands: readonly HostCommand[] = hostCommands): { name: string; role: Role; line: string }[] {
  return commands.flatMap((cmd) =>
    (cmd.roles === "all" ? ALL_ROLES : cmd.roles).flatMap((role) => {
      const line = commandLine(cmd, probeContext(cluster, role));
      return line === null ? [] : [{ name: cmd.name, role, line }];
    }),
  );
}

/** A probe's line is fixed for a cluster and role, so its rules are its sudo calls, matched exactly. */
function probeRules(cluster: ClusterSpec, commands: readonly HostCommand[]): SudoersRule[] {
  const rules: SudoersRule[] = [];
  for (const { name, role, line } of probeLines(cluster, commands)) {
    if (!line.includes("sudo")) continue;
    for (const call of sudoCalls(line)) {
      const command = exactRule(call);
      const same = rules.find((r) => r.command === command && r.runAs === call.runAs);
      if (same) same.roles = [...new Set([...same.roles, role])];
      else rules.push({ name, runAs: call.runAs, command, roles: [role] });
    }
  }
  return rules;
}

function workflowRules(cluster: ClusterSpec, workflows: readonly WorkflowCommandSpec<never>[]): SudoersRule[] {
  return workflows.flatMap((w) => (w.runAs === "self" ? [] : w.sudoers(cluster).map((command) => ({ name: w.name, runAs: w.runAs, command, roles: w.roles }))));
}

export function sudoersRules(
  cluster: ClusterSpec,
  commands: readonly HostCommand[] = hostCommands,
  workflows: readonly WorkflowCommandSpec<never>[] = allWorkflowCommands,
): { probes: SudoersRule[]; workflows: SudoersRule[] } {
  return { probes: probeRules(cluster, commands), workflows: workflowRules(cluster, workflows) };
}

/**
 * sudoers lines for `user`, one per registry command and account, as an admin would paste them; a command
 * with several allowed forms lists one per line, continued with `\` (sudoers' own line continuation).
 */
export function sudoersLines(user: string, rules: readonly SudoersRule[]): string[] {
  const groups = new Map<string, SudoersRule[]>();
  for (const r of rules) {
    const key = `${r.name}\0${r.runAs}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const head = `${user} ALL=(${group[0]?.runAs ?? "root"}) NOPASSWD: `;
    const commands = [...new Set(group.map((r) => r.command))];
    return commands.length === 1 ? `${head}${commands[0]}` : `${head}\\\n    ${commands.join(", \\\n    ")}`;
  });
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
