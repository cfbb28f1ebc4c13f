import path from "node:path";
import { type CommandContext, type HostCommand, commandLine, hostCommands } from "@/lib/commands/registry";
import { readInventoryFile } from "@/lib/inventory/load";
import { ClusterSpec, type HaStack, type Role } from "@/lib/inventory/schema";
import { type WorkflowCommandSpec, allWorkflowCommands } from "@/lib/commands/workflow";
import { databaseAccountsDoc } from "@/lib/commands/workflow-database";
import { buildBatchScript } from "@/lib/ssh/batch-script";
import { mergeRules, sudoersLines, sudoersRules } from "@/lib/commands/sudoers";

const ROLE_WORDS: Record<string, string> = { lb: "balancers", web: "web nodes", fs: "file servers", db: "databases" };

function roles(cmd: { roles: HostCommand["roles"] }): string {
  return cmd.roles === "all" || cmd.roles.length === 4 ? "every host" : cmd.roles.map((r) => ROLE_WORDS[r] ?? r).join(", ");
}

const RUNS_AS: Record<WorkflowCommandSpec<never>["runAs"], string> = { self: "the SSH account", root: "root (sudo)", "www-data": "www-data (sudo -u)" };

function workflowRows(workflows: readonly WorkflowCommandSpec<never>[], cluster: ClusterSpec): string[] {
  return workflows.map((w) => {
    const line = w.build(cluster, w.example).replaceAll("|", "\\|").replaceAll("\n", "<br>");
    return `| \`${w.name}\` | <code>${line.replaceAll("<", "&lt;").replaceAll("&lt;br>", "<br>")}</code> | ${roles(w)} | ${w.readOnly ? "no" : "**yes**"} | ${RUNS_AS[w.runAs]} | ${w.what} |`;
  });
}

/** A cluster with the inventory's defaults, to show commands as they run with default settings. */
function templateContext(role: Role, ha: HaStack): CommandContext {
  const cluster = ClusterSpec.parse({
    id: "example",
    servers: [{ name: "A" }, { name: "B" }],
    hosts: [{ name: "h", role, server: "A", address: "h", auth: { agent: true } }],
    balancer: { vip: "203.0.113.10", ha },
    storage: { ha },
  });
  const host = cluster.hosts[0];
  if (!host) throw new Error("template cluster has no host");
  // As if config.php named the file session handler, so the session-files probe shows its command.
  const previous = (probe: string) =>
    probe === "moodle-config" ? { sessionHandlerClass: "\\core\\session\\file", sessionFileSavePath: null, dataroot: cluster.web.dataroot, computed: [] } : undefined;
  return { cluster, host, previous };
}

/** The command line as it runs with default settings, under the first HA stack it applies to. */
function example(cmd: HostCommand): { line: string; when: string | null } {
  const role: Role = cmd.roles === "all" ? "web" : (cmd.roles[0] ?? "web");
  for (const ha of ["heartbeat", "pacemaker", "keepalived"] as const) {
    const line = commandLine(cmd, templateContext(role, ha));
    if (line !== null) return { line, when: ha === "heartbeat" || cmd.name === "drbd-events2" ? null : ha };
  }
  throw new Error(`${cmd.name} applies to no configuration`);
}

/** the documented example inventory (docs/clusterdeck.example.yaml): the docs show its sudoers lines */
export function documentedCluster(root = process.cwd()): ClusterSpec {
  const file = path.join(root, "docs", "clusterdeck.example.yaml");
  const result = readInventoryFile(file);
  const cluster = result.ok ? result.inventory.clusters[0] : undefined;
  if (!cluster) throw new Error(`${file} does not load: ${result.ok ? "no cluster" : JSON.stringify(result.problems)}`);
  return cluster;
}

const withHa = (c: ClusterSpec, ha: HaStack): ClusterSpec => ({ ...c, balancer: { ...c.balancer, ha }, storage: { ...c.storage, ha } });

/** docs/host-commands.md, generated from the registry so it cannot drift from what runs. */
export function hostCommandsDoc(
  commands: readonly HostCommand[] = hostCommands,
  workflows: readonly WorkflowCommandSpec<never>[] = allWorkflowCommands,
  documented: ClusterSpec = documentedCluster(),
): string {
  const wfCluster = templateContext("web", "heartbeat").cluster;
  const examples = commands.map((c) => ({ cmd: c, ...example(c) }));
  const rows = examples.map(
    ({ cmd, line }) =>
      `| \`${cmd.name}\` | \`${line.replaceAll("|", "\\|")}\` | ${roles(cmd)} | ${cmd.readOnly ? "no" : "**yes**"} | ${cmd.sudo ? "yes" : "no"} | ${cmd.what} |`,
  );
  const rules = sudoersRules(documented, commands, workflows);
  const floating = ClusterSpec.parse({ ...documented, database: { ...documented.database, moodleHost: { kind: "floating", address: "192.168.10.31" } } });
  const floatingRules = sudoersRules(floating, [], workflows).workflows.filter((r) => !rules.workflows.some((o) => o.command === r.command));
  const probeRules = mergeRules(...(["heartbeat", "pacemaker", "keepalived"] as const).map((ha) => sudoersRules(withHa(documented, ha), commands, []).probes));
  const sudoers = sudoersLines("clusterdeck", probeRules);
  const example2 = buildBatchScript(
    [
      { id: "clock", command: "date +%s.%N", timeoutSeconds: null },
      { id: "exportfs", command: "sudo -n exportfs -v", timeoutSeconds: 3 },
    ],
    "3f9a1c0b7d2e",
  );
  return `# Commands ClusterDeck runs on your hosts

<!-- generated by \`npm run docs:host-commands\` from lib/commands/registry.ts; do not edit by hand -->

ClusterDeck runs **only** the commands below, over SSH, as the account named in the inventory
(\`user\`, default \`clusterdeck\`). No screen accepts a free-form command; parameters come from the
inventory and are quoted by one helper. Every command run for an operator or a workflow is recorded
with who caused it, its exit code and output; routine polling is kept in memory only. Commands are
shown with the inventory's default paths; yours follow your inventory.

| name | command | runs on | changes anything | needs root | what it reads or does |
|---|---|---|---|---|---|
${rows.join("\n")}

\`cl-status\` runs where a pair uses heartbeat, \`crm-mon-xml\` where it uses Pacemaker, \`keepalived-state\` and
\`keepalived-conf\` where it uses keepalived (\`balancer.ha\`, \`storage.ha\`; the notify script \`keepalived-state\`
reads is in [keepalived.md](keepalived.md)). \`drbd-events2\` runs on DRBD 9 (seen in
\`/proc/drbd\`); \`session-files\` only while config.php names the file session handler, in its save path.
\`mysql-vitals\` reads the pt-heartbeat table (\`database.heartbeatTable\`) and Moodle's sessions table.

## Workflow commands

Guided workflows (maintenance mode, draining a node, the rolling code update, the Moodle upgrade)
run these, each one shown in the workflow's dry run with its exact arguments before anything starts,
and recorded with its output when it runs. Arguments (a node's address, a release folder, a run id)
enter the line only through the same quoting helper. Lines are shown with example arguments.

| name | command | runs on | changes anything | runs as | what it reads or does |
|---|---|---|---|---|---|
${workflowRows(workflows, wfCluster).join("\n")}

The code folder (\`web.dirroot\`) must be writable by the SSH account (the rolling update copies
into it with rsync, and saves the old code under \`/var/lib/clusterdeck/rollback/\`, which the account
owns); web nodes reach the release host over SSH as that account, by its \`clusterAddress\`. The
database dump is written under \`/var/backups/clusterdeck/\` on the replica (a folder the SSH account owns), with
the account in \`database.defaultsFile\` and its grants below, under \`umask 077\`. The site check through the VIP is an HTTP request the console itself makes
to \`siteUrl\`; it runs nothing on a host.

## How the polling runs

Each poll sends one SSH exec per host that runs that host's read-only probes in turn, each one's
output fenced by markers carrying a random nonce and its exit status kept apart. Probes that can
block (they touch the NFS dataroot, or ask a daemon that can stall: findmnt, the maintenance flag,
session files, heartbeat/Pacemaker, drbdsetup, exportfs, mysql) run last, together, under one
\`timeout\` in their own \`sh\`: a stale mount costs the rest of that group one poll (shown as timed
out), never the whole host. The others run bare, because on these hosts spawning processes costs
more than the probes themselves. For two probes the exec looks like this:

\`\`\`sh
${example2}
\`\`\`

So a host needs \`sh\`, \`timeout\` (coreutils), \`echo\` and \`printf\` besides the tools above, and
\`curl\` on the web nodes for Apache's \`server-status?auto\` (allowed from 127.0.0.1).

## sudoers

Commands marked "needs root" run as \`sudo -n …\`, the Moodle scripts as \`sudo -n -u www-data …\`. Grant
exactly those, nothing more (\`visudo -f /etc/sudoers.d/clusterdeck\` on each host of that role). The lines
below are for the example inventory ([clusterdeck.example.yaml](clusterdeck.example.yaml)): yours follow your
inventory (VIP and ports, the web and database nodes' addresses, paths), and \`npm run sudoers\` prints them
for the inventory in force, per role.

How sudo 1.9 (Debian 12) matches them, which is why they look as they do: a rule's arguments are matched
against the whole argument string with \`fnmatch\`, where \`*\` also matches spaces, so a \`*\` would let any
further argument through: every line here names its arguments exactly, and a value that varies (a weight, a
number of minutes) is spelled one pattern per number of digits (\`[1-9][0-9]\`). \`""\` means "no arguments";
a rule without arguments would allow any. \`,\` \`:\` \`=\` \`#\` and spaces are escaped for sudoers' parser,
\`*\` \`?\` \`[\` \`]\` for \`fnmatch\`, and a literal backslash is \`\\\\\\\\\` (both layers). Programs are named by the path sudo
finds first on Debian's \`secure_path\`. Every line is proven by \`npm run conformance\`
(test/conformance/sudo.conf.test.ts): installed into a real sudo for an unprivileged account, it accepts the
command as ClusterDeck sends it over SSH and refuses its neighbours (another file, option or account, an extra
or a missing argument).

The probes:

\`\`\`
${sudoers.join("\n")}
\`\`\`

For the workflows, on the hosts of each command's role (balancers, web nodes, databases):

\`\`\`
${sudoersLines("clusterdeck", rules.workflows).join("\n")}
\`\`\`

With \`database.moodleHost: { kind: floating, address: … }\` (Moodle reaches the database by an address that
moves with the source), the database drill also needs, on the databases:

\`\`\`
${sudoersLines("clusterdeck", floatingRules).join("\n")}
\`\`\`

${databaseAccountsDoc(wfCluster)}`;
}
