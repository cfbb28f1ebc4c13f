import type { AccountChange, Level } from "./accounts";
import { canonicalPrivilege, dbDenied, findAccount, grantableAt, hasGlobal, hasOn, needAnyOf, passwordHash, showGrants } from "./accounts";
import { readOnlyBypass } from "./cluster";
import type { SqlSession, StmtResult } from "./sql-session";
import { OK } from "./sql-session";
import type { Cursor } from "./sql-lexer";
import { SqlError } from "./sql-lexer";

/** the tables the lab's servers hold, per database */
export const KNOWN_TABLES: Readonly<Record<string, readonly string[]>> = {
  clusterdeck: ["read_only_admin_sessions"],
  moodle: ["mdl_config", "mdl_logstore_standard_log", "mdl_sessions"],
  mysql: ["global_priv", "proc", "user"],
};

interface UserSpec {
  user: string;
  host: string;
  password: string | null;
}

function userSpec(c: Cursor, withPassword: boolean): UserSpec {
  const u = c.next();
  if (u.type !== "ident" && u.type !== "string") throw c.error();
  let host = "%";
  if (c.accept("@")) {
    const h = c.next();
    if (h.type !== "ident" && h.type !== "string") throw c.error();
    host = h.text;
  }
  let password: string | null = null;
  if (withPassword && c.accept("IDENTIFIED", "BY")) {
    const p = c.next();
    if (p.type !== "string") throw c.error();
    password = p.text;
  }
  return { user: u.text, host, password };
}

function who(u: { user: string; host: string }): string {
  return `'${u.user}'@'${u.host}'`;
}

function commitChange(sess: SqlSession, change: AccountChange): void {
  const s = sess.server;
  if (s.superReadOnly || (s.readOnly && !hasGlobal(sess.account, readOnlyBypass(s.flavour)))) throw readOnlyError(s.flavour, s.superReadOnly);
  s.commit({ kind: "account", change });
}

export function readOnlyError(flavour: string, superReadOnly: boolean): SqlError {
  const product = flavour === "mariadb" ? "MariaDB" : "MySQL";
  return new SqlError(1290, "HY000", `The ${product} server is running with the --${superReadOnly ? "super-read-only" : "read-only"} option so it cannot execute this statement`);
}

/** CREATE USER [IF NOT EXISTS] u@h [IDENTIFIED BY 'pw'] and DROP USER [IF EXISTS] u@h */
export function createOrDropUser(c: Cursor, sess: SqlSession, create: boolean): StmtResult {
  const guarded = create ? c.accept("IF", "NOT", "EXISTS") : c.accept("IF", "EXISTS");
  const specs: UserSpec[] = [];
  do specs.push(userSpec(c, create));
  while (c.accept(","));
  if (!c.atEnd()) throw c.error();
  needAnyOf(sess.account, ["CREATE USER"]);
  const accounts = sess.server.data.accounts;
  const failed = specs.filter((u) => (findAccount(accounts, u.user, u.host) !== null) === create);
  if (failed.length > 0 && !guarded) {
    throw new SqlError(1396, "HY000", `Operation ${create ? "CREATE" : "DROP"} USER failed for ${failed.map(who).join(",")}`);
  }
  for (const u of specs.filter((x) => !failed.includes(x))) {
    commitChange(
      sess,
      create
        ? { kind: "create", user: u.user, host: u.host, passwordHash: u.password === null ? null : passwordHash(u.password) }
        : { kind: "drop", user: u.user, host: u.host },
    );
  }
  return OK;
}

function level(c: Cursor, sess: SqlSession): Level {
  const first = c.next();
  if (first.type === "op" && first.text === "*") {
    if (c.accept(".")) {
      c.expect("*");
      return { kind: "global" };
    }
    if (!sess.database) throw new SqlError(1046, "3D000", "No database selected");
    return { kind: "db", db: sess.database };
  }
  if (first.type !== "ident") throw c.error();
  if (c.accept(".")) {
    if (c.accept("*")) return { kind: "db", db: first.text };
    const t = c.next();
    if (t.type !== "ident") throw c.error();
    return { kind: "table", db: first.text, table: t.text };
  }
  if (!sess.database) throw new SqlError(1046, "3D000", "No database selected");
  return { kind: "table", db: sess.database, table: first.text };
}

/** GRANT privs ON level TO user [IDENTIFIED BY 'pw'] [WITH GRANT OPTION], and REVOKE privs ON level FROM user */
export function grantStatement(c: Cursor, sess: SqlSession, revoke: boolean): StmtResult {
  const f = sess.server.flavour;
  const privs: string[] = [];
  do {
    const words: string[] = [];
    while (c.peek().type === "ident" && !c.peek().quoted && c.peek().upper !== "ON") words.push(c.next().upper);
    if (words.length === 0) throw c.error();
    const joined = words.join(" ");
    const priv = joined === "ALL" || joined === "ALL PRIVILEGES" ? "ALL" : canonicalPrivilege(f, joined);
    // an unknown name parses as a role (GRANT role TO user): the parser then stops at ON
    if (priv === null) throw c.error();
    privs.push(priv);
  } while (c.accept(","));
  c.expect("ON");
  const lvl = level(c, sess);
  if (revoke) c.expect("FROM");
  else c.expect("TO");
  const specs: UserSpec[] = [];
  do specs.push(userSpec(c, !revoke));
  while (c.accept(","));
  const grantOption = !revoke && c.accept("WITH", "GRANT", "OPTION");
  if (!c.atEnd()) throw c.error();
  if (!sess.account.grantOption) {
    if (lvl.kind === "global") {
      throw new SqlError(1045, "28000", `Access denied for user '${sess.user}'@'${sess.clientHost}' (using password: YES)`);
    }
    throw dbDenied(sess.user, sess.clientHost, lvl.db);
  }
  if (privs.some((p) => !grantableAt(f, lvl, p))) {
    throw new SqlError(1221, "HY000", `Incorrect usage of ${lvl.kind === "db" ? "DB GRANT" : "table grant"} and GLOBAL PRIVILEGES`);
  }
  if (lvl.kind === "table" && !(KNOWN_TABLES[lvl.db] ?? knownHeartbeat(sess, lvl.db)).includes(lvl.table)) {
    throw new SqlError(1146, "42S02", `Table '${lvl.db}.${lvl.table}' doesn't exist`);
  }
  const accounts = sess.server.data.accounts;
  for (const u of specs) {
    if (!findAccount(accounts, u.user, u.host)) {
      if (revoke || u.password === null) throw new SqlError(revoke ? 1141 : 1133, "28000", revoke ? `There is no such grant defined for user '${u.user}' on host '${u.host}'` : "Can't find any matching row in the user table");
      commitChange(sess, { kind: "create", user: u.user, host: u.host, passwordHash: passwordHash(u.password) });
    }
    commitChange(sess, { kind: "grant", user: u.user, host: u.host, level: lvl, privs, grantOption, revoke });
  }
  return OK;
}

function knownHeartbeat(sess: SqlSession, db: string): readonly string[] {
  const [hbDb, hbTable] = sess.world.settings.heartbeatTable.split(".");
  return db === hbDb && hbTable ? [hbTable] : [];
}

/** SHOW GRANTS [FOR user | FOR CURRENT_USER[()]] */
export function showGrantsStatement(c: Cursor, sess: SqlSession): StmtResult {
  let target = sess.account;
  if (c.accept("FOR")) {
    if (c.accept("CURRENT_USER")) {
      if (c.accept("(")) c.expect(")");
    } else {
      const u = userSpec(c, false);
      if (!(u.user === sess.account.user && u.host === sess.account.host)) {
        if (!hasOn(sess.account, "SELECT", "mysql", null)) throw dbDenied(sess.user, sess.clientHost, "mysql");
        const found = findAccount(sess.server.data.accounts, u.user, u.host);
        if (!found) throw new SqlError(1141, "42000", `There is no such grant defined for user '${u.user}' on host '${u.host}'`);
        target = found;
      }
    }
  }
  if (!c.atEnd()) throw c.error();
  const lines = showGrants(target, sess.server.flavour);
  return { kind: "rows", columns: [{ name: `Grants for ${target.user}@${target.host}`, numeric: false }], rows: lines.map((l) => [l]) };
}
