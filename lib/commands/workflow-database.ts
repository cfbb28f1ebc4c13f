import type { WorkflowCommandSpec } from "@/lib/commands/workflow";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { mysqlCommand } from "@/lib/probes/mysql-replica-status";
import { shellQuote } from "@/lib/ssh/quote";

/**
 * Commands of the database promotion drill (lib/workflows/definitions/drill-database.ts).
 *
 * The SQL runs as the SSH account through the inventory's defaults file, like the probes; that MySQL
 * account needs SYSTEM_VARIABLES_ADMIN (read_only) and REPLICATION_SLAVE_ADMIN (STOP/RESET/CHANGE).
 */

function spec<A>(s: WorkflowCommandSpec<A>): WorkflowCommandSpec<A> {
  return s;
}

function sql(c: ClusterSpec, statement: string): string {
  return mysqlCommand(c.database.defaultsFile, statement);
}

const replicaWord = (c: ClusterSpec) => (c.database.statusSyntax === "replica" ? "REPLICA" : "SLAVE");

/** a host name or IPv4/IPv6 address: nothing a SQL string or a sed replacement would read specially */
function checkedHost(host: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/.test(host)) throw new Error(`not a host name or address: ${host}`);
  return host;
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

export interface ReplicateFrom {
  host: string;
  port: number;
  user: string;
  /** binary log coordinates on the new source; null with GTIDs (SOURCE_AUTO_POSITION=1) */
  position: { file: string; pos: number } | null;
}

function changeSource(c: ClusterSpec, a: ReplicateFrom): string {
  const modern = c.database.statusSyntax === "replica";
  const k = (name: string) => (modern ? `SOURCE_${name}` : `MASTER_${name}`);
  const opts = [`${k("HOST")}=${sqlString(checkedHost(a.host))}`, `${k("PORT")}=${Math.trunc(a.port)}`, `${k("USER")}=${sqlString(a.user)}`];
  if (a.position) opts.push(`${k("LOG_FILE")}=${sqlString(a.position.file)}`, `${k("LOG_POS")}=${Math.trunc(a.position.pos)}`);
  else opts.push(`${k("AUTO_POSITION")}=1`);
  return `${modern ? "CHANGE REPLICATION SOURCE TO" : "CHANGE MASTER TO"} ${opts.join(", ")}`;
}

function configPhp(c: ClusterSpec): string {
  return `${c.web.dirroot.replace(/\/+$/, "")}/config.php`;
}

/** the sed script that sets `$CFG->dbhost = '<host>'`, keeping the line's alignment and any comment after it */
function dbhostScript(host: string): string {
  return `s/^(\\$CFG->dbhost[[:space:]]*=[[:space:]]*)'[^']*'/\\1'${checkedHost(host)}'/`;
}

/** sudoers reads \ , : = and the glob characters * ? [ ] specially: escape them to match literally */
function sudoersLiteral(s: string): string {
  return s.replace(/([\\,:=*?[\]])/g, "\\$1");
}

/** every value the drill may write into dbhost: each database host's cluster address and name */
function databaseHosts(c: ClusterSpec): string[] {
  const hosts = c.hosts.filter((h) => h.role === "db").flatMap((h) => [h.clusterAddress ?? h.name, h.name]);
  return hosts.length > 0 ? [...new Set(hosts)] : ["192.0.2.18"];
}

/** the inventory's floating address, or an example one for clusters (and docs) without it */
function floating(c: ClusterSpec): { address: string; prefix: number; device: string } {
  const h = c.database.moodleHost;
  return h.kind === "floating" ? h : { address: "192.0.2.30", prefix: 32, device: "eth0" };
}

export const databaseCommands = {
  readOnly: spec<{ on: boolean }>({
    name: "mysql-read-only",
    roles: ["db"],
    readOnly: false,
    runAs: "self",
    what: "stop (super_read_only ON) or allow (read_only OFF, which also ends super_read_only) writes on this MySQL server",
    sudoers: () => [],
    build: (c, a) => sql(c, a.on ? "SET GLOBAL super_read_only = ON" : "SET GLOBAL read_only = OFF"),
    example: { on: true },
  }),
  sourceStatus: spec<Record<string, never>>({
    name: "mysql-source-position",
    roles: ["db"],
    readOnly: true,
    runAs: "self",
    what: "this server's binary log position (and executed GTID set), to compare with what the replica has applied",
    sudoers: () => [],
    build: (c) => sql(c, "SHOW MASTER STATUS\\G"),
    example: {},
  }),
  replicaStatus: spec<Record<string, never>>({
    name: "mysql-replica-position",
    roles: ["db"],
    readOnly: true,
    runAs: "self",
    what: "the replica's received and executed positions, threads and lag, polled while it catches up",
    sudoers: () => [],
    build: (c) => sql(c, `SHOW ${replicaWord(c)} STATUS\\G`),
    example: {},
  }),
  detach: spec<Record<string, never>>({
    name: "mysql-replica-detach",
    roles: ["db"],
    readOnly: false,
    runAs: "self",
    what: "stop replicating and forget the source (STOP + RESET ... ALL), so this server can become the source",
    sudoers: () => [],
    build: (c) => sql(c, `STOP ${replicaWord(c)}; RESET ${replicaWord(c)} ALL`),
    example: {},
  }),
  replicateFrom: spec<ReplicateFrom>({
    name: "mysql-replicate-from",
    roles: ["db"],
    readOnly: false,
    runAs: "self",
    what: "make this server a replica of the given source from the given binary log position (or by GTID), and start replicating; the stored replication password is kept",
    sudoers: () => [],
    build: (c, a) => sql(c, `STOP ${replicaWord(c)}; ${changeSource(c, a)}; START ${replicaWord(c)}`),
    example: { host: "192.168.10.28", port: 3306, user: "repl", position: { file: "binlog.000043", pos: 157 } },
  }),
  dbhostRead: spec<Record<string, never>>({
    name: "moodle-dbhost-read",
    roles: ["web"],
    readOnly: true,
    runAs: "www-data",
    what: "the $CFG->dbhost line of config.php, and nothing else of that file (it holds the database password)",
    sudoers: (c) => [`/usr/bin/grep -E ${sudoersLiteral("^\\$CFG->dbhost[[:space:]]*=")} ${sudoersLiteral(configPhp(c))}`],
    build: (c) => `sudo -n -u www-data grep -E ${shellQuote("^\\$CFG->dbhost[[:space:]]*=")} ${shellQuote(configPhp(c))}`,
    example: {},
  }),
  dbhostSet: spec<{ host: string }>({
    name: "moodle-dbhost-set",
    roles: ["web"],
    readOnly: false,
    runAs: "root",
    what: "point Moodle at another database: edit only the $CFG->dbhost line of config.php in place (sed -i); sudoers allows exactly the database hosts' addresses, since a wildcard in a sed script could run commands",
    sudoers: (c) => databaseHosts(c).map((h) => `/usr/bin/sed -i -E ${sudoersLiteral(dbhostScript(h))} ${sudoersLiteral(configPhp(c))}`),
    build: (c, a) => `sudo -n sed -i -E ${shellQuote(dbhostScript(a.host))} ${shellQuote(configPhp(c))}`,
    example: { host: "192.168.10.28" },
  }),
  addressAdd: spec<{ address: string; prefix: number; device: string }>({
    name: "db-floating-address-add",
    roles: ["db"],
    readOnly: false,
    runAs: "root",
    what: "take Moodle's floating database address on this server and announce it (gratuitous ARP)",
    sudoers: (c) => {
      const f = floating(c);
      return [`/usr/sbin/ip addr add ${f.address}/${f.prefix} dev ${f.device}`, `/usr/sbin/arping -c 3 -U -I ${f.device} ${f.address}`];
    },
    build: (_c, a) =>
      `sudo -n ip addr add ${shellQuote(`${checkedHost(a.address)}/${Math.trunc(a.prefix)}`)} dev ${shellQuote(a.device)} && sudo -n arping -c 3 -U -I ${shellQuote(a.device)} ${shellQuote(a.address)}`,
    example: { address: "192.0.2.30", prefix: 32, device: "eth0" },
  }),
  addressDel: spec<{ address: string; prefix: number; device: string }>({
    name: "db-floating-address-del",
    roles: ["db"],
    readOnly: false,
    runAs: "root",
    what: "give up Moodle's floating database address on this server",
    sudoers: (c) => {
      const f = floating(c);
      return [`/usr/sbin/ip addr del ${f.address}/${f.prefix} dev ${f.device}`];
    },
    build: (_c, a) => `sudo -n ip addr del ${shellQuote(`${checkedHost(a.address)}/${Math.trunc(a.prefix)}`)} dev ${shellQuote(a.device)}`,
    example: { address: "192.0.2.30", prefix: 32, device: "eth0" },
  }),
} as const;

/** for the registry (docs, tests), which builds every command only from its own example */
export const databaseDrillCommands = databaseCommands as unknown as Record<string, WorkflowCommandSpec<never>>;
