import fs from "node:fs";
import path from "node:path";
import type { ExecContext, ExecResult, Tool, WebVm } from "../../model/types";
import { userOf } from "../../shell/access";
import type { MysqlServer } from "../database/server";
import { fail, ok } from "../shared/exec";
import { tryResolve } from "../shared/files";
import type { MoodleVersion } from "./moodle-code";
import { compareVersions, parseConfigPhp, parseVersionPhp } from "./moodle-code";
import { isSet } from "./sessions";
import { isWebVm } from "./nfs-client";
import type { WebTier } from "./web-tier";

// php8.2-cli as installed on the development machine (`php -v`)
const PHP_VERSION = "8.2.36";
const PHP_BUILT = "Nov 18 2026 20:02:04";
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
/** the line of `require(__DIR__.'/../../config.php')` in Moodle 4.5's CLI scripts (PHP names it in its errors) */
const REQUIRE_LINE: Record<string, number> = { maintenance: 28, upgrade: 41, purge_caches: 28 };

/** Moodle's userdate() with the default strftimedaydatetime format: `Monday, 5 August 2024, 9:15 AM` */
export function userdate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const hour12 = h % 12 === 0 ? 12 : h % 12;
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hour12}:${String(d.getUTCMinutes()).padStart(2, "0")} ${h < 12 ? "AM" : "PM"}`;
}

interface Env {
  ctx: ExecContext;
  vm: WebVm;
  web: WebTier;
  script: string;
  root: string;
  cfg: Map<string, string>;
  code: MoodleVersion;
  db: MysqlServer;
  args: string[];
}

function cliUnknown(opts: string[]): ExecResult {
  return fail(`Unrecognised options:\n  ${opts.join("\n  ")}\nPlease use --help option.\n`, 1);
}

function parseOpts(args: string[], known: readonly string[]): { opts: Map<string, string>; unknown: string[] } {
  const opts = new Map<string, string>();
  const unknown: string[] = [];
  for (const a of args) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(a);
    const name = m?.[1] === "h" ? "help" : m?.[1];
    if (!m || name === undefined || !known.includes(name)) unknown.push(a);
    else opts.set(name, m[2] ?? "1");
  }
  return { opts, unknown };
}

function setConfig(e: Env, name: string, value: string): boolean {
  return e.web.db.cluster.webWrite(e.db, { kind: "config", name, value }, e.vm);
}

const DB_WRITE_ERROR = "Default exception handler: Error writing to database Debug: The MySQL server is running with the --super-read-only option so it cannot execute this statement\n";

/** admin/cli/maintenance.php of Moodle 4.5, line for line */
function maintenance(e: Env): ExecResult {
  const { opts, unknown } = parseOpts(e.args, ["enable", "enablelater", "enableold", "disable", "help"]);
  if (unknown.length) return cliUnknown(unknown);
  if (opts.has("help")) {
    return ok(
      "Maintenance mode settings.\nCurrent status displayed if not option specified.\n\nOptions:\n--enable              Enable CLI maintenance mode\n--enablelater=MINUTES Number of minutes before entering CLI maintenance mode\n--enableold           Enable legacy half-maintenance mode\n--disable             Disable maintenance mode\n-h, --help            Print out this help\n\nExample:\n$ sudo -u www-data /usr/bin/php admin/cli/maintenance.php\n",
    );
  }
  const dataroot = e.cfg.get("dataroot") ?? e.ctx.world.settings.dataroot;
  const flag = tryResolve(e.ctx.world, e.vm, `${dataroot}/climaintenance.html`);
  if (flag === null) return ok(`Fatal error: $CFG->dataroot is not configured properly, directory does not exist or is not accessible! Exiting.\n`, "");
  const heading = `== Maintenance mode (${e.cfg.get("wwwroot") ?? ""}) ==\n`;
  const exists = (): boolean => fs.existsSync(flag);
  const data = e.db.data.config;
  const unsetLater = (): void => {
    if (data.has("maintenance_later")) setConfig(e, "maintenance_later", "");
  };
  const later = Number(opts.get("enablelater") ?? "0");
  if (opts.has("enablelater") && later !== 0) {
    // "Already enabled, sorry." then `return 1;` at the script's top level, which PHP ends with exit status 0
    if (exists()) return ok(`${heading}Status: enabled\n`);
    const when = Math.floor(e.ctx.world.now() / 1000) + later * 60;
    if (!setConfig(e, "maintenance_later", String(when))) return fail(heading + DB_WRITE_ERROR, 1);
    return ok(`${heading}status: CLI maintenance mode will be enabled on ${userdate(when * 1000)}\n`);
  }
  if (opts.has("enable")) {
    let warnings = "";
    if (!exists()) {
      // enable_cli_maintenance_mode() does not check file_put_contents(): PHP warns and the script goes on
      if (e.ctx.world.access.mayChange(userOf(e.ctx), path.dirname(flag))) e.web.enableCliMaintenance(e.vm, e.cfg, e.db, userOf(e.ctx));
      else {
        const file = `${dataroot}/climaintenance.html`;
        warnings = `PHP Warning:  file_put_contents(${file}): Failed to open stream: Permission denied in ${e.root}/lib/adminlib.php on line 655\nPHP Warning:  chmod(): No such file or directory in ${e.root}/lib/adminlib.php on line 656\n`;
      }
    }
    if (!setConfig(e, "maintenance_enabled", "0")) return fail(heading + DB_WRITE_ERROR, 1);
    unsetLater();
    return ok(`${heading}Your site is currently in CLI maintenance mode, no web access is allowed.\n`, warnings);
  }
  if (opts.has("enableold")) {
    if (!setConfig(e, "maintenance_enabled", "1")) return fail(heading + DB_WRITE_ERROR, 1);
    unsetLater();
    return ok(`${heading}Your site is currently in maintenance mode (only admins can log in or use the site).\n`);
  }
  if (opts.has("disable")) {
    if (!setConfig(e, "maintenance_enabled", "0")) return fail(heading + DB_WRITE_ERROR, 1);
    unsetLater();
    if (exists()) fs.rmSync(flag, { force: true });
    e.web.world.log(`web: ${e.vm}: maintenance mode disabled`);
    return ok(`${heading}Maintenance mode has been disabled and the site is running normally again\n`);
  }
  if (isSet(data.get("maintenance_enabled")) || exists()) return ok(`${heading}Status: enabled\n`);
  const pending = data.get("maintenance_later");
  if (pending !== undefined && pending !== "") return ok(`${heading}status: CLI maintenance mode will be enabled on ${userdate(Number(pending) * 1000)}\n`);
  return ok(`${heading}Status: disabled\n`);
}

function upgrade(e: Env): ExecResult {
  const { opts, unknown } = parseOpts(e.args, [
    "non-interactive",
    "allow-unstable",
    "help",
    "lang",
    "verbose-settings",
    "is-pending",
    "purge-caches",
  ]);
  if (unknown.length) return cliUnknown(unknown);
  if (opts.has("help")) {
    return ok(
      "Command line Moodle upgrade.\nPlease note you must execute this script with the same uid as apache!\n\nSite defaults may be changed via local/defaults.php.\n\nOptions:\n--non-interactive     No interactive questions or confirmations\n--allow-unstable      Upgrade even if the version is not marked as stable yet,\n                      required in non-interactive mode.\n--lang=CODE           Set preferred language for CLI output. Defaults to the\n                      site language if not set. Defaults to 'en' if the lang\n                      parameter is invalid or if the language pack is not\n                      installed.\n--verbose-settings    Show new settings values. By default only the name of\n                      new core or plugin settings are displayed. This option\n                      outputs the new values as well as the setting name.\n--is-pending          If an upgrade is needed it exits with an error code of\n                      2 so it distinct from other types of errors.\n-h, --help            Print out this help\n\nExample:\n$sudo -u www-data /usr/bin/php admin/cli/upgrade.php\n",
    );
  }
  const data = e.db.data.config;
  const dbVersion = data.get("version") ?? "0";
  const dbRelease = data.get("release") ?? "";
  const cmp = compareVersions(e.code.version, dbVersion);
  const newversion = `${e.code.release} (${e.code.version})`;
  const oldversion = `${dbRelease} (${dbVersion})`;
  if (cmp < 0) {
    return fail("Error: The code you are using is OLDER than the version that has been previously installed.\n", 1);
  }
  if (cmp === 0) {
    let out = "";
    if (opts.has("purge-caches")) {
      e.web.nodes[e.vm].lastPurgeAt = e.ctx.world.now();
      out = "Cache emptied.\n";
    }
    return { stdout: out, stderr: `No upgrade needed for the installed version ${newversion}. Thanks for coming anyway!\n`, code: 0 };
  }
  if (opts.has("is-pending")) return fail("An upgrade is pending\n", 2);
  let out = "";
  if (!opts.has("non-interactive")) {
    out += `== Upgrading Moodle database from version ${oldversion} to ${newversion} ==\n\n`;
    out += `Your Moodle files have been changed, and you are about to automatically upgrade your server to this version: ${newversion}\n`;
    out += "Once you do this you can not go back again. Please note that this process can take a long time.\n";
    out += "Are you sure you want to upgrade this server to this version?\n";
    out += "type y (means yes) or n (means no): ";
    if (!/^\s*y/i.test(e.ctx.stdin)) return { stdout: out, stderr: "", code: 1 };
    out += "\n";
  }
  const ok1 = setConfig(e, "version", e.code.version);
  if (!ok1) return fail(out + DB_WRITE_ERROR, 1);
  setConfig(e, "release", e.code.release);
  setConfig(e, "branch", e.code.branch);
  out += "-->System\n++ Success (4.21 seconds) ++\n";
  for (const plugin of ["mod_assign", "mod_quiz", "logstore_standard", "tool_usertours"]) {
    out += `-->${plugin}\n++ Success (0.${String(e.ctx.world.rng.int(10, 99))} seconds) ++\n`;
  }
  out += "== Setting new default values ==\n";
  out += `Command line upgrade from ${oldversion} to ${newversion} completed successfully.\n`;
  if (opts.has("purge-caches")) {
    e.web.nodes[e.vm].lastPurgeAt = e.ctx.world.now();
    out += "Cache emptied.\n";
  }
  e.web.world.log(`web: ${e.vm}: upgrade.php upgraded the database to ${e.code.version}`);
  return ok(out);
}

function purgeCaches(e: Env): ExecResult {
  const { opts, unknown } = parseOpts(e.args, ["help", "muc", "theme", "lang", "js", "filter", "other", "router"]);
  if (unknown.length) return cliUnknown(unknown);
  if (opts.has("help")) return ok("Invalidates Moodle internal caches\n\nOptions:\n-h, --help            Print out this help\n");
  e.web.nodes[e.vm].lastPurgeAt = e.ctx.world.now();
  return ok();
}

function resolveScript(ctx: ExecContext, script: string): string {
  if (script.startsWith("/")) return path.posix.normalize(script);
  const cwd = ctx.cwd ?? ctx.env.PWD ?? ctx.world.settings.dirroot;
  return path.posix.normalize(`${cwd}/${script}`);
}

function readable(ctx: ExecContext, vmPath: string): "ok" | "missing" | "denied" {
  const real = tryResolve(ctx.world, ctx.vm, vmPath);
  if (real === null || !fs.existsSync(real) || fs.statSync(real).isDirectory()) return "missing";
  return ctx.world.access.may(userOf(ctx), real, "r") ? "ok" : "denied";
}

/** PHP 8.2's words when `require` cannot open config.php (as printed with Debian's CLI php.ini: log_errors to stderr) */
function requireFailed(script: string, name: string, root: string, why: "missing" | "denied"): ExecResult {
  const line = REQUIRE_LINE[name] ?? 28;
  const raw = `${script.replace(/[^/]+$/, "")}../../config.php`;
  const reason = why === "denied" ? "Permission denied" : "No such file or directory";
  return fail(
    `PHP Warning:  require(${root}/config.php): Failed to open stream: ${reason} in ${script} on line ${line}\n` +
      `PHP Fatal error:  Uncaught Error: Failed opening required '${raw}' (include_path='.:/usr/share/php') in ${script}:${line}\nStack trace:\n#0 {main}\n  thrown in ${script} on line ${line}\n`,
    255,
  );
}

function runScript(ctx: ExecContext, web: WebTier, scriptArg: string, args: string[]): ExecResult {
  const script = resolveScript(ctx, scriptArg);
  if (readable(ctx, script) !== "ok") return fail(`Could not open input file: ${scriptArg}\n`, 1);
  const m = /^(.*)\/admin\/cli\/([a-z_]+)\.php$/.exec(script);
  if (!m || !isWebVm(ctx.vm)) return ok();
  const root = m[1] ?? "";
  const name = m[2] ?? "";
  const cfgAccess = readable(ctx, `${root}/config.php`);
  if (cfgAccess !== "ok") return requireFailed(script, name, root, cfgAccess);
  const cfgText = web.readVmFile(ctx.vm, `${root}/config.php`) ?? "";
  const cfg = parseConfigPhp(cfgText);
  const versionText = web.readVmFile(ctx.vm, `${root}/version.php`);
  const code = versionText === null ? null : parseVersionPhp(versionText);
  if (!code) return fail(`PHP Fatal error:  Uncaught Error: Failed opening required '${root}/version.php'\n`, 255);
  // lib/setup.php echoes these to stdout and exits 1
  const dataroot = cfg.get("dataroot") ?? ctx.world.settings.dataroot;
  const dataReal = tryResolve(ctx.world, ctx.vm, dataroot);
  if (dataReal === null || !fs.existsSync(dataReal)) {
    return { stdout: "Fatal error: $CFG->dataroot is not configured properly, directory does not exist or is not accessible! Exiting.\n", stderr: "", code: 1 };
  }
  if (!ctx.world.access.may(userOf(ctx), dataReal, "w")) {
    return { stdout: "Fatal error: $CFG->dataroot is not writable, admin has to fix directory permissions! Exiting.\n", stderr: "", code: 1 };
  }
  const db = web.db.cluster.connect(ctx.vm, cfg.get("dbhost") ?? "");
  if (!db) {
    return fail(
      "!!! Error: Database connection failed !!!\n!! It is possible that the database is overloaded or otherwise not running properly.\n\nThe site administrator should also check that the database details have been correctly specified in config.php !!\n",
      1,
    );
  }
  // lib/setup.php switches a due --enablelater on for CLI scripts too
  if (web.maintenanceLaterDue(db)) web.enableCliMaintenance(ctx.vm, cfg, db, userOf(ctx));
  const e: Env = { ctx, vm: ctx.vm, web, script, root, cfg, code, db, args };
  if (name === "maintenance") return maintenance(e);
  if (name === "upgrade") return upgrade(e);
  if (name === "purge_caches") return purgeCaches(e);
  return ok();
}

/** `php -l FILE`: only the first file is checked; `php -l -- FILE` checks stdin ("Standard input code"), as PHP 8.2 does */
function lint(ctx: ExecContext, rest: string[]): ExecResult {
  const [first] = rest;
  if (first === undefined || first === "--") return ok("No syntax errors detected in Standard input code\n");
  if (readable(ctx, resolveScript(ctx, first)) !== "ok") return fail(`Could not open input file: ${first}\n`, 1);
  return ok(`No syntax errors detected in ${first}\n`);
}

export function phpTool(web: WebTier): Tool {
  return {
    roles: ["web"],
    run(ctx: ExecContext): ExecResult {
      const args = ctx.argv.slice(1);
      for (let i = 0; i < args.length; i++) {
        const a = args[i] ?? "";
        if (a === "-v" || a === "--version") {
          return ok(
            `PHP ${PHP_VERSION} (cli) (built: ${PHP_BUILT}) (NTS)\nCopyright (c) The PHP Group\nZend Engine v4.2.36, Copyright (c) Zend Technologies\n    with Zend OPcache v${PHP_VERSION}, Copyright (c), by Zend Technologies\n`,
          );
        }
        if (a === "-d") {
          i++;
          continue;
        }
        if (a.startsWith("-d")) continue;
        if (a === "-l") return lint(ctx, args.slice(i + 1));
        if (a === "-r") {
          // the CLI has its own opcache (off by default): opcache_reset() here never touches Apache's or php-fpm's
          const code = args[i + 1] ?? "";
          if (/echo\s+PHP_VERSION/.test(code)) return ok(PHP_VERSION);
          return ok();
        }
        if (a === "-m") return ok("[PHP Modules]\ncurl\nmysqli\nopcache\nzip\n\n[Zend Modules]\nZend OPcache\n\n");
        if (a.startsWith("-")) continue;
        return runScript(ctx, web, a, args.slice(i + 1));
      }
      return fail("Interactive shell is not available here\n", 1);
    },
  };
}
