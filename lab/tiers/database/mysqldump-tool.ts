import fs from "node:fs";
import path from "node:path";
import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { ToolError } from "../../model/types";
import { fail, splitLongOption } from "../shared/exec";
import { readOrNull } from "../shared/files";
import { anyOnDb, hasOn } from "./accounts";
import { clientDefaults, osUser, parseOptionFile } from "./client-options";
import type { DatabaseCluster } from "./cluster";
import { openSession } from "./mysql-tool";
import type { Flavour, MysqlServer } from "./server";
import { versionString } from "./server-vars";

// mysqldump's exit codes (client/mysqldump.cc)
const EX_USAGE = 1;
const EX_MYSQLERR = 2;
const EX_EOF = 5;
const EX_ILLEGAL_TABLE = 6;
// my_getopt's codes for a bad command line
const EXIT_UNKNOWN_OPTION = 2;
const EXIT_ARGUMENT_REQUIRED = 5;
const EXIT_UNKNOWN_VARIABLE = 7;
const EXIT_ARGUMENT_INVALID = 13;

const GTID_MODES = ["OFF", "ON", "AUTO", "COMMENTED"];
/** options that change what a real dump does but not what the lab's dump of these tables looks like */
const ACCEPTED_FLAGS = new Set([
  "--single-transaction", "--quick", "--triggers", "--skip-triggers", "--opt", "--add-drop-table", "--add-locks",
  "--skip-lock-tables", "--lock-tables", "--no-tablespaces", "--hex-blob", "--skip-comments", "--flush-logs",
  "--extended-insert", "--create-options", "--disable-keys", "--set-charset", "--tz-utc", "--verbose", "--compress",
  "--no-defaults", "--force",
]);
const ACCEPTED_VALUES = new Set(["--protocol", "--default-character-set", "--column-statistics", "--ssl-mode", "--max-allowed-packet", "--net-buffer-length"]);

class DumpExit extends Error {
  constructor(
    readonly stderr: string,
    readonly code: number,
  ) {
    super(stderr);
  }
}

interface DumpOptions {
  host: string | null;
  port: number;
  socket: string | null;
  user: string | null;
  password: string | null;
  singleTransaction: boolean;
  resultFile: string | null;
  databasesMode: boolean;
  names: string[];
  routines: boolean;
  events: boolean;
  comments: boolean;
  gtidPurged: string;
}

function readDefaults(ctx: ExecContext, file: string): Map<string, string> {
  let text: string | null;
  try {
    text = readOrNull(ctx.world.resolvePath(ctx.vm, file));
  } catch {
    text = null;
  }
  if (text === null) {
    throw ctx.world.settings.mysqlFlavour === "mariadb"
      ? new DumpExit(`Could not open required defaults file: ${file}\nFatal error in defaults handling. Program aborted\n`, EX_USAGE)
      : new DumpExit(`mysqldump: [ERROR] Failed to open required defaults file: ${file}\nmysqldump: [ERROR] Fatal error in defaults handling. Program aborted!\n`, EX_USAGE);
  }
  return parseOptionFile(text, ["client", "mysqldump", "client-server", "client-mariadb"]);
}

/** an option error: MariaDB's mysqldump words it without `[ERROR]` and has no --set-gtid-purged at all */
function optionError(ctx: ExecContext, kind: "option" | "variable" | "argument", shown: string): DumpExit {
  const mariadb = ctx.world.settings.mysqlFlavour === "mariadb";
  if (kind === "argument") {
    return new DumpExit(mariadb ? `mysqldump: option '${shown}' requires an argument\n` : `mysqldump: [ERROR] option '${shown}' requires an argument.\n`, EXIT_ARGUMENT_REQUIRED);
  }
  const code = kind === "option" ? EXIT_UNKNOWN_OPTION : EXIT_UNKNOWN_VARIABLE;
  return new DumpExit(mariadb ? `mysqldump: unknown ${kind} '${shown}'\n` : `mysqldump: [ERROR] unknown ${kind} '${shown}'.\n`, code);
}

/** the --result-file of a command line, wherever it appears (MariaDB's mysqldump creates it even when an option is refused) */
function resultFileOf(args: readonly string[]): string | null {
  let file: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a.startsWith("--result-file=")) file = a.slice("--result-file=".length);
    else if (a === "--result-file" || a === "-r") file = args[i + 1] ?? null;
    else if (/^-r./.test(a)) file = a.slice(2);
  }
  return file;
}

/** mysqldump's command line: option files only as the first argument (load_defaults), then my_getopt */
function parseArgs(ctx: ExecContext): DumpOptions {
  const args = ctx.argv.slice(1);
  const mariadb = ctx.world.settings.mysqlFlavour === "mariadb";
  const o: DumpOptions = {
    host: null,
    port: 3306,
    socket: null,
    user: null,
    password: null,
    singleTransaction: false,
    resultFile: null,
    databasesMode: false,
    names: [],
    routines: false,
    events: false,
    comments: true,
    gtidPurged: "AUTO",
  };
  let start = 0;
  const first = args[0] ?? "";
  if (first.startsWith("--defaults-file=") || first.startsWith("--defaults-extra-file=")) {
    const fromFile = readDefaults(ctx, splitLongOption(first)[1] ?? "");
    o.host = fromFile.get("host") ?? null;
    o.user = fromFile.get("user") ?? null;
    o.password = fromFile.get("password") ?? null;
    o.socket = fromFile.get("socket") ?? null;
    start = 1;
  }
  for (let i = start; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a.startsWith("--")) {
      const [name, inline] = splitLongOption(a);
      const value = (): string => {
        if (inline !== undefined) return inline;
        const v = args[++i];
        if (v === undefined) throw optionError(ctx, "argument", name);
        return v;
      };
      if (name === "--defaults-file" || name === "--defaults-extra-file" || name === "--no-defaults") {
        throw optionError(ctx, inline === undefined ? "option" : "variable", inline === undefined && mariadb ? a : a.slice(2));
      }
      if (name === "--result-file") o.resultFile = value();
      else if (name === "--single-transaction") o.singleTransaction = true;
      else if (name === "--databases") o.databasesMode = true;
      else if (name === "--routines") o.routines = true;
      else if (name === "--events") o.events = true;
      else if (name === "--skip-comments") o.comments = false;
      else if (name === "--host") o.host = value();
      else if (name === "--user") o.user = value();
      else if (name === "--password") o.password = inline ?? "";
      else if (name === "--socket") o.socket = value();
      else if (name === "--port") o.port = Number(value());
      else if (name === "--set-gtid-purged" && !mariadb) {
        const v = value().toUpperCase();
        if (!GTID_MODES.includes(v)) throw new DumpExit(`mysqldump: [ERROR] Invalid value '${inline ?? v}' for option 'set-gtid-purged'.\n`, EXIT_ARGUMENT_INVALID);
        o.gtidPurged = v;
      } else if (ACCEPTED_VALUES.has(name) && !(mariadb && name === "--column-statistics")) {
        value();
      } else if (!ACCEPTED_FLAGS.has(name)) {
        throw optionError(ctx, inline === undefined ? "option" : "variable", inline === undefined ? a : a.slice(2));
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const letter = a[j] ?? "";
        if ("rhuSP".includes(letter)) {
          const rest = a.slice(j + 1);
          const v = rest !== "" ? rest : args[++i];
          if (v === undefined) throw optionError(ctx, "argument", `-${letter}`);
          if (letter === "r") o.resultFile = v;
          if (letter === "h") o.host = v;
          if (letter === "u") o.user = v;
          if (letter === "S") o.socket = v;
          if (letter === "P") o.port = Number(v);
          break;
        }
        if (letter === "p") {
          o.password = a.slice(j + 1);
          break;
        }
        if (letter === "B") o.databasesMode = true;
        else if (letter === "R") o.routines = true;
        else if (letter === "E") o.events = true;
        else if (!"qvfCe".includes(letter)) throw optionError(ctx, "option", `-${letter}`);
      }
      continue;
    }
    o.names.push(a);
  }
  return o;
}

const USAGE =
  "Usage: mysqldump [OPTIONS] database [tables]\nOR     mysqldump [OPTIONS] --databases [OPTIONS] DB1 [DB2 DB3...]\nOR     mysqldump [OPTIONS] --all-databases [OPTIONS]\nFor more options, use mysqldump --help\n";
const MARIADB_USAGE =
  "Usage: mysqldump [OPTIONS] database [tables]\nOR     mysqldump [OPTIONS] --databases DB1 [DB2 DB3...]\nOR     mysqldump [OPTIONS] --all-databases\nOR     mysqldump [OPTIONS] --system=[SYSTEMOPTIONS]]\nFor more options, use mysqldump --help\n";

type Cell = string | number | null;

interface TableDump {
  name: string;
  create: string;
  rows: Cell[][];
}

/** mysql_real_escape_string, as mysqldump quotes string values */
const ESCAPES: Record<string, string> = { "\0": "\\0", "\n": "\\n", "\r": "\\r", "\\": "\\\\", "'": "\\'", '"': '\\"', "\u001a": "\\Z" };

function quote(v: string): string {
  return `'${[...v].map((c) => ESCAPES[c] ?? c).join("")}'`;
}

function cell(v: Cell): string {
  if (v === null) return "NULL";
  return typeof v === "number" ? String(v) : quote(v);
}

function bigint(flavour: Flavour, width = 10): string {
  return flavour === "mysql8" ? "bigint" : `bigint(${width})`;
}

function tableOptions(autoIncrement: number, comment: string): string {
  const ai = autoIncrement > 1 ? ` AUTO_INCREMENT=${autoIncrement}` : "";
  return `ENGINE=InnoDB${ai} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC COMMENT='${comment}'`;
}

function moodleTables(s: MysqlServer): TableDump[] {
  const f = s.flavour;
  const coll = f === "mysql8" ? " COLLATE utf8mb4_unicode_ci" : "";
  const config = [...s.data.config.entries()].map(([name, value], i): Cell[] => [i + 1, name, value]);
  const sessions = [...s.data.sessions.values()].map((r): Cell[] => [r.id, 0, r.sid, r.userid, null, r.timecreated, r.timemodified, r.firstip, r.lastip]);
  return [
    {
      name: "mdl_config",
      create: [
        "CREATE TABLE `mdl_config` (",
        `  \`id\` ${bigint(f)} NOT NULL AUTO_INCREMENT,`,
        `  \`name\` varchar(255)${coll} NOT NULL DEFAULT '',`,
        `  \`value\` longtext${coll} NOT NULL,`,
        "  PRIMARY KEY (`id`),",
        "  UNIQUE KEY `mdl_conf_nam_uix` (`name`)",
        `) ${tableOptions(config.length + 1, "Moodle configuration variables")};`,
      ].join("\n"),
      rows: config,
    },
    {
      name: "mdl_sessions",
      create: [
        "CREATE TABLE `mdl_sessions` (",
        `  \`id\` ${bigint(f)} NOT NULL AUTO_INCREMENT,`,
        `  \`state\` ${bigint(f, 10)} NOT NULL DEFAULT '0',`,
        `  \`sid\` varchar(128)${coll} NOT NULL DEFAULT '',`,
        `  \`userid\` ${bigint(f)} NOT NULL,`,
        `  \`sessdata\` longtext${coll},`,
        `  \`timecreated\` ${bigint(f)} NOT NULL,`,
        `  \`timemodified\` ${bigint(f)} NOT NULL,`,
        `  \`firstip\` varchar(45)${coll} DEFAULT NULL,`,
        `  \`lastip\` varchar(45)${coll} DEFAULT NULL,`,
        "  PRIMARY KEY (`id`),",
        "  UNIQUE KEY `mdl_sess_sid_uix` (`sid`),",
        "  KEY `mdl_sess_sta_ix` (`state`),",
        "  KEY `mdl_sess_tim_ix` (`timecreated`),",
        "  KEY `mdl_sess_tim2_ix` (`timemodified`),",
        "  KEY `mdl_sess_use_ix` (`userid`)",
        `) ${tableOptions(s.data.nextSessionId, "Database based session storage - now recommended")};`,
      ].join("\n"),
      rows: sessions,
    },
  ];
}

function heartbeatTables(s: MysqlServer, table: string): TableDump[] {
  const uint = s.flavour === "mysql8" ? "int unsigned" : "int(10) unsigned";
  const ubig = s.flavour === "mysql8" ? "bigint unsigned" : "bigint(20) unsigned";
  return [
    {
      name: table,
      create: [
        `CREATE TABLE \`${table}\` (`,
        "  `ts` varchar(26) NOT NULL,",
        `  \`server_id\` ${uint} NOT NULL,`,
        "  `file` varchar(255) DEFAULT NULL,",
        `  \`position\` ${ubig} DEFAULT NULL,`,
        "  `relay_master_log_file` varchar(255) DEFAULT NULL,",
        `  \`exec_master_log_pos\` ${ubig} DEFAULT NULL,`,
        "  PRIMARY KEY (`server_id`)",
        // pt-heartbeat --create-table takes the server's default: Debian 12's 50-server.cnf sets utf8mb4_general_ci
        `) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${s.flavour === "mariadb" ? "utf8mb4_general_ci" : "utf8mb4_0900_ai_ci"};`,
      ].join("\n"),
      rows: [...s.data.heartbeat.values()].map((h) => [h.ts, h.serverId, h.file, h.position, h.relayMasterLogFile, h.execMasterLogPos]),
    },
  ];
}

function tablesOf(ctx: ExecContext, s: MysqlServer, db: string): TableDump[] | null {
  const [hbDb = "percona", hbTable = "heartbeat"] = ctx.world.settings.heartbeatTable.split(".");
  if (db === "moodle") return moodleTables(s);
  if (db === hbDb) return heartbeatTables(s, hbTable);
  return null;
}

function dumpTable(t: TableDump, comments: boolean, flavour: Flavour): string {
  const c = (text: string): string => (comments ? `--\n-- ${text}\n--\n\n` : "");
  const mariadb = flavour === "mariadb";
  let out = `${c(`Table structure for table \`${t.name}\``)}DROP TABLE IF EXISTS \`${t.name}\`;\n`;
  out += `/*!40101 SET @saved_cs_client     = @@character_set_client */;\n/*!${mariadb ? "40101" : "50503"} SET character_set_client = utf8mb4 */;\n`;
  out += `${t.create}\n/*!40101 SET character_set_client = @saved_cs_client */;\n\n`;
  out += `${c(`Dumping data for table \`${t.name}\``)}LOCK TABLES \`${t.name}\` WRITE;\n/*!40000 ALTER TABLE \`${t.name}\` DISABLE KEYS */;\n`;
  const values = t.rows.map((r) => `(${r.map(cell).join(",")})`);
  // MariaDB 10.11's mysqldump puts each row of an extended INSERT on its own line
  if (values.length > 0) out += mariadb ? `INSERT INTO \`${t.name}\` VALUES\n${values.join(",\n")};\n` : `INSERT INTO \`${t.name}\` VALUES ${values.join(",")};\n`;
  out += `/*!40000 ALTER TABLE \`${t.name}\` ENABLE KEYS */;\nUNLOCK TABLES;\n\n`;
  return out;
}

function dumpDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

function header(s: MysqlServer, o: DumpOptions, firstDb: string): string {
  const version = versionString(s.flavour);
  const mariadb = s.flavour === "mariadb";
  let out = mariadb ? "/*M!999999\\- enable the sandbox mode */ \n" : "";
  if (o.comments) {
    const distrib = mariadb
      ? "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)"
      : `-- MySQL dump 10.13  Distrib ${version.replace(/-log$/, "")}, for Linux (x86_64)`;
    out += `${distrib}\n--\n-- Host: ${o.host ?? "localhost"}    Database: ${firstDb}\n-- ------------------------------------------------------\n-- Server version\t${version}\n\n`;
  }
  out += [
    "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;",
    "/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;",
    "/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;",
    `/*!${mariadb ? "40101" : "50503"} SET NAMES utf8mb4 */;`,
    "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;",
    "/*!40103 SET TIME_ZONE='+00:00' */;",
    "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;",
    "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;",
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
    "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;",
    "",
  ].join("\n");
  return out;
}

function trailer(o: DumpOptions): string {
  let out = [
    "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;",
    "",
    "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;",
    "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;",
    "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;",
    "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;",
    "/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;",
    "/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;",
    "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;",
    "",
  ].join("\n");
  // the trailer comes from the host's clock (UTC on these VMs), like every other file time in the lab
  if (o.comments) out += `\n-- Dump completed on ${dumpDate(Date.now())}\n`;
  return out;
}

/** `mysqldump: Got error: N: msg when ...`: MariaDB's quotes the server's message */
function gotError(flavour: Flavour, errno: number, message: string, when: string): string {
  return flavour === "mariadb" ? `mysqldump: Got error: ${errno}: "${message}" ${when}\n` : `mysqldump: Got error: ${errno}: ${message} ${when}\n`;
}

/** open (create or empty) the result file as the running account, with its umask, as mysqldump's my_fopen does */
function openResultFile(ctx: ExecContext, file: string): string {
  const shown = file.startsWith("/") ? file : path.posix.join(ctx.cwd ?? ctx.env.PWD ?? "/root", file);
  const cantCreate = (errno: number, why: string): DumpExit =>
    new DumpExit(
      ctx.world.settings.mysqlFlavour === "mariadb"
        ? `mysqldump: Can't create/write to file '${shown}' (Errcode: ${errno} "${why}")\n`
        : `mysqldump: Can't create/write to file '${shown}' (OS errno ${errno} - ${why})\n`,
      EX_USAGE,
    );
  let real: string;
  try {
    real = ctx.world.resolvePath(ctx.vm, shown);
  } catch (e) {
    throw cantCreate(2, e instanceof ToolError ? e.message.replace(/^.*: /, "") : "No such file or directory");
  }
  const user = osUser(ctx);
  const dir = path.dirname(real);
  if (!fs.existsSync(dir)) throw cantCreate(2, "No such file or directory");
  const exists = fs.existsSync(real);
  if (exists && fs.statSync(real).isDirectory()) throw cantCreate(21, "Is a directory");
  const access = ctx.world.access;
  if (!access.may(user, dir, "x") || (exists ? !access.may(user, real, "w") : !access.mayChange(user, dir))) throw cantCreate(13, "Permission denied");
  fs.writeFileSync(real, "");
  if (!exists) access.created(real, user, ctx.umask);
  return real;
}

/** what the dump has written when it stops, and why */
class DumpStopped extends Error {
  constructor(
    readonly stderr: string,
    readonly code: number,
  ) {
    super(stderr);
  }
}

/** the dump itself: header, each database's tables, events and routines, trailer; stops as mysqldump does */
function dumpText(ctx: ExecContext, sess: { server: MysqlServer; user: string; clientHost: string; account: Parameters<typeof hasOn>[0] }, o: DumpOptions, emit: (text: string) => void): void {
  const s = sess.server;
  const f = s.flavour;
  const wanted = o.databasesMode ? o.names : o.names.slice(0, 1);
  // MariaDB's mysqldump writes its header before it selects the database; the MySQL flavours' lab dump checks first
  let pending = header(s, o, wanted[0] ?? "");
  if (f === "mariadb") {
    emit(pending);
    pending = "";
  }
  const out = (text: string): void => {
    emit(pending + text);
    pending = "";
  };
  for (const name of wanted) {
    const denied = (): string => `Access denied for user '${sess.user}'@'${sess.clientHost}' to database '${name}'`;
    if (!anyOnDb(sess.account, name) && name !== "information_schema") throw new DumpStopped(gotError(f, 1044, denied(), "when selecting the database"), EX_MYSQLERR);
    const tables = tablesOf(ctx, s, name);
    if (tables === null) throw new DumpStopped(gotError(f, 1049, `Unknown database '${name}'`, "when selecting the database"), EX_MYSQLERR);
    if (!o.singleTransaction && !hasOn(sess.account, "LOCK TABLES", name, null)) {
      throw new DumpStopped(gotError(f, 1044, denied(), "when using LOCK TABLES"), EX_MYSQLERR);
    }
    let chosen = tables;
    const only = o.databasesMode ? [] : o.names.slice(1);
    if (only.length > 0) {
      const missing = only.find((t) => !tables.some((x) => x.name === t));
      if (missing !== undefined) throw new DumpStopped(`mysqldump: Couldn't find table: "${missing}"\n`, f === "mariadb" ? EX_ILLEGAL_TABLE : EX_MYSQLERR);
      chosen = tables.filter((t) => only.includes(t.name));
    }
    if (o.databasesMode) {
      let create = "";
      if (o.comments) create += `\n--\n-- Current Database: \`${name}\`\n--\n`;
      create += `\nCREATE DATABASE /*!32312 IF NOT EXISTS*/ \`${name}\` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci */${f === "mysql8" ? " /*!80016 DEFAULT ENCRYPTION='N' */" : ""};\n\nUSE \`${name}\`;\n`;
      out(create);
    }
    out("\n");
    for (const t of chosen) out(dumpTable(t, o.comments, f));
    if (o.events) {
      if (o.comments) out(`--\n-- Dumping events for database '${name}'\n--\n`);
      if (!hasOn(sess.account, "EVENT", name, null)) {
        throw new DumpStopped(`mysqldump: Couldn't execute 'show events': ${denied()} (1044)\n`, EX_MYSQLERR);
      }
    }
    if (o.routines && o.comments) out(`\n--\n-- Dumping routines for database '${name}'\n--\n`);
  }
  out(trailer(o));
}

export function mysqldumpTool(cluster: DatabaseCluster): Tool {
  return {
    roles: ["db", "web"],
    run(ctx: ExecContext): ExecResult {
      const flavour = ctx.world.settings.mysqlFlavour;
      let o: DumpOptions;
      try {
        o = parseArgs(ctx);
      } catch (e) {
        if (!(e instanceof DumpExit)) throw e;
        // MariaDB's mysqldump still creates (empties) its result file after refusing an option (10.11.19)
        const file = resultFileOf(ctx.argv.slice(1));
        if (flavour === "mariadb" && e.code !== EX_USAGE && file !== null) {
          try {
            openResultFile(ctx, file);
          } catch (err) {
            if (!(err instanceof DumpExit)) throw err;
          }
        }
        return fail(e.stderr, e.code);
      }
      try {
        if (o.names.length === 0) return flavour === "mariadb" ? fail(MARIADB_USAGE, EX_USAGE) : { stdout: USAGE, stderr: "", code: EX_USAGE };
        const real = o.resultFile === null ? null : openResultFile(ctx, o.resultFile);
        const client = clientDefaults(ctx, { host: o.host, port: o.port, socket: o.socket, user: o.user ?? osUser(ctx), password: o.password, batch: true });
        const opened = openSession(cluster, ctx, client);
        if (!opened.ok) {
          const m = /^ERROR (\d+) \(\w+\): (.*)$/.exec(opened.result.stderr.trim());
          return fail(gotError(flavour, Number(m?.[1] ?? 2002), m?.[2] ?? opened.result.stderr.trim(), "when trying to connect"), EX_MYSQLERR);
        }
        const sess = opened.session;
        // the lab's MySQL servers run with gtid_mode=OFF
        if (o.gtidPurged === "ON" || o.gtidPurged === "COMMENTED") return fail("Error: Server has GTIDs disabled.\n", EX_MYSQLERR);
        let text = "";
        let stopped: DumpStopped | null = null;
        try {
          dumpText(ctx, sess, o, (t) => {
            text += t;
          });
        } catch (e) {
          if (!(e instanceof DumpStopped)) throw e;
          stopped = e;
        }
        if (real === null) return { stdout: text, stderr: stopped?.stderr ?? "", code: stopped?.code ?? 0 };
        if (ctx.world.diskFull(ctx.vm)) {
          // stdio's buffer reached the disk in whole blocks until the first write that found no space
          const bytes = Buffer.from(text);
          fs.writeFileSync(real, bytes.subarray(0, Math.min(4096, Math.floor(bytes.length / 2))));
          return fail("mysqldump: Got errno 28 on write\n", EX_EOF);
        }
        fs.writeFileSync(real, text);
        return { stdout: "", stderr: stopped?.stderr ?? "", code: stopped?.code ?? 0 };
      } catch (e) {
        if (e instanceof DumpExit) return fail(e.stderr, e.code);
        throw e;
      }
    },
  };
}
