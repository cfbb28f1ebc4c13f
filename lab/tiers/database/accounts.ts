import crypto from "node:crypto";
import type { Flavour } from "./server";
import { SqlError } from "./sql-lexer";

/**
 * Accounts and grants as MariaDB 10.11 (and, more roughly, MySQL) keep them in mysql.global_priv.
 * Global privileges in the order SHOW GRANTS prints them (MariaDB 10.11.19, `GRANT ALL` then
 * `REVOKE SHUTDOWN` and SHOW GRANTS); REPLICATION CLIENT is stored as its alias BINLOG MONITOR.
 */
export const MARIADB_GLOBAL = [
  "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "RELOAD", "SHUTDOWN", "PROCESS", "FILE",
  "REFERENCES", "INDEX", "ALTER", "SHOW DATABASES", "SUPER", "CREATE TEMPORARY TABLES", "LOCK TABLES",
  "EXECUTE", "REPLICATION SLAVE", "BINLOG MONITOR", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE",
  "ALTER ROUTINE", "CREATE USER", "EVENT", "TRIGGER", "CREATE TABLESPACE", "DELETE HISTORY", "SET USER",
  "FEDERATED ADMIN", "CONNECTION ADMIN", "READ_ONLY ADMIN", "REPLICATION SLAVE ADMIN",
  "REPLICATION MASTER ADMIN", "BINLOG ADMIN", "BINLOG REPLAY", "SLAVE MONITOR",
] as const;

/** MySQL 8.0's static privileges plus the dynamic ones the lab's statements check */
export const MYSQL_GLOBAL = [
  "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "RELOAD", "SHUTDOWN", "PROCESS", "FILE",
  "REFERENCES", "INDEX", "ALTER", "SHOW DATABASES", "SUPER", "CREATE TEMPORARY TABLES", "LOCK TABLES",
  "EXECUTE", "REPLICATION SLAVE", "REPLICATION CLIENT", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE",
  "ALTER ROUTINE", "CREATE USER", "EVENT", "TRIGGER", "CREATE TABLESPACE", "CONNECTION_ADMIN",
  "REPLICATION_SLAVE_ADMIN", "SYSTEM_VARIABLES_ADMIN",
] as const;

const DB_LEVEL = new Set([
  "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "REFERENCES", "INDEX", "ALTER",
  "CREATE TEMPORARY TABLES", "LOCK TABLES", "EXECUTE", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE",
  "ALTER ROUTINE", "EVENT", "TRIGGER", "DELETE HISTORY",
]);
const TABLE_LEVEL = new Set([
  "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "REFERENCES", "INDEX", "ALTER", "CREATE VIEW",
  "SHOW VIEW", "TRIGGER", "DELETE HISTORY",
]);

export interface Account {
  user: string;
  /** host pattern as stored (`localhost`, `%`, `192.168.10.%`) */
  host: string;
  /** mysql_native_password hash (`*` + 40 hex), or null: no password */
  passwordHash: string | null;
  /** `IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket` (Debian's root) */
  unixSocket: boolean;
  global: Set<string>;
  grantOption: boolean;
  /** database name -> privileges */
  dbs: Map<string, Set<string>>;
  /** `db.table` -> privileges */
  tables: Map<string, Set<string>>;
}

export type AccountChange =
  | { kind: "create"; user: string; host: string; passwordHash: string | null }
  | { kind: "drop"; user: string; host: string }
  | { kind: "grant"; user: string; host: string; level: Level; privs: string[]; grantOption: boolean; revoke: boolean };

export type Level = { kind: "global" } | { kind: "db"; db: string } | { kind: "table"; db: string; table: string };

/** MySQL's PASSWORD(): `*` + upper-case hex SHA1(SHA1(password)) */
export function passwordHash(password: string): string {
  const inner = crypto.createHash("sha1").update(password, "utf8").digest();
  return `*${crypto.createHash("sha1").update(inner).digest("hex").toUpperCase()}`;
}

export function globalPrivileges(flavour: Flavour): readonly string[] {
  return flavour === "mariadb" ? MARIADB_GLOBAL : MYSQL_GLOBAL;
}

/** a privilege name as the server's grammar spells it, or null when it is not one (e.g. MySQL's names on MariaDB) */
export function canonicalPrivilege(flavour: Flavour, words: string): string | null {
  const w = words.toUpperCase().replace(/\s+/g, " ").trim();
  if (flavour === "mariadb" && (w === "REPLICATION CLIENT" || w === "BINLOG MONITOR")) return "BINLOG MONITOR";
  if (w === "USAGE") return "USAGE";
  return (globalPrivileges(flavour) as readonly string[]).includes(w) ? w : null;
}

function likeHost(pattern: string, host: string): boolean {
  if (!pattern.includes("%") && !pattern.includes("_")) return pattern.toLowerCase() === host.toLowerCase();
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  while (j < h.length) {
    if (i < p.length && (p[i] === "_" || p[i] === h[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === "%") {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else return false;
  }
  while (i < p.length && p[i] === "%") i++;
  return i === p.length;
}

/** the account a login as `user` from `clientHost` maps to: the most specific host first, as the server sorts them */
export function matchAccount(accounts: readonly Account[], user: string, clientHost: string): Account | null {
  const candidates = accounts.filter((a) => a.user === user && likeHost(a.host, clientHost));
  candidates.sort((a, b) => specificity(b.host) - specificity(a.host));
  return candidates[0] ?? null;
}

function specificity(host: string): number {
  const wild = host.search(/[%_]/);
  return wild < 0 ? 10_000 + host.length : wild;
}

export function findAccount(accounts: readonly Account[], user: string, host: string): Account | null {
  return accounts.find((a) => a.user === user && a.host.toLowerCase() === host.toLowerCase()) ?? null;
}

export interface Credentials {
  user: string;
  password: string | null;
  /** `localhost` for the socket, else the client's address */
  clientHost: string;
  /** the operating-system user running the client, for unix_socket */
  osUser: string;
}

export type AuthResult = { ok: true; account: Account } | { ok: false; errno: number; sqlstate: string; message: string };

export function authenticate(accounts: readonly Account[], c: Credentials): AuthResult {
  const a = matchAccount(accounts, c.user, c.clientHost);
  const using = c.password === null || c.password === "" ? "NO" : "YES";
  if (a?.unixSocket && c.clientHost === "localhost") {
    if (c.osUser === a.user) return { ok: true, account: a };
    // unix_socket is the last method tried and it reports 1698 without the password clause
    if (a.passwordHash === null || c.password === null || passwordHash(c.password) !== a.passwordHash) {
      return { ok: false, errno: 1698, sqlstate: "28000", message: `Access denied for user '${c.user}'@'${c.clientHost}'` };
    }
    return { ok: true, account: a };
  }
  if (a) {
    const given = c.password === null || c.password === "" ? null : passwordHash(c.password);
    if (given === a.passwordHash) return { ok: true, account: a };
  }
  return { ok: false, errno: 1045, sqlstate: "28000", message: `Access denied for user '${c.user}'@'${c.clientHost}' (using password: ${using})` };
}

export function hasGlobal(a: Account, priv: string): boolean {
  return a.global.has(priv);
}

/** a table privilege from any level */
export function hasOn(a: Account, priv: string, db: string, table: string | null): boolean {
  if (a.global.has(priv)) return true;
  if (a.dbs.get(db)?.has(priv)) return true;
  return table !== null && (a.tables.get(`${db}.${table}`)?.has(priv) ?? false);
}

/** any privilege at all on the database (what USE needs) */
export function anyOnDb(a: Account, db: string): boolean {
  const usable = (s: Set<string> | undefined): boolean => s !== undefined && [...s].some((p) => DB_LEVEL.has(p));
  if ([...a.global].some((p) => DB_LEVEL.has(p))) return true;
  if (usable(a.dbs.get(db))) return true;
  return [...a.tables.keys()].some((k) => k.startsWith(`${db}.`));
}

/** ERROR 1227, naming the privileges that would do, as the server lists them */
export function needAnyOf(a: Account, privs: readonly string[]): void {
  if (privs.some((p) => a.global.has(p))) return;
  throw new SqlError(1227, "42000", `Access denied; you need (at least one of) the ${privs.join(", ")} privilege(s) for this operation`);
}

export function tableDenied(command: string, user: string, clientHost: string, db: string, table: string): SqlError {
  return new SqlError(1142, "42000", `${command} command denied to user '${user}'@'${clientHost}' for table \`${db}\`.\`${table}\``);
}

export function dbDenied(user: string, clientHost: string, db: string): SqlError {
  return new SqlError(1044, "42000", `Access denied for user '${user}'@'${clientHost}' to database '${db}'`);
}

function newAccount(user: string, host: string, passwordHashValue: string | null): Account {
  return { user, host, passwordHash: passwordHashValue, unixSocket: false, global: new Set(), grantOption: false, dbs: new Map(), tables: new Map() };
}

function levelSet(a: Account, level: Level): Set<string> {
  if (level.kind === "global") return a.global;
  const map = level.kind === "db" ? a.dbs : a.tables;
  const key = level.kind === "db" ? level.db : `${level.db}.${level.table}`;
  let s = map.get(key);
  if (!s) {
    s = new Set();
    map.set(key, s);
  }
  return s;
}

function levelPrivileges(flavour: Flavour, level: Level): string[] {
  const all = globalPrivileges(flavour);
  if (level.kind === "global") return [...all];
  const allowed = level.kind === "db" ? DB_LEVEL : TABLE_LEVEL;
  return all.filter((p) => allowed.has(p));
}

/** apply CREATE USER / DROP USER / GRANT / REVOKE (also when a replica applies it from the binary log) */
export function applyAccountChange(accounts: Account[], flavour: Flavour, c: AccountChange): void {
  if (c.kind === "create") {
    if (!findAccount(accounts, c.user, c.host)) accounts.push(newAccount(c.user, c.host, c.passwordHash));
    return;
  }
  const idx = accounts.findIndex((a) => a.user === c.user && a.host.toLowerCase() === c.host.toLowerCase());
  if (idx < 0) return;
  if (c.kind === "drop") {
    accounts.splice(idx, 1);
    return;
  }
  const a = accounts[idx];
  if (!a) return;
  const set = levelSet(a, c.level);
  const privs = c.privs.includes("ALL") ? levelPrivileges(flavour, c.level) : c.privs.filter((p) => p !== "USAGE");
  for (const p of privs) {
    if (c.revoke) set.delete(p);
    else set.add(p);
  }
  if (c.grantOption && c.level.kind === "global") a.grantOption = !c.revoke;
}

/** which privileges a level accepts; a GRANT of anything else at that level is refused (ERROR 1221) */
export function grantableAt(flavour: Flavour, level: Level, priv: string): boolean {
  return priv === "ALL" || priv === "USAGE" || levelPrivileges(flavour, level).includes(priv);
}

function quoteId(s: string): string {
  return `\`${s.replace(/`/g, "``")}\``;
}

function privList(flavour: Flavour, level: Level, set: Set<string>): string {
  const all = levelPrivileges(flavour, level);
  if (all.every((p) => set.has(p))) return "ALL PRIVILEGES";
  return all.filter((p) => set.has(p)).join(", ");
}

/** SHOW GRANTS FOR the account, line by line (MariaDB 10.11.19's format) */
export function showGrants(a: Account, flavour: Flavour): string[] {
  const who = `${quoteId(a.user)}@${quoteId(a.host)}`;
  const global = a.global.size === 0 ? "USAGE" : privList(flavour, { kind: "global" }, a.global);
  let auth = "";
  if (flavour === "mariadb") {
    if (a.unixSocket) auth = ` IDENTIFIED VIA mysql_native_password USING '${a.passwordHash ?? "invalid"}' OR unix_socket`;
    else if (a.passwordHash !== null) auth = ` IDENTIFIED BY PASSWORD '${a.passwordHash}'`;
  }
  const lines = [`GRANT ${global} ON *.* TO ${who}${auth}${a.grantOption ? " WITH GRANT OPTION" : ""}`];
  if (a.unixSocket && flavour === "mariadb") lines.push(`GRANT PROXY ON \`\`@\`%\` TO ${who} WITH GRANT OPTION`);
  for (const [db, set] of [...a.dbs].sort(([x], [y]) => x.localeCompare(y))) {
    if (set.size > 0) lines.push(`GRANT ${privList(flavour, { kind: "db", db }, set)} ON ${quoteId(db)}.* TO ${who}`);
  }
  // table grants come in the server's own order, which follows no sort: the lab keeps insertion order
  for (const [key, set] of a.tables) {
    const dot = key.indexOf(".");
    const db = key.slice(0, dot);
    const table = key.slice(dot + 1);
    if (set.size > 0) lines.push(`GRANT ${privList(flavour, { kind: "table", db, table }, set)} ON ${quoteId(db)}.${quoteId(table)} TO ${who}`);
  }
  return lines;
}

export interface LabAccountSettings {
  monitorUser: string;
  monitorPassword: string;
  replicationUser: string;
  replicationPassword: string;
  moodleUser: string;
  moodlePassword: string;
  heartbeatTable: string;
  moodleDatabase: string;
}

/**
 * The console's account's grants, as its documentation gives them (checked against MariaDB 10.11.19:
 * SHOW SLAVE STATUS wants SLAVE MONITOR, REPLICATION CLIENT is not enough; RESET SLAVE wants RELOAD;
 * read_only wants READ_ONLY ADMIN; mysqldump --events wants EVENT, --routines SELECT on mysql.proc).
 */
function grantMonitor(flavour: Flavour, a: Account, s: LabAccountSettings): void {
  const global = flavour === "mariadb"
    ? ["SLAVE MONITOR", "BINLOG MONITOR", "READ_ONLY ADMIN", "REPLICATION SLAVE ADMIN", "RELOAD"]
    : ["REPLICATION CLIENT", "SYSTEM_VARIABLES_ADMIN", "REPLICATION_SLAVE_ADMIN", "RELOAD", "SUPER"];
  for (const p of global) a.global.add(p);
  a.dbs.set(s.moodleDatabase, new Set(["SELECT", "SHOW VIEW", "TRIGGER", "EVENT"]));
  // in the order SHOW GRANTS printed them on 10.11.19
  if (flavour === "mariadb") a.tables.set("mysql.proc", new Set(["SELECT"]));
  a.tables.set(s.heartbeatTable, new Set(["SELECT"]));
  if (flavour === "mariadb") a.tables.set("clusterdeck.read_only_admin_sessions", new Set(["SELECT"]));
}

/** the accounts every lab server starts with (as if created on the source before the replica was cloned) */
export function labAccounts(flavour: Flavour, s: LabAccountSettings): Account[] {
  const root = newAccount("root", "localhost", null);
  root.unixSocket = true;
  for (const p of globalPrivileges(flavour)) root.global.add(p);
  root.grantOption = true;
  const monitor = newAccount(s.monitorUser, "localhost", passwordHash(s.monitorPassword));
  grantMonitor(flavour, monitor, s);
  const repl = newAccount(s.replicationUser, "192.168.10.%", passwordHash(s.replicationPassword));
  repl.global.add("REPLICATION SLAVE");
  const moodle = newAccount(s.moodleUser, "192.168.10.%", passwordHash(s.moodlePassword));
  moodle.dbs.set(s.moodleDatabase, new Set(levelPrivileges(flavour, { kind: "db", db: s.moodleDatabase })));
  return [root, monitor, repl, moodle];
}

export function cloneAccounts(accounts: readonly Account[]): Account[] {
  return accounts.map((a) => ({
    ...a,
    global: new Set(a.global),
    dbs: new Map([...a.dbs].map(([k, v]) => [k, new Set(v)])),
    tables: new Map([...a.tables].map(([k, v]) => [k, new Set(v)])),
  }));
}
