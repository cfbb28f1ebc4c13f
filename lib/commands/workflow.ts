import type { ClusterSpec, Role } from "@/lib/inventory/schema";
import { databaseDrillCommands } from "@/lib/commands/workflow-database";
import { shellQuote } from "@/lib/ssh/quote";
import { codeFingerprintProbe } from "@/lib/probes/code-fingerprint";
import { type SudoersArg, debianPath, digitPatterns, glob, sudoersCommand } from "@/lib/commands/sudoers-syntax";
import { drainScripts, undrainScripts } from "@/lib/workflows/ldirectord-edit";

/**
 * Commands the guided workflows run (lib/workflows). Like the probes in registry.ts, nothing else is
 * ever sent: a workflow step names one of these and supplies its arguments, which enter the line only
 * through shellQuote. docs/host-commands.md lists them with the sudoers line each needs.
 */

/** who the command runs as: the SSH account itself, root through sudo, or the web server's user */
export type RunAs = "self" | "root" | "www-data";

export interface WorkflowCommandSpec<A> {
  name: string;
  roles: readonly Role[];
  readOnly: boolean;
  runAs: RunAs;
  what: string;
  /** the commands sudoers must allow (as runAs, with * where an argument varies); [] when no sudo */
  sudoers: (cluster: ClusterSpec) => string[];
  /** the whole line as sent, sudo included */
  build: (cluster: ClusterSpec, args: A) => string;
  /** arguments for the example line in the docs */
  example: A;
}

function spec<A>(s: WorkflowCommandSpec<A>): WorkflowCommandSpec<A> {
  return s;
}

function moodlePath(cluster: ClusterSpec, file: string): string {
  return `${cluster.web.dirroot.replace(/\/+$/, "")}/${file}`;
}

/** a Moodle CLI script run as www-data by its absolute path: a relative one would match in any folder */
function asWebUser(cluster: ClusterSpec, script: string, args: string[]): string {
  return `sudo -n -u www-data ${[cluster.web.php, moodlePath(cluster, script), ...args].map(shellQuote).join(" ")}`;
}

/** the sudoers rule for exactly that script with exactly these arguments */
function webUserRule(cluster: ClusterSpec, script: string, args: SudoersArg[]): string {
  return sudoersCommand(cluster.web.php, [moodlePath(cluster, script), ...args]);
}

/** the web nodes' addresses in the pool (their cluster address where the inventory has one) */
function webAddresses(cluster: ClusterSpec): string[] {
  const addresses = cluster.hosts.filter((h) => h.role === "web").map((h) => h.clusterAddress ?? h.address);
  return addresses.filter((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a));
}

/** `sed -i --follow-symlinks -E -e ... FILE`: in place, through a link to its target, keeping mode and owner */
function sedArgs(cluster: ClusterSpec, scripts: readonly string[]): string[] {
  return ["-i", "--follow-symlinks", "-E", ...scripts.flatMap((s) => ["-e", s]), cluster.balancer.ldirectordConfig];
}

/** every real server of the cluster's web nodes on one virtual port: LVS direct routing keeps the port */
function realServers(cluster: ClusterSpec, port: number): string[] {
  return cluster.hosts.filter((h) => h.role === "web").map((h) => `${h.clusterAddress ?? h.address}:${port}`);
}

const HEREDOC = "CLUSTERDECK_EOF";

function heredoc(content: string): string {
  const body = content.endsWith("\n") ? content : `${content}\n`;
  if (body.split("\n").includes(HEREDOC)) throw new Error("content contains the here-document terminator");
  return `<<'${HEREDOC}'\n${body}${HEREDOC}`;
}

function releaseOperand(source: { host: string; path: string }, runsOn: string, cluster: ClusterSpec): string {
  const path = `${source.path.replace(/\/+$/, "")}/`;
  if (source.host === runsOn) return shellQuote(path);
  const host = cluster.hosts.find((h) => h.name === source.host);
  // rsync reaches the release host over SSH, by its cluster address when the inventory has one.
  return shellQuote(`${host?.clusterAddress ?? source.host}:${path}`);
}

/** A page of the site as Moodle's wwwroot names it: the host and port curl must resolve to the node itself. */
export function smokeTarget(url: string): { url: string; host: string; port: number } {
  const m = /^(https?):\/\/([A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?(\/[A-Za-z0-9._~/-]*)$/.exec(url);
  if (!m?.[1] || !m[2] || !m[4]) throw new Error(`not a page of a site: ${url}`);
  return { url, host: m[2], port: m[3] ? Number(m[3]) : m[1] === "https" ? 443 : 80 };
}

export const ROLLBACK_ROOT = "/var/lib/clusterdeck/rollback";
export const DUMP_ROOT = "/var/backups/clusterdeck";

export function rollbackDir(runId: string): string {
  return `${ROLLBACK_ROOT}/${runId}`;
}

export const workflowCommands = {
  ipvsadmSetWeight: spec<{ realServer: string; forward: "-g" | "-m" | "-i"; weight: number }>({
    name: "ipvsadm-set-weight",
    roles: ["lb"],
    readOnly: false,
    runAs: "root",
    what: "set a real server's weight in one virtual service of this balancer's running LVS table (0 = no new clients); a drain runs it for each port the node serves",
    // weights by width (0-65535) and the forwarding method as one character: a `*` would also match extra arguments
    sudoers: (c) =>
      c.balancer.ports.flatMap((port) =>
        realServers(c, port).flatMap((rs) =>
          digitPatterns(5).map((w) =>
            sudoersCommand(debianPath("ipvsadm"), ["-e", c.balancer.protocol === "UDP" ? "-u" : "-t", `${c.balancer.vip}:${port}`, "-r", rs, glob("-[gmi]"), "-w", w]),
          ),
        ),
      ),
    // direct routing keeps the port: the real server's port names the virtual service it belongs to
    build: (c, a) => {
      const port = Number(/:(\d{1,5})$/.exec(a.realServer)?.[1] ?? Number.NaN);
      if (!c.balancer.ports.includes(port)) throw new Error(`${a.realServer}: port ${port} is not one of the VIP's ports in the inventory (${c.balancer.ports.join(", ")})`);
      if (!Number.isInteger(a.weight) || a.weight < 0 || a.weight > 65535) throw new Error(`weight ${a.weight} is not 0-65535`);
      return `sudo -n ipvsadm -e ${c.balancer.protocol === "UDP" ? "-u" : "-t"} ${shellQuote(`${c.balancer.vip}:${port}`)} -r ${shellQuote(a.realServer)} ${a.forward} -w ${a.weight}`;
    },
    example: { realServer: "192.168.10.11:80", forward: "-g", weight: 0 },
  }),
  ldirectordDrain: spec<{ address: string }>({
    name: "ldirectord-cf-drain",
    roles: ["lb"],
    readOnly: false,
    runAs: "root",
    what: "weight 0 for every real= line of one web node in ldirectord.cf, the old weight kept in a comment ldirectord ignores; GNU sed edits beside the link's target and keeps its mode and owner, and prints only the lines it changed",
    sudoers: (c) => webAddresses(c).map((address) => sudoersCommand(debianPath("sed"), sedArgs(c, drainScripts(address)))),
    build: (c, a) => `sudo -n ${["sed", ...sedArgs(c, drainScripts(a.address))].map(shellQuote).join(" ")}`,
    example: { address: "192.168.10.11" },
  }),
  ldirectordUndrain: spec<{ address: string }>({
    name: "ldirectord-cf-undrain",
    roles: ["lb"],
    readOnly: false,
    runAs: "root",
    what: "put back the weights a drain kept in ldirectord.cf's comments, for every real= line of one web node (same edit as the drain)",
    sudoers: (c) => webAddresses(c).map((address) => sudoersCommand(debianPath("sed"), sedArgs(c, undrainScripts(address)))),
    build: (c, a) => `sudo -n ${["sed", ...sedArgs(c, undrainScripts(a.address))].map(shellQuote).join(" ")}`,
    example: { address: "192.168.10.11" },
  }),
  maintenanceStatus: spec<Record<string, never>>({
    name: "moodle-maintenance-status",
    roles: ["web"],
    readOnly: true,
    runAs: "www-data",
    what: "Moodle's own account of maintenance mode (admin/cli/maintenance.php)",
    sudoers: (c) => [webUserRule(c, "admin/cli/maintenance.php", [])],
    build: (c) => asWebUser(c, "admin/cli/maintenance.php", []),
    example: {},
  }),
  maintenanceTemplate: spec<{ html: string | null }>({
    name: "moodle-maintenance-message",
    roles: ["web"],
    readOnly: false,
    runAs: "www-data",
    what: "write (or remove) climaintenance.template.html in the dataroot: the page users see during maintenance",
    sudoers: (c) => [
      sudoersCommand(debianPath("tee"), [`${c.web.dataroot}/climaintenance.template.html`]),
      sudoersCommand(debianPath("rm"), ["-f", `${c.web.dataroot}/climaintenance.template.html`]),
    ],
    build: (c, a) => {
      const file = shellQuote(`${c.web.dataroot}/climaintenance.template.html`);
      return a.html === null ? `sudo -n -u www-data rm -f ${file}` : `sudo -n -u www-data tee ${file} >/dev/null ${heredoc(a.html)}`;
    },
    example: { html: "<p>Back at 18:00.</p>" },
  }),
  maintenanceSet: spec<{ mode: "enable" | "disable" | { laterMinutes: number } }>({
    name: "moodle-maintenance-set",
    roles: ["web"],
    readOnly: false,
    runAs: "www-data",
    what: "switch Moodle's CLI maintenance mode on, on later (users see a warning), or off",
    sudoers: (c) => [
      webUserRule(c, "admin/cli/maintenance.php", ["--enable"]),
      webUserRule(c, "admin/cli/maintenance.php", ["--disable"]),
      ...digitPatterns(4, "--enablelater=").map((minutes) => webUserRule(c, "admin/cli/maintenance.php", [minutes])),
    ],
    build: (c, a) =>
      asWebUser(c, "admin/cli/maintenance.php", [a.mode === "enable" ? "--enable" : a.mode === "disable" ? "--disable" : `--enablelater=${a.mode.laterMinutes}`]),
    example: { mode: "enable" },
  }),
  upgradePending: spec<Record<string, never>>({
    name: "moodle-upgrade-pending",
    roles: ["web"],
    readOnly: true,
    runAs: "www-data",
    what: "whether the code on this node needs a database upgrade (exit 2: pending)",
    sudoers: (c) => [webUserRule(c, "admin/cli/upgrade.php", ["--is-pending"])],
    build: (c) => asWebUser(c, "admin/cli/upgrade.php", ["--is-pending"]),
    example: {},
  }),
  upgrade: spec<Record<string, never>>({
    name: "moodle-upgrade",
    roles: ["web"],
    readOnly: false,
    runAs: "www-data",
    what: "upgrade Moodle's database to the code on this node (once per cluster: the database is shared)",
    sudoers: (c) => [webUserRule(c, "admin/cli/upgrade.php", ["--non-interactive"])],
    build: (c) => asWebUser(c, "admin/cli/upgrade.php", ["--non-interactive"]),
    example: {},
  }),
  purgeCaches: spec<Record<string, never>>({
    name: "moodle-purge-caches",
    roles: ["web"],
    readOnly: false,
    runAs: "www-data",
    what: "purge Moodle's caches",
    sudoers: (c) => [webUserRule(c, "admin/cli/purge_caches.php", [])],
    build: (c) => asWebUser(c, "admin/cli/purge_caches.php", []),
    example: {},
  }),
  apacheGraceful: spec<Record<string, never>>({
    name: "apache-graceful",
    roles: ["web"],
    readOnly: false,
    runAs: "root",
    what: "reload Apache gracefully: running requests finish; under mod_php PHP's OPcache starts empty (under php-fpm it does not: php-fpm-reload)",
    sudoers: () => [sudoersCommand(debianPath("apachectl"), ["graceful"])],
    build: () => "sudo -n apachectl graceful",
    example: {},
  }),
  releaseVersion: spec<{ path: string }>({
    name: "release-version",
    roles: ["web", "lb", "fs", "db"],
    readOnly: true,
    runAs: "self",
    what: "version.php of a release folder, to compare its $version with the installed one",
    sudoers: () => [],
    build: (_c, a) => `cat ${shellQuote(`${a.path.replace(/\/+$/, "")}/version.php`)}`,
    example: { path: "/srv/releases/4.4.3" },
  }),
  codeFingerprintNow: spec<Record<string, never>>({
    name: "code-fingerprint-now",
    roles: ["web"],
    readOnly: true,
    runAs: "self",
    what: "the code fingerprint hashed now, not the probe's cached answer: a workflow judging whether the nodes serve the same code must not trust a reading up to a check interval old",
    sudoers: () => [],
    build: (c) => codeFingerprintProbe.command({ dirroot: c.web.dirroot }),
    example: {},
  }),
  codeSnapshot: spec<{ runId: string }>({
    name: "code-snapshot",
    roles: ["web"],
    readOnly: false,
    runAs: "self",
    what: "copy the node's code folder aside (config.php stays where it is) so a failed update can put it back",
    sudoers: () => [],
    build: (c, a) =>
      `mkdir -p ${shellQuote(rollbackDir(a.runId))} && rsync -a --delete --exclude=/config.php ${shellQuote(`${c.web.dirroot}/`)} ${shellQuote(`${rollbackDir(a.runId)}/`)}`,
    example: { runId: "<run>" },
  }),
  codeRestore: spec<{ runId: string }>({
    name: "code-restore",
    roles: ["web"],
    readOnly: false,
    runAs: "self",
    what: "put back the code folder saved by code-snapshot",
    sudoers: () => [],
    build: (c, a) => `rsync -a --delete --exclude=/config.php ${shellQuote(`${rollbackDir(a.runId)}/`)} ${shellQuote(`${c.web.dirroot}/`)}`,
    example: { runId: "<run>" },
  }),
  codeSnapshotDrop: spec<{ runId: string }>({
    name: "code-snapshot-drop",
    roles: ["web"],
    readOnly: false,
    runAs: "self",
    what: "remove the saved code folder once the update is done",
    sudoers: () => [],
    build: (_c, a) => `rm -rf ${shellQuote(rollbackDir(a.runId))}`,
    example: { runId: "<run>" },
  }),
  rsyncPreview: spec<{ source: { host: string; path: string }; node: string }>({
    name: "rsync-release-dry-run",
    roles: ["web"],
    readOnly: true,
    runAs: "self",
    what: "what copying a release would change on this node, file by file (rsync --dry-run --itemize-changes)",
    sudoers: () => [],
    build: (c, a) => `rsync -a --dry-run --itemize-changes --delete --exclude=/config.php ${releaseOperand(a.source, a.node, c)} ${shellQuote(`${c.web.dirroot}/`)}`,
    example: { source: { host: "web1", path: "/srv/releases/4.4.3" }, node: "web1" },
  }),
  rsyncApply: spec<{ source: { host: string; path: string }; node: string }>({
    name: "rsync-release",
    roles: ["web"],
    readOnly: false,
    runAs: "self",
    what: "copy a release into the node's code folder, keeping its config.php",
    sudoers: () => [],
    build: (c, a) => `rsync -a --itemize-changes --delete --exclude=/config.php ${releaseOperand(a.source, a.node, c)} ${shellQuote(`${c.web.dirroot}/`)}`,
    example: { source: { host: "web1", path: "/srv/releases/4.4.3" }, node: "web1" },
  }),
  phpLint: spec<{ files: string[] }>({
    name: "php-lint",
    roles: ["web"],
    readOnly: true,
    runAs: "self",
    what: "PHP syntax check of the files an update changed",
    sudoers: () => [],
    // one file per php: PHP 8.2's -l reads only its first file; absolute paths are never read as options, while
    // `php -l -- file` lints standard input and passes (real run, PHP 8.2.36 CLI)
    build: (c, a) => a.files.map((f) => `${shellQuote(c.web.php)} -l ${shellQuote(moodlePath(c, f))}`).join(" && "),
    example: { files: ["lib/moodlelib.php"] },
  }),
  phpFpmReload: spec<Record<string, never>>({
    name: "php-fpm-reload",
    roles: ["web"],
    readOnly: false,
    runAs: "root",
    what: "reload php-fpm gracefully (Debian's service command: systemctl reload under systemd, else SIGUSR2 to the master): new workers with an empty OPcache, which apachectl graceful does not give php-fpm",
    sudoers: (c) => [sudoersCommand(debianPath("service"), [c.web.phpFpmService, "reload"])],
    build: (c) => `sudo -n service ${shellQuote(c.web.phpFpmService)} reload`,
    example: {},
  }),
  smokeTest: spec<{ url: string }>({
    name: "smoke-test-node",
    roles: ["web"],
    readOnly: true,
    runAs: "self",
    what: "request a Moodle page from the node itself (not through the VIP) under the site's own name ($CFG->wwwroot, resolved to 127.0.0.1), following no redirect: the HTTP status and any redirect target",
    sudoers: () => [],
    build: (_c, a) => {
      const target = smokeTarget(a.url);
      return `curl -sS -o /dev/null -w '%{http_code} %{redirect_url}\\n' --max-time 10 --resolve ${shellQuote(`${target.host}:${target.port}:127.0.0.1`)} ${shellQuote(target.url)}`;
    },
    example: { url: "https://moodle.example.org/login/index.php" },
  }),
  dump: spec<{ file: string }>({
    name: "mysqldump-replica",
    roles: ["db"],
    readOnly: false,
    runAs: "self",
    what: "a consistent dump of Moodle's database, taken on the replica so the source is not slowed; private to the SSH account (umask 077: the dump holds every user's data)",
    sudoers: () => [],
    // --set-gtid-purged is MySQL's: MariaDB's mysqldump exits 7 on it (real run, 10.11.19); --no-tablespaces spares
    // MySQL 8.0.21+ the PROCESS privilege (https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html)
    build: (c, a) =>
      `umask 077 && mkdir -p ${shellQuote(DUMP_ROOT)} && mysqldump --defaults-file=${shellQuote(c.database.defaultsFile)} --single-transaction --quick --routines --triggers --events${c.database.flavour === "mysql" ? " --set-gtid-purged=OFF --no-tablespaces" : ""} --result-file=${shellQuote(a.file)} ${shellQuote(c.database.moodleDatabase)}`,
    example: { file: `${DUMP_ROOT}/moodle-<run>.sql` },
  }),
  dumpCheck: spec<{ file: string }>({
    name: "dump-check",
    roles: ["db"],
    readOnly: true,
    runAs: "self",
    what: "the dump's size and last line (mysqldump ends a complete dump with '-- Dump completed')",
    sudoers: () => [],
    build: (_c, a) => `stat -c %s ${shellQuote(a.file)} && tail -n 1 ${shellQuote(a.file)}`,
    example: { file: `${DUMP_ROOT}/moodle-<run>.sql` },
  }),
  // Debian's service(8): systemctl under systemd (Debian 12's default), the package's init script otherwise
  // (/etc/init.d/heartbeat, /etc/init.d/keepalived): the same line works on both, and in the conformance hosts.
  haServiceStop: spec<{ service: "heartbeat" | "keepalived" }>({
    name: "ha-service-stop",
    roles: ["lb"],
    readOnly: false,
    runAs: "root",
    what: "stop the balancer's HA daemon (a balancer failover drill): it gives up the VIP and its peer takes it",
    sudoers: () => [sudoersCommand(debianPath("service"), ["heartbeat", "stop"]), sudoersCommand(debianPath("service"), ["keepalived", "stop"])],
    build: (_c, a) => `sudo -n service ${a.service === "keepalived" ? "keepalived" : "heartbeat"} stop`,
    example: { service: "heartbeat" },
  }),
  haServiceStart: spec<{ service: "heartbeat" | "keepalived" }>({
    name: "ha-service-start",
    roles: ["lb"],
    readOnly: false,
    runAs: "root",
    what: "start the balancer's HA daemon again after a drill (keepalived with a higher priority and no nopreempt takes the VIP back)",
    sudoers: () => [sudoersCommand(debianPath("service"), ["heartbeat", "start"]), sudoersCommand(debianPath("service"), ["keepalived", "start"])],
    build: (_c, a) => `sudo -n service ${a.service === "keepalived" ? "keepalived" : "heartbeat"} start`,
    example: { service: "heartbeat" },
  }),
  hbStandby: spec<Record<string, never>>({
    name: "hb-standby",
    roles: ["fs"],
    readOnly: false,
    runAs: "root",
    what: "hand this file server's heartbeat resources to its peer, in haresources order (NFS export, mount, DRBD role, NFS address)",
    sudoers: () => [sudoersCommand("/usr/share/heartbeat/hb_standby", [])],
    build: () => "sudo -n /usr/share/heartbeat/hb_standby",
    example: {},
  }),
  hbTakeover: spec<Record<string, never>>({
    name: "hb-takeover",
    roles: ["fs"],
    readOnly: false,
    runAs: "root",
    what: "take this file server's heartbeat resources back from its peer (a storage drill's restore)",
    sudoers: () => [sudoersCommand("/usr/share/heartbeat/hb_takeover", [])],
    build: () => "sudo -n /usr/share/heartbeat/hb_takeover",
    example: {},
  }),
  datarootCheck: spec<Record<string, never>>({
    name: "dataroot-check",
    roles: ["web"],
    readOnly: true,
    runAs: "self",
    what: "whether the node can read the shared dataroot right now (a storage drill samples it every second)",
    sudoers: () => [],
    build: (c) => `timeout 3 test -d ${shellQuote(`${c.web.dataroot}/filedir`)}`,
    example: {},
  }),
} as const;

export type WorkflowCommandName = keyof typeof workflowCommands;

export const allWorkflowCommands: readonly WorkflowCommandSpec<never>[] = [
  ...(Object.values(workflowCommands) as unknown as WorkflowCommandSpec<never>[]),
  ...Object.values(databaseDrillCommands),
];
