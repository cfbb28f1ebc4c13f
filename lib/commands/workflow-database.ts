import { debianPath, sudoersCommand } from "@/lib/commands/sudoers-syntax";
import type { WorkflowCommandSpec } from "@/lib/commands/workflow";
import type { ClusterSpec, DatabaseFlavour } from "@/lib/inventory/schema";
import { masterStatusStatement } from "@/lib/probes/mysql-master-status";
import { mysqlCommand, replicaStatusStatement } from "@/lib/probes/mysql-replica-status";
import { READ_ONLY_ADMIN_VIEW, labelledQuery, readOnlyAdminsStatement } from "@/lib/probes/mysql-vitals";
import { shellQuote } from "@/lib/ssh/quote";

/**
 * Commands of the database promotion drill (lib/workflows/definitions/drill-database.ts), per flavour.
 * The SQL runs as the SSH account through the inventory's defaults file, like the probes, with the
 * grants `databaseGrants` lists (docs/host-commands.md prints them; the conformance suite uses them).
 */

function spec<A>(s: WorkflowCommandSpec<A>): WorkflowCommandSpec<A> {
  return s;
}

const isMariadb = (c: ClusterSpec) => c.database.flavour === "mariadb";

function sql(c: ClusterSpec, statement: string): string {
  return mysqlCommand(c.database.defaultsFile, statement);
}

/** MariaDB keeps SLAVE in every statement it knows since 10.0; MySQL 8.0.22+ says REPLICA */
const replicaWord = (c: ClusterSpec) => (isMariadb(c) || c.database.statusSyntax === "slave" ? "SLAVE" : "REPLICA");

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
  /** the new source's own port, as it reports it (@@port) */
  port: number;
  /** binary log coordinates on the new source; null to replicate by GTID */
  position: { file: string; pos: number } | null;
}

function changeSource(c: ClusterSpec, a: ReplicateFrom): string {
  const modern = !isMariadb(c) && c.database.statusSyntax === "replica";
  const k = (name: string) => (modern ? `SOURCE_${name}` : `MASTER_${name}`);
  const opts = [`${k("HOST")}=${sqlString(checkedHost(a.host))}`, `${k("PORT")}=${Math.trunc(a.port)}`];
  if (a.position) {
    opts.push(`${k("LOG_FILE")}=${sqlString(a.position.file)}`, `${k("LOG_POS")}=${Math.trunc(a.position.pos)}`);
    // a log file and position turn GTID off on MariaDB (Using_Gtid: No); say so rather than rely on it
    if (isMariadb(c)) opts.push("MASTER_USE_GTID=no");
  } else {
    opts.push(isMariadb(c) ? "MASTER_USE_GTID=slave_pos" : `${k("AUTO_POSITION")}=1`);
  }
  return `${modern ? "CHANGE REPLICATION SOURCE TO" : "CHANGE MASTER TO"} ${opts.join(", ")}`;
}

/**
 * The SQL that makes this server a replica, built on the host: user and password come from the
 * credentials file through my_print_defaults (the client library's own option-file reader), escaped for
 * a SQL string by sed, and reach mysql on standard input, so the password is in no command line, audit
 * entry, stored step or event. MariaDB's client would echo a failed statement: not this one.
 */
function replicateFromLine(c: ClusterSpec, a: ReplicateFrom): string {
  const word = replicaWord(c);
  const mariadb = isMariadb(c);
  const file = c.database.replicationCredentialsFile;
  const modern = !mariadb && c.database.statusSyntax === "replica";
  const k = (name: string) => (modern ? `SOURCE_${name}` : `MASTER_${name}`);
  // MySQL's my_print_defaults masks passwords unless --show (https://dev.mysql.com/doc/refman/8.0/en/my-print-defaults.html); MariaDB's has no such option
  const read = `my_print_defaults --defaults-file=${shellQuote(file)}${mariadb ? "" : " --show"} client`;
  // the old source was never a replica: its position is what its own binary log holds, and a GTID
  // replica asks from gtid_slave_pos, so that is set first (https://mariadb.com/kb/en/gtid/#switching-a-replica-to-a-new-primary)
  const head = [`STOP ${word}`, ...(mariadb && a.position === null ? ["SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos"] : []), changeSource(c, a)].join("; ");
  const credentials = [
    "s/\\\\/\\\\\\\\/g",
    "s/'/''/g",
    `s/^--user=(.*)$/, ${k("USER")}='\\1'/p`,
    `s/^--password=(.*)$/, ${k("PASSWORD")}='\\1'/p`,
  ];
  const check = `test "$(${read} | grep -c -E '^--(user|password)=')" = 2 || (echo ${shellQuote(`${file} must set user= and password= once each under [client]`)} >&2; exit 1)`;
  const build = `(printf '%s' ${shellQuote(head)}; ${read} | sed -n -E ${credentials.map((e) => `-e ${shellQuote(e)}`).join(" ")}; printf '%s\\n' ${shellQuote(`; START ${word};`)})`;
  return `${check} && ${build} | mysql --defaults-file=${shellQuote(c.database.defaultsFile)}${mariadb ? " --skip-print-query-on-error" : ""}`;
}

function configPhp(c: ClusterSpec): string {
  return `${c.web.dirroot.replace(/\/+$/, "")}/config.php`;
}

const DBHOST_LINE = "^\\$CFG->dbhost[[:space:]]*=";

/** the sed script that sets `$CFG->dbhost = '<host>'`, keeping the line's alignment and any comment after it */
function dbhostScript(host: string): string {
  return `s/^(\\$CFG->dbhost[[:space:]]*=[[:space:]]*)'[^']*'/\\1'${checkedHost(host)}'/`;
}

/** every value the drill may write into dbhost: each database host's cluster address and name */
function databaseHosts(c: ClusterSpec): string[] {
  const hosts = c.hosts.filter((h) => h.role === "db").flatMap((h) => [h.clusterAddress ?? h.name, h.name]);
  return hosts.length > 0 ? [...new Set(hosts)] : ["192.0.2.18"];
}

/** the inventory's floating address; a cluster without one is granted nothing for it */
function floating(c: ClusterSpec): { address: string; prefix: number; device: string } | null {
  const h = c.database.moodleHost;
  return h.kind === "floating" ? h : null;
}

export const databaseCommands = {
  readOnly: spec<{ on: boolean }>({
    name: "mysql-read-only",
    roles: ["db"],
    readOnly: false,
    runAs: "self",
    what: "stop or allow writes on this server. MariaDB: read_only, which does not stop accounts with READ_ONLY ADMIN (root has it); MySQL: super_read_only, which stops every account (read_only OFF ends both)",
    sudoers: () => [],
    build: (c, a) =>
      sql(c, a.on ? (isMariadb(c) ? "SET GLOBAL read_only = ON" : "SET GLOBAL super_read_only = ON") : "SET GLOBAL read_only = OFF"),
    example: { on: true },
  }),
  readOnlyAdmins: spec<Record<string, never>>({
    name: "mysql-read-only-admins",
    roles: ["db"],
    readOnly: true,
    runAs: "self",
    what: `MariaDB: who is connected with READ_ONLY ADMIN (read_only does not stop them), from the view ${READ_ONLY_ADMIN_VIEW}, read before the source goes read-only`,
    sudoers: () => [],
    build: (c) => labelledQuery(c.database.defaultsFile, [readOnlyAdminsStatement()]),
    example: {},
  }),
  sourceStatus: spec<{ version: string | null }>({
    name: "mysql-source-position",
    roles: ["db"],
    readOnly: true,
    runAs: "self",
    what: "this server's binary log position and GTID position (MariaDB @@gtid_binlog_pos, MySQL Executed_Gtid_Set), to compare with what the replica has applied",
    sudoers: () => [],
    build: (c, a) => sql(c, masterStatusStatement(c.database.flavour, a.version)),
    example: { version: null },
  }),
  replicaStatus: spec<Record<string, never>>({
    name: "mysql-replica-position",
    roles: ["db"],
    readOnly: true,
    runAs: "self",
    what: "the replica's received and applied positions (MariaDB Gtid_Slave_Pos), threads and lag, polled while it catches up",
    sudoers: () => [],
    build: (c) => sql(c, replicaStatusStatement(c.database.flavour, c.database.statusSyntax)),
    example: {},
  }),
  detach: spec<Record<string, never>>({
    name: "mysql-replica-detach",
    roles: ["db"],
    readOnly: false,
    runAs: "self",
    what: "stop replicating and forget the source (STOP + RESET ... ALL, which needs RELOAD), so this server can become the source",
    sudoers: () => [],
    build: (c) => sql(c, `STOP ${replicaWord(c)}; RESET ${replicaWord(c)} ALL`),
    example: {},
  }),
  replicateFrom: spec<ReplicateFrom>({
    name: "mysql-replicate-from",
    roles: ["db"],
    readOnly: false,
    runAs: "self",
    what: "make this server a replica of the given source, by GTID (MariaDB: MASTER_USE_GTID=slave_pos from what its own binary log holds) or from a binary log position, with the replication account's user and password read on the host from database.replicationCredentialsFile, and start replicating",
    sudoers: () => [],
    build: replicateFromLine,
    example: { host: "192.168.10.28", port: 3306, position: null },
  }),
  dbhostRead: spec<Record<string, never>>({
    name: "moodle-dbhost-read",
    roles: ["web"],
    readOnly: true,
    runAs: "www-data",
    what: "the $CFG->dbhost line of config.php, and nothing else of that file (it holds the database password)",
    sudoers: (c) => [sudoersCommand(debianPath("grep"), ["-E", DBHOST_LINE, configPhp(c)])],
    build: (c) => `sudo -n -u www-data grep -E ${shellQuote(DBHOST_LINE)} ${shellQuote(configPhp(c))}`,
    example: {},
  }),
  dbhostSet: spec<{ host: string }>({
    name: "moodle-dbhost-set",
    roles: ["web"],
    readOnly: false,
    runAs: "root",
    what: "point Moodle at another database: edit only the $CFG->dbhost line of config.php in place (sed -i); sudoers allows exactly the database hosts' addresses, since a wildcard in a sed script could run commands",
    sudoers: (c) => databaseHosts(c).map((h) => sudoersCommand(debianPath("sed"), ["-i", "-E", dbhostScript(h), configPhp(c)])),
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
      if (!f) return [];
      return [
        sudoersCommand(debianPath("ip"), ["addr", "add", `${f.address}/${f.prefix}`, "dev", f.device]),
        sudoersCommand(debianPath("arping"), ["-c", "3", "-U", "-I", f.device, f.address]),
      ];
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
      return f ? [sudoersCommand(debianPath("ip"), ["addr", "del", `${f.address}/${f.prefix}`, "dev", f.device])] : [];
    },
    build: (_c, a) => `sudo -n ip addr del ${shellQuote(`${checkedHost(a.address)}/${Math.trunc(a.prefix)}`)} dev ${shellQuote(a.device)}`,
    example: { address: "192.0.2.30", prefix: 32, device: "eth0" },
  }),
} as const;

/** for the registry (docs, tests), which builds every command only from its own example */
export const databaseDrillCommands = databaseCommands as unknown as Record<string, WorkflowCommandSpec<never>>;

export interface GrantTarget {
  /** the console's database account, as `'user'@'host'` takes it */
  user: string;
  host: string;
  heartbeatTable: string;
  moodleDatabase: string;
}

function account(t: GrantTarget): string {
  return `${sqlString(t.user)}@${sqlString(t.host)}`;
}

function table(name: string): string {
  if (!/^\w{1,64}\.\w{1,64}$/.test(name)) throw new Error(`not schema.table: ${name}`);
  return name
    .split(".")
    .map((p) => `\`${p}\``)
    .join(".");
}

function schemaName(name: string): string {
  if (!/^\w{1,64}$/.test(name)) throw new Error(`not a database name: ${name}`);
  return `\`${name}\``;
}

/**
 * The view behind mysql-read-only-admins: sessions of accounts holding READ_ONLY ADMIN. It runs with its
 * definer's rights, so the console sees those sessions without PROCESS or a read of the privilege tables
 * (which hold password hashes); created once on the source by an administrator, it replicates.
 */
export function readOnlyAdminView(): string[] {
  const [db = "clusterdeck"] = READ_ONLY_ADMIN_VIEW.split(".");
  return [
    `CREATE DATABASE IF NOT EXISTS ${schemaName(db)}`,
    `CREATE OR REPLACE SQL SECURITY DEFINER VIEW ${table(READ_ONLY_ADMIN_VIEW)} AS SELECT p.ID AS id, p.USER AS user, p.HOST AS host, p.COMMAND AS command, p.TIME AS seconds FROM information_schema.PROCESSLIST p WHERE p.USER IN (SELECT SUBSTRING_INDEX(SUBSTRING(u.GRANTEE, 2), '''@''', 1) FROM information_schema.USER_PRIVILEGES u WHERE u.PRIVILEGE_TYPE = 'READ_ONLY ADMIN')`,
  ];
}

/**
 * The console's database account's rights, per flavour: what each probe and drill command needs and
 * nothing more. MariaDB facts from 10.11.19 here (test/conformance/database.conf.test.ts runs every
 * command as an account with exactly these); MySQL's from its manual.
 */
export function databaseGrants(flavour: DatabaseFlavour, t: GrantTarget): string[] {
  const who = account(t);
  const moodle = schemaName(t.moodleDatabase);
  if (flavour === "mariadb") {
    return [
      // SHOW ALL SLAVES STATUS: SLAVE MONITOR (REPLICATION CLIENT fails with 1227); SHOW MASTER STATUS: BINLOG MONITOR;
      // SET GLOBAL read_only: READ_ONLY ADMIN; STOP/CHANGE/START SLAVE, gtid_slave_pos: REPLICATION SLAVE ADMIN; RESET SLAVE ALL: RELOAD
      `GRANT SLAVE MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, RELOAD ON *.* TO ${who}`,
      `GRANT SELECT ON ${table(t.heartbeatTable)} TO ${who}`,
      // the sessions count and mysqldump on the replica (--single-transaction needs no LOCK TABLES)
      `GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON ${moodle}.* TO ${who}`,
      // without it mysqldump --routines leaves stored routines out, silently, exit 0
      `GRANT SELECT ON \`mysql\`.\`proc\` TO ${who}`,
      `GRANT SELECT ON ${table(READ_ONLY_ADMIN_VIEW)} TO ${who}`,
    ];
  }
  return [
    // https://dev.mysql.com/doc/refman/8.0/en/privileges-provided.html: REPLICATION CLIENT (SHOW REPLICA/BINARY LOG STATUS),
    // SYSTEM_VARIABLES_ADMIN (SET GLOBAL super_read_only), REPLICATION_SLAVE_ADMIN (STOP/CHANGE/START REPLICA), RELOAD (RESET REPLICA)
    `GRANT REPLICATION CLIENT, SYSTEM_VARIABLES_ADMIN, REPLICATION_SLAVE_ADMIN, RELOAD ON *.* TO ${who}`,
    `GRANT SELECT ON ${table(t.heartbeatTable)} TO ${who}`,
    `GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON ${moodle}.* TO ${who}`,
    // mysqldump --routines, MySQL 8.0.20+ (https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html)
    `GRANT SHOW_ROUTINE ON *.* TO ${who}`,
  ];
}

/** the replication account every server connects to its source as, named in the credentials file */
export function replicationGrants(user: string, host: string): string[] {
  return [`GRANT REPLICATION SLAVE ON *.* TO ${sqlString(user)}@${sqlString(host)}`];
}

/**
 * pt-heartbeat's own account, for `pt-heartbeat --update --utc --check-read-only` on both servers. No SUPER
 * or ALL: with either, pt-heartbeat 3.2.1 skips its read_only check (it reads SHOW GRANTS) and writes on the
 * replica; no READ_ONLY ADMIN, which MariaDB's read_only lets write. It reads SHOW MASTER/SLAVE STATUS
 * (real runs: 1227 without BINLOG MONITOR, then without SLAVE MONITOR).
 */
export function ptHeartbeatGrants(flavour: DatabaseFlavour, user: string, host: string, heartbeatTable: string): string[] {
  const who = `${sqlString(user)}@${sqlString(host)}`;
  return [
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${table(heartbeatTable)} TO ${who}`,
    flavour === "mariadb" ? `GRANT BINLOG MONITOR, SLAVE MONITOR ON *.* TO ${who}` : `GRANT REPLICATION CLIENT ON *.* TO ${who}`,
  ];
}

const sqlBlock = (statements: string[]) => ["```sql", ...statements.map((x) => `${x};`), "```"].join("\n");

/**
 * The database part of docs/host-commands.md: the accounts, grants, option files and pt-heartbeat set-up the
 * probes and the drill rely on, per flavour, generated from the same functions the conformance suite runs.
 */
export function databaseAccountsDoc(c: ClusterSpec): string {
  const d = c.database;
  const target: GrantTarget = { user: "clusterdeck", host: "localhost", heartbeatTable: d.heartbeatTable, moodleDatabase: d.moodleDatabase };
  return `## Database accounts

ClusterDeck's SQL runs as the SSH account, with the database account named in \`database.defaultsFile\`
(default \`/etc/mysql/clusterdeck.cnf\`, on each database host: \`[client]\` with \`user\`, \`password\` and
\`socket\`, owned by the SSH account, mode 0600). \`database.flavour\` (\`mariadb\`, the default: Debian 12
ships MariaDB 10.11; or \`mysql\`) chooses the statements; the console warns when a server's \`@@version\` says
otherwise. Both servers need \`log_bin\`, \`log_slave_updates=ON\` and (recommended) \`gtid_strict_mode=ON\`, so
that either can become the source. Create the heartbeat table first (pt-heartbeat \`--create-table\` once): a
table grant needs the table. Run these once on the source as root; they replicate to the replica.

### MariaDB 10.11

${sqlBlock([`CREATE USER 'clusterdeck'@'localhost' IDENTIFIED BY '…'`, ...readOnlyAdminView(), ...databaseGrants("mariadb", target)])}

\`READ_ONLY ADMIN\` is what \`SET GLOBAL read_only\` needs, and it also lets an account write while
\`read_only\` is ON (MariaDB has no \`super_read_only\`; since 10.11 \`SUPER\` alone no longer bypasses
\`read_only\`, \`READ_ONLY ADMIN\` does, and root holds it): ClusterDeck only sends the statements listed
above. Before a promotion drill makes the source read-only it lists, from the view
\`${READ_ONLY_ADMIN_VIEW}\` (it runs with its definer's rights, so the console needs neither \`PROCESS\` nor a
read of the privilege tables, which hold password hashes), who is connected with \`READ_ONLY ADMIN\`, and stops
if anyone is. \`SHOW SLAVE STATUS\` needs \`SLAVE MONITOR\` (\`REPLICATION CLIENT\`, which is
\`BINLOG MONITOR\` in 10.11, is refused with 1227), \`RESET SLAVE ALL\` needs \`RELOAD\`; MariaDB refuses MySQL's
\`SYSTEM_VARIABLES_ADMIN\` and \`REPLICATION_SLAVE_ADMIN\`.

### MySQL 8.0 and 8.4

${sqlBlock([`CREATE USER 'clusterdeck'@'localhost' IDENTIFIED BY '…'`, ...databaseGrants("mysql", target)])}

The drill uses \`super_read_only\`, which stops every account, so no session check is needed.

### Replication account

${sqlBlock([`CREATE USER 'repl'@'%' IDENTIFIED BY '…'`, ...replicationGrants("repl", "%")])}

On each database host, \`database.replicationCredentialsFile\` (default \`${d.replicationCredentialsFile}\`),
owned by the SSH account, mode 0600:

\`\`\`
[client]
user=repl
password=…
\`\`\`

When the drill makes a server a replica (the old source after a promotion, or the replica again on a
rollback), it reads this file on that host with \`my_print_defaults\` and pipes the \`CHANGE MASTER\` into
\`mysql\`'s standard input: the password is in no command line, audit entry, stored step or event. With GTIDs
(\`Using_Gtid: Slave_Pos\`) it sets \`gtid_slave_pos\` to what the server's own binary log holds, then
\`MASTER_USE_GTID=slave_pos\`; each server is pointed at the other's own port, as that one reports it
(\`@@port\`).

### pt-heartbeat

On both servers, as its own account (not root, nor any account with \`SUPER\` or \`ALL\`: pt-heartbeat 3.2.1
then ignores \`--check-read-only\` and writes on the replica, whose errant transactions stop replication; nor
\`READ_ONLY ADMIN\`):

${sqlBlock([`CREATE USER 'pt_heartbeat'@'localhost' IDENTIFIED BY '…'`, ...ptHeartbeatGrants(d.flavour, "pt_heartbeat", "localhost", d.heartbeatTable)])}

\`\`\`sh
pt-heartbeat --defaults-file=/etc/mysql/pt-heartbeat.cnf --update --utc --check-read-only -D ${d.heartbeatTable.split(".")[0] ?? "percona"} --table ${d.heartbeatTable.split(".")[1] ?? "heartbeat"} --interval 1
\`\`\`

(\`/etc/mysql/pt-heartbeat.cnf\`: its \`[client]\` user, password and socket, mode 0600.)

- \`--utc\`: without it pt-heartbeat writes local time and every lag reads off by the time zone (18000 s
  under \`TZ=America/New_York\`); the console flags a source whose own row is off by whole quarter hours.
- \`--check-read-only\`: only the writable server writes its row, so after a promotion the new source's
  pt-heartbeat starts writing and the old one's stops. A replica's lag is read from the row of its source's
  \`server_id\` (\`Master_Server_Id\`), never from the newest row.
- Run it under the service manager, without \`--daemonize\`: on a read-only server pt-heartbeat waits for it
  to become writable before it would detach.
`;
}

