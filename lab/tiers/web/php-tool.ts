import fs from "node:fs";
import path from "node:path";
import type { ExecContext, ExecResult, Tool, WebVm } from "../../model/types";
import type { MysqlServer } from "../database/server";
import { fail, ok } from "../shared/exec";
import { tryResolve } from "../shared/files";
import type { MoodleVersion } from "./moodle-code";
import { compareVersions, parseConfigPhp, parseVersionPhp } from "./moodle-code";
import { isWebVm } from "./nfs-client";
import type { WebTier } from "./web-tier";

const PHP_VERSION = "8.2.20";
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** Moodle's userdate() with the default strftimedaydatetime format: `Monday, 5 August 2024, 9:15 AM` */
export function userdate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const hour12 = h % 12 === 0 ? 12 : h % 12;
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hour12}:${String(d.getUTCMinutes()).padStart(2, "0")} ${h < 12 ? "AM" : "PM"}`;
}

export function climaintenanceHtml(siteName: string, message = "The site is undergoing maintenance and is currently not available"): string {
  return `<!DOCTYPE html>
<html dir="ltr" lang="en" xml:lang="en">
<head>
<title>${siteName} under maintenance</title>
<meta http-equiv="content-type" content="text/html; charset=utf-8" />
</head><body><div style="margin-top: 6em; margin-left:auto; margin-right:auto; color:#990000; text-align:center; font-size:large; border-width:1px;
    border-color:black; background-color:#ffffee; border-style:solid; border-radius: 20px; border-collapse: collapse;
    width: 80%; -moz-border-radius: 20px; padding: 15px">
<p>${message}</p>
</div></body></html>`;
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
  return e.web.db.cluster.webWrite(e.db, { kind: "config", name, value });
}

const DB_WRITE_ERROR = "Default exception handler: Error writing to database Debug: The MySQL server is running with the --super-read-only option so it cannot execute this statement\n";

/** enable_cli_maintenance_mode() in lib/adminlib.php: $CFG->maintenance_message, else the dataroot's template, else the default page */
function cliMaintenancePage(e: Env, flag: string): string {
  const message = e.db.data.config.get("maintenance_message") ?? "";
  if (message.replace(/<[^>]*>|&nbsp;|\s/g, "") !== "") return climaintenanceHtml("ClusterDeck Moodle", message);
  const template = path.join(path.dirname(flag), "climaintenance.template.html");
  if (fs.existsSync(template)) return fs.readFileSync(template, "utf8");
  return climaintenanceHtml("ClusterDeck Moodle");
}

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
  if (flag === null) return fail(`Fatal error: $CFG->dataroot is not writable, admin has to fix directory permissions! Exiting.\n`, 1);
  const heading = `== Maintenance mode (${e.cfg.get("wwwroot") ?? ""}) ==\n`;
  const exists = fs.existsSync(flag);
  const data = e.db.data.config;
  if (opts.has("enablelater")) {
    if (exists) return { stdout: `${heading}Status: enabled\n`, stderr: "", code: 1 };
    const when = Math.floor(e.ctx.world.now() / 1000) + Number(opts.get("enablelater") ?? "0") * 60;
    if (!setConfig(e, "maintenance_later", String(when))) return fail(heading + DB_WRITE_ERROR, 1);
    return ok(`${heading}status: CLI maintenance mode will be enabled on ${userdate(when * 1000)}\n`);
  }
  if (opts.has("enable")) {
    if (exists) return ok(heading);
    fs.mkdirSync(path.dirname(flag), { recursive: true });
    fs.writeFileSync(flag, cliMaintenancePage(e, flag));
    e.web.world.log(`web: ${e.vm}: CLI maintenance mode enabled`);
    setConfig(e, "maintenance_enabled", "cli mode");
    if (data.has("maintenance_later")) setConfig(e, "maintenance_later", "");
    return ok(`${heading}Your site is currently in CLI maintenance mode, no web access is allowed.\n`);
  }
  if (opts.has("enableold")) {
    if (!setConfig(e, "maintenance_enabled", "1")) return fail(heading + DB_WRITE_ERROR, 1);
    return ok(`${heading}Your site is currently in maintenance mode (only admins can log in or use the site).\n`);
  }
  if (opts.has("disable")) {
    if (data.get("maintenance_enabled") !== "0") setConfig(e, "maintenance_enabled", "0");
    if (data.get("maintenance_later")) setConfig(e, "maintenance_later", "");
    if (exists) fs.rmSync(flag, { force: true });
    e.web.world.log(`web: ${e.vm}: maintenance mode disabled`);
    return ok(`${heading}Maintenance mode has been disabled and the site is running normally again\n`);
  }
  const enabled = exists || (data.get("maintenance_enabled") ?? "0") === "1";
  if (enabled) return ok(`${heading}Status: enabled\n`);
  const later = Number(data.get("maintenance_later") || "0");
  if (later > 0) return ok(`${heading}status: CLI maintenance mode will be enabled on ${userdate(later * 1000)}\n`);
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

function runScript(ctx: ExecContext, web: WebTier, scriptArg: string, args: string[]): ExecResult {
  const script = resolveScript(ctx, scriptArg);
  const real = tryResolve(ctx.world, ctx.vm, script);
  if (real === null || !fs.existsSync(real)) return fail(`Could not open input file: ${scriptArg}\n`, 1);
  const m = /^(.*)\/admin\/cli\/([a-z_]+)\.php$/.exec(script);
  if (!m || !isWebVm(ctx.vm)) return ok();
  const root = m[1] ?? "";
  const name = m[2] ?? "";
  const cfgText = web.readVmFile(ctx.vm, `${root}/config.php`);
  if (cfgText === null) {
    return fail(
      `PHP Warning:  require(${script.replace(/[^/]+$/, "")}../../config.php): Failed to open stream: No such file or directory in ${script} on line 31\n` +
        `PHP Fatal error:  Uncaught Error: Failed opening required '${script.replace(/[^/]+$/, "")}../../config.php' (include_path='.:/usr/share/php') in ${script}:31\n`,
      255,
    );
  }
  const cfg = parseConfigPhp(cfgText);
  const versionText = web.readVmFile(ctx.vm, `${root}/version.php`);
  const code = versionText === null ? null : parseVersionPhp(versionText);
  if (!code) return fail(`PHP Fatal error:  Uncaught Error: Failed opening required '${root}/version.php'\n`, 255);
  const dataroot = cfg.get("dataroot") ?? ctx.world.settings.dataroot;
  if (tryResolve(ctx.world, ctx.vm, dataroot) === null) {
    return fail("Fatal error: $CFG->dataroot is not writable, admin has to fix directory permissions! Exiting.\n", 1);
  }
  const db = web.db.cluster.connect(ctx.vm, cfg.get("dbhost") ?? "");
  if (!db) {
    return fail(
      "!!! Error: Database connection failed !!!\n!! It is possible that the database is overloaded or otherwise not running properly.\n\nThe site administrator should also check that the database details have been correctly specified in config.php !!\n",
      1,
    );
  }
  const e: Env = { ctx, vm: ctx.vm, web, script, root, cfg, code, db, args };
  if (name === "maintenance") return maintenance(e);
  if (name === "upgrade") return upgrade(e);
  if (name === "purge_caches") return purgeCaches(e);
  return ok();
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
            `PHP ${PHP_VERSION} (cli) (built: Jun 17 2024 13:33:14) (NTS)\nCopyright (c) The PHP Group\nZend Engine v4.2.20, Copyright (c) Zend Technologies\n    with Zend OPcache v${PHP_VERSION}, Copyright (c), by Zend Technologies\n`,
          );
        }
        if (a === "-d") {
          i++;
          continue;
        }
        if (a.startsWith("-d")) continue;
        if (a === "-l") {
          const file = args[i + 1];
          if (!file) return fail("Could not open input file: \n", 1);
          const real = tryResolve(ctx.world, ctx.vm, resolveScript(ctx, file));
          if (real === null || !fs.existsSync(real)) return fail(`Could not open input file: ${file}\n`, 1);
          return ok(`No syntax errors detected in ${file}\n`);
        }
        if (a === "-r") {
          // the CLI has its own opcache (off by default): opcache_reset() here never touches Apache's
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
