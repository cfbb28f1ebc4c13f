import type { ClusterSpec, HostSpec, KeepalivedSettings, Role } from "@/lib/inventory/schema";
import { apacheStatusProbe } from "@/lib/probes/apache-status";
import { clStatusProbe } from "@/lib/probes/cl-status";
import { clockProbe } from "@/lib/probes/clock";
import { type CodeFingerprint, codeFingerprintProbe } from "@/lib/probes/code-fingerprint";
import { crmMonXmlProbe } from "@/lib/probes/crm-mon-xml";
import { dfProbe } from "@/lib/probes/df";
import { drbdEvents2Probe } from "@/lib/probes/drbd-events2";
import { exportfsProbe } from "@/lib/probes/exportfs";
import { findmntProbe } from "@/lib/probes/findmnt";
import { ipAddrProbe } from "@/lib/probes/ip-addr";
import { ipvsadmProbe } from "@/lib/probes/ipvsadm";
import { ipvsadmConnsProbe } from "@/lib/probes/ipvsadm-conns";
import { keepalivedConfProbe } from "@/lib/probes/keepalived-conf";
import { keepalivedStateProbe } from "@/lib/probes/keepalived-state";
import { ldirectordCfProbe } from "@/lib/probes/ldirectord-cf";
import { loadavgProbe } from "@/lib/probes/loadavg";
import { meminfoProbe } from "@/lib/probes/meminfo";
import { type MoodleConfig, moodleConfigProbe } from "@/lib/probes/moodle-config";
import { moodleMaintenanceProbe } from "@/lib/probes/moodle-maintenance";
import { moodleSettingsProbe } from "@/lib/probes/moodle-settings";
import { moodleVersionProbe } from "@/lib/probes/moodle-version";
import { mysqlMasterStatusProbe } from "@/lib/probes/mysql-master-status";
import { mysqlReplicaStatusProbe } from "@/lib/probes/mysql-replica-status";
import { type MysqlVitals, mysqlVitalsProbe } from "@/lib/probes/mysql-vitals";
import { phpHandlerProbe } from "@/lib/probes/php-handler";
import { type ProcDrbd, procDrbdProbe } from "@/lib/probes/proc-drbd";
import { serviceStateProbe } from "@/lib/probes/service-state";
import { sessionFilesProbe } from "@/lib/probes/session-files";
import type { Parsed } from "@/lib/probes/types";
import { uptimeProbe } from "@/lib/probes/uptime";

/**
 * Every command the console may run on a host. Nothing else is ever sent: screens offer actions
 * built from these templates, never a free-form shell. docs/host-commands.md is generated from here.
 */
export interface CommandContext {
  cluster: ClusterSpec;
  host: HostSpec;
  /** what this host's probes read last time (some commands adapt: DRBD version, session path) */
  previous: (probe: string) => unknown;
}

export interface HostCommand {
  name: string;
  roles: readonly Role[] | "all";
  /** true when it changes nothing on the host */
  readOnly: boolean;
  /** needs root on the host: run as `sudo -n <command>`, granted by the sudoers line in the docs */
  sudo: boolean;
  what: string;
  /** the command for this host, or null when it does not apply (another HA stack, another DRBD version) */
  command: (ctx: CommandContext) => string | null;
  /** exit codes that still carry a readable answer (systemctl is-active exits 3 for "inactive") */
  okExitCodes: readonly number[];
  /**
   * It can block: it touches the NFS dataroot (a stale mount hangs), or asks a daemon that can
   * stall. Such probes run under `timeout` so they cannot hold up the rest of the batch.
   */
  mayHang: boolean;
  parse?: (stdout: string) => Parsed<unknown>;
}

/** Moodle's default $CFG->sessiontimeout: 8 hours. */
export const SESSION_TIMEOUT_MINUTES = 480;

function probe(
  name: string,
  p: { roles: readonly Role[] | "all"; parse: (s: string) => Parsed<unknown> },
  what: string,
  command: (ctx: CommandContext) => string | null,
  options: { sudo?: boolean; okExitCodes?: number[]; roles?: readonly Role[]; mayHang?: boolean } = {},
): HostCommand {
  return {
    name,
    roles: options.roles ?? p.roles,
    readOnly: true,
    sudo: options.sudo ?? false,
    what,
    command,
    okExitCodes: options.okExitCodes ?? [0],
    mayHang: options.mayHang ?? false,
    parse: p.parse,
  };
}

function haStackOf(ctx: CommandContext): ClusterSpec["balancer"]["ha"] | null {
  if (ctx.host.role === "lb") return ctx.cluster.balancer.ha;
  if (ctx.host.role === "fs") return ctx.cluster.storage.ha;
  return null;
}

function keepalivedSettingsOf(ctx: CommandContext): KeepalivedSettings | null {
  if (haStackOf(ctx) !== "keepalived") return null;
  return ctx.host.role === "lb" ? ctx.cluster.balancer.keepalived : ctx.cluster.storage.keepalived;
}

/**
 * Where this node's session files would be, once config.php is read: unless it names another handler or
 * sets dbsessions (the admin setting in mdl_config may still send sessions to the database: derive.ts decides).
 */
function sessionPath(ctx: CommandContext): string | null {
  const config = ctx.previous("moodle-config") as MoodleConfig | undefined;
  if (!config || config.computed.includes("sessionHandlerClass") || config.computed.includes("sessionFileSavePath")) return null;
  if (config.sessionHandlerClass !== null && !/^\\?core\\session\\file$/.test(config.sessionHandlerClass)) return null;
  if (config.sessionHandlerClass === null && config.dbsessions === true) return null;
  return config.sessionFileSavePath ?? `${config.dataroot ?? ctx.cluster.web.dataroot}/sessions`;
}

export const hostCommands: readonly HostCommand[] = [
  // First in the batch, so the console's clock at the start of the exec is the best comparison.
  probe("clock", clockProbe, "the host's clock, to compare with the console's (Moodle wants nodes within 1 s)", () => clockProbe.command()),
  probe("loadavg", loadavgProbe, "load averages and process counts", () => loadavgProbe.command()),
  probe("meminfo", meminfoProbe, "memory in use and available", () => meminfoProbe.command()),
  probe("df", dfProbe, "disk usage of the local filesystems (POSIX format)", () => dfProbe.command()),
  probe("uptime", uptimeProbe, "time since boot", () => uptimeProbe.command()),
  probe("ip-addr", ipAddrProbe, "addresses on every interface: who holds the VIP or the NFS address", () => ipAddrProbe.command()),

  probe("ipvsadm", ipvsadmProbe, "LVS virtual services, real servers, weights and connection counts", () => ipvsadmProbe.command({}), { sudo: true }),
  probe("ipvsadm-stats", ipvsadmProbe, "LVS traffic counters per real server", () => ipvsadmProbe.command({ table: "stats", exact: true }), { sudo: true }),
  probe("ipvsadm-rate", ipvsadmProbe, "LVS rates per real server", () => ipvsadmProbe.command({ table: "rate", exact: true }), { sudo: true }),
  probe("ipvsadm-conns", ipvsadmConnsProbe, "LVS connection entries and persistence templates (sticky clients)", () => ipvsadmConnsProbe.command(), {
    sudo: true,
  }),
  // through sudo: ldirectord.cf may be readable by root only (passwd= for database checks); the parser keeps no password
  probe("ldirectord-cf", ldirectordCfProbe, "ldirectord.cf as ldirectord reads it: virtual services, real servers and weights, and whether ldirectord would refuse it", (ctx) =>
    ldirectordCfProbe.command({ path: ctx.cluster.balancer.ldirectordConfig }),
    { sudo: true },
  ),
  probe(
    "cl-status",
    clStatusProbe,
    "heartbeat's view of both nodes (when the pair runs heartbeat)",
    (ctx) => (haStackOf(ctx) === "heartbeat" ? clStatusProbe.command() : null),
    // heartbeat 3.0.6 answers "Heartbeat is stopped on this machine." with exit 1 (stopped, crashed, or in initdead)
    { sudo: true, roles: ["lb", "fs"], mayHang: true, okExitCodes: [0, 1] },
  ),
  probe(
    "crm-mon-xml",
    crmMonXmlProbe,
    "Pacemaker's nodes and resources (when the pair runs Pacemaker)",
    (ctx) => (haStackOf(ctx) === "pacemaker" ? crmMonXmlProbe.command() : null),
    // crm_mon prints its XML with a <status code> also when it fails: CRM_EX_ERROR 1, UNAVAILABLE 69, DISCONNECT 102 (results.h)
    { sudo: true, roles: ["lb", "fs"], mayHang: true, okExitCodes: [0, 1, 69, 102] },
  ),
  probe(
    "keepalived-state",
    keepalivedStateProbe,
    "whether keepalived runs (its pid file) and each VRRP instance's state as its notify script recorded it: MASTER, BACKUP, FAULT, STOP (when the pair runs keepalived)",
    (ctx) => {
      const settings = keepalivedSettingsOf(ctx);
      return settings ? keepalivedStateProbe.command({ pidFile: settings.pidFile, stateDir: settings.stateDir }) : null;
    },
    { roles: ["lb", "fs"] },
  ),
  probe(
    "keepalived-conf",
    keepalivedConfProbe,
    "keepalived.conf's VRRP instances: initial state, priority, nopreempt, preempt_delay (where the VIP goes when a balancer returns)",
    (ctx) => {
      const settings = keepalivedSettingsOf(ctx);
      return settings ? keepalivedConfProbe.command({ path: settings.config }) : null;
    },
    { sudo: true, roles: ["lb", "fs"] },
  ),

  probe("apache-active", serviceStateProbe, "whether Apache runs", (ctx) => serviceStateProbe.command({ service: ctx.cluster.web.apacheService }), {
    okExitCodes: [0, 3, 4],
    roles: ["web"],
  }),
  probe("apache-status", apacheStatusProbe, "Apache's workers and request counters (mod_status on the node itself; the rate is the change between two polls)", (ctx) =>
    apacheStatusProbe.command({ statusUrl: ctx.cluster.web.statusUrl }),
  ),
  probe("php-handler", phpHandlerProbe, "how Apache runs PHP (mod_php or php-fpm, from Debian's enabled modules and configuration) and whether php-fpm runs", () =>
    phpHandlerProbe.command(),
    { okExitCodes: [0, 2] },
  ),
  probe("moodle-version", moodleVersionProbe, "the Moodle $version and $release the node serves", (ctx) =>
    moodleVersionProbe.command({ dirroot: ctx.cluster.web.dirroot }),
  ),
  probe("moodle-config", moodleConfigProbe, "config.php's wwwroot, dataroot, database host and session settings, read as www-data (never credentials)", (ctx) =>
    moodleConfigProbe.command({ dirroot: ctx.cluster.web.dirroot }),
  ),
  probe(
    "moodle-maintenance",
    moodleMaintenanceProbe,
    "whether climaintenance.html is in the shared dataroot",
    (ctx) => moodleMaintenanceProbe.command({ dataroot: ctx.cluster.web.dataroot }),
    { mayHang: true },
  ),
  probe(
    "code-fingerprint",
    codeFingerprintProbe,
    "a hash of the code folder's file list, sizes and times: the last answer while recent, a look for changed folders every 30 s, the whole hash when one changed or every 10 min",
    (ctx) =>
      codeFingerprintProbe.command({
        dirroot: ctx.cluster.web.dirroot,
        previous: (ctx.previous("code-fingerprint") as CodeFingerprint | undefined) ?? null,
        now: Date.now(),
        cadence: ctx.cluster.web.codeFingerprint,
      }),
  ),
  probe(
    "dataroot-mount",
    findmntProbe,
    "the NFS mount of the dataroot",
    (ctx) => findmntProbe.command({ target: ctx.cluster.web.dataroot }),
    { okExitCodes: [0, 1], roles: ["web"], mayHang: true },
  ),
  probe(
    "session-files",
    sessionFilesProbe,
    "session files touched within the session timeout (file session handler only)",
    (ctx) => {
      const path = sessionPath(ctx);
      return path === null ? null : sessionFilesProbe.command({ path, timeoutMinutes: SESSION_TIMEOUT_MINUTES });
    },
    { mayHang: true },
  ),
  probe(
    "moodle-settings",
    moodleSettingsProbe,
    "Moodle's own settings in mdl_config: database sessions, maintenance switched on from the web, the maintenance message, the version the database was upgraded to",
    (ctx) =>
      moodleSettingsProbe.command({ defaultsFile: ctx.cluster.database.defaultsFile, database: ctx.cluster.database.moodleDatabase, tablePrefix: ctx.cluster.database.tablePrefix }),
    { mayHang: true },
  ),

  probe("proc-drbd", procDrbdProbe, "DRBD state (8.4: everything; 9: the version)", () => procDrbdProbe.command()),
  probe(
    "drbd-events2",
    drbdEvents2Probe,
    "DRBD 9 resources, peers, disk states and resync progress",
    (ctx) => ((ctx.previous("proc-drbd") as ProcDrbd | undefined)?.drbd9 === false ? null : drbdEvents2Probe.command()),
    { sudo: true, mayHang: true },
  ),
  probe("exportfs", exportfsProbe, "the NFS exports of this file server", () => exportfsProbe.command(), { sudo: true, mayHang: true }),

  probe("mysql-replica-status", mysqlReplicaStatusProbe, "replication threads, positions, GTIDs, lag and errors", (ctx) =>
    mysqlReplicaStatusProbe.command({ defaultsFile: ctx.cluster.database.defaultsFile, flavour: ctx.cluster.database.flavour, syntax: ctx.cluster.database.statusSyntax }),
    { mayHang: true },
  ),
  probe("mysql-master-status", mysqlMasterStatusProbe, "the binary log position (and MariaDB's GTID position) this server writes", (ctx) =>
    mysqlMasterStatusProbe.command({
      defaultsFile: ctx.cluster.database.defaultsFile,
      flavour: ctx.cluster.database.flavour,
      version: (ctx.previous("mysql-vitals") as MysqlVitals | undefined)?.server?.version ?? null,
    }),
    { mayHang: true },
  ),
  probe(
    "mysql-vitals",
    mysqlVitalsProbe,
    "read_only, port, server_id, version, GTID positions, connections, pt-heartbeat rows, Moodle's live sessions, and (MariaDB) who can write under read_only",
    (ctx) =>
      mysqlVitalsProbe.command({
        defaultsFile: ctx.cluster.database.defaultsFile,
        flavour: ctx.cluster.database.flavour,
        heartbeatTable: ctx.cluster.database.heartbeatTable,
        sessionsTable: `${ctx.cluster.database.moodleDatabase}.${ctx.cluster.database.tablePrefix}sessions`,
        sessionTimeoutSeconds: SESSION_TIMEOUT_MINUTES * 60,
      }),
    // exit 1 when the server cannot be reached: the client's ERROR line (on stdout) says why
    { mayHang: true, okExitCodes: [0, 1] },
  ),
];

export function commandLine(cmd: HostCommand, ctx: CommandContext): string | null {
  const line = cmd.command(ctx);
  if (line === null) return null;
  return cmd.sudo ? `sudo -n ${line}` : line;
}

export function commandsForRole(role: Role): HostCommand[] {
  return hostCommands.filter((c) => c.roles === "all" || c.roles.includes(role));
}
