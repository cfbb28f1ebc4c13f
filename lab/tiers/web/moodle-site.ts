import fs from "node:fs";
import type { WebVm } from "../../model/types";
import type { MysqlServer } from "../database/server";
import { tryResolve } from "../shared/files";
import type { MoodleVersion } from "./moodle-code";
import { compareVersions } from "./moodle-code";
import { isSet } from "./sessions";
import type { WebTier } from "./web-tier";

// Sources (Moodle 4.5, MOODLE_405_STABLE; docs/lab.md names the copy read): lib/setup.php,
// lib/setuplib.php initialise_fullme() and redirect_if_major_upgrade_required(), lib/weblib.php
// redirect() and print_maintenance_message(), index.php, login/index.php, admin/index.php.

/** is_major_upgrade_required() in lib/setuplib.php: below this database version nothing works until upgraded */
const LAST_MAJOR_DB_CHANGES = 2024010400.0;

export const SITE_NAME = "ClusterDeck Moodle";
export const SITEMAINTENANCE = "The site is undergoing maintenance and is currently not available";

export interface MoodleReply {
  status: number;
  /** the reason phrase when Moodle sends its own (`503 Moodle under maintenance`) */
  reason?: string;
  headers: [string, string][];
  body: string;
  /** the session this request started (a visitor without a cookie gets one on every page) */
  sessionId?: string;
}

export interface PageRequest {
  /** the script under dirroot, e.g. `/login/index.php` */
  script: string;
  /** path and query as sent (REQUEST_URI) */
  uri: string;
  /** the Host header's name (no port), null when the request had none */
  host: string | null;
  /** the client's address as PHP sees it (REMOTE_ADDR) */
  ip: string;
  /** the port Apache took the request on (SERVER_PORT) */
  port: number;
}

/** what lib/setup.php finds before any page code runs: the code, config.php, the dataroot and the database */
export type Bootstrap =
  | { ok: false; reply: MoodleReply; reason: string }
  | { ok: true; code: MoodleVersion; cfg: Map<string, string>; db: MysqlServer };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** bootstrap_renderer::plain_page(): error/plainpage.php's layout (its inline CSS left out) */
export function plainPage(title: string, content: string): string {
  return `<!DOCTYPE html>
<html dir="ltr" lang="en" xml:lang="en">
    <head>
        <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
        <title>${title}</title>
    </head>
    <body>
        <div id="page">
            <div id="region-main">
                <h1>${title}</h1>
                ${content}
            </div>
        </div>
    </body>
</html>
`;
}

/** enable_cli_maintenance_mode() in lib/adminlib.php: $CFG->maintenance_message, else the dataroot's template, else the default */
export function cliMaintenanceHtml(message: string | null, template: string | null): string {
  if (message !== null && message.replace(/<[^>]*>|&nbsp;|\s/g, "") !== "") {
    return plainPage(SITEMAINTENANCE, `<div class='alert-danger'>${message}</div>`);
  }
  if (template !== null) return template;
  return plainPage(`${SITE_NAME} under maintenance`, `<div class='alert-danger'>${SITEMAINTENANCE}</div>`);
}

function themePage(title: string, bodyId: string, content: string): string {
  return `<!DOCTYPE html>
<html  dir="ltr" lang="en" xml:lang="en">
<head>
    <title>${title}</title>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
</head>
<body id="${bodyId}" class="dir-ltr lang-en">
<div id="page-wrapper">
${content}
</div>
</body>
</html>
`;
}

function phpHeaders(extra: [string, string][] = []): [string, string][] {
  return [...extra, ["Content-Type", "text/html; charset=UTF-8"]];
}

/** a page after \core\session\manager::start(): the session cookie and PHP's nocache headers (session.cache_limiter) */
function sessionHeaders(sid: string): [string, string][] {
  return [
    ["Set-Cookie", `MoodleSession=${sid}; path=/`],
    ["Expires", "Thu, 19 Nov 1981 08:52:00 GMT"],
    ["Cache-Control", "no-store, no-cache, must-revalidate"],
    ["Pragma", "no-cache"],
  ];
}

/** redirect() with no output yet: 303 See Other, X-Redirect-By and a plain "continue" page */
export function redirectReply(location: string, extra: [string, string][] = []): MoodleReply {
  const encoded = esc(location);
  const body = plainPage(
    "Redirect",
    `<div style="margin-top: 3em; margin-left:auto; margin-right:auto; text-align:center;">This page should automatically redirect. If nothing is happening please use the continue link below.<br /><a href="${encoded}">Continue</a></div>`,
  );
  return { status: 303, headers: phpHeaders([...extra, ["X-Redirect-By", "Moodle"], ["Location", location]]), body };
}

/** lib/setup.php with climaintenance.html in the dataroot: the file as it is, with Moodle's own status line */
function cliMaintenanceReply(web: WebTier, html: string): MoodleReply {
  const lastModified = new Date(web.world.now()).toUTCString();
  return {
    status: 503,
    reason: "Moodle under maintenance",
    headers: [
      ["Status", "503 Moodle under maintenance"],
      ["Retry-After", "300"],
      ["X-UA-Compatible", "IE=edge"],
      ["Cache-Control", "no-store, no-cache, must-revalidate"],
      ["Cache-Control", "post-check=0, pre-check=0"],
      ["Pragma", "no-cache"],
      ["Expires", "Mon, 20 Aug 1969 09:23:00 GMT"],
      ["Last-Modified", lastModified],
      ["Accept-Ranges", "none"],
      ["Connection", "close"],
      ["Content-Type", "text/html; charset=utf-8"],
    ],
    body: html,
  };
}

/** print_maintenance_message(): the site's maintenance page with $CFG->maintenance_message in a box */
function maintenanceMessageReply(message: string | null, extra: [string, string][]): MoodleReply {
  const box = message !== null && message.replace(/<[^>]*>|&nbsp;|\s/g, "") !== "" ? `<div class="box maintenance_message generalbox boxwidthwide boxaligncenter">${message}</div>\n` : "";
  return {
    status: 503,
    reason: "Moodle under maintenance",
    headers: phpHeaders([...extra, ["Status", "503 Moodle under maintenance"], ["Retry-After", "300"]]),
    body: themePage(SITE_NAME, "page-maintenance-message", `<h2>${SITEMAINTENANCE}</h2>\n${box}`),
  };
}

function earlyError(status: number, message: string): MoodleReply {
  return { status, headers: phpHeaders(), body: plainPage("Error", `<div class='alert-danger'>${message}</div>`) };
}

/** a setting as $CFG sees it: config.php wins over mdl_config ($CFG->config_php_settings) */
export function setting(cfg: Map<string, string>, db: MysqlServer | null, name: string): string | undefined {
  return cfg.get(name) ?? db?.data.config.get(name);
}

/** lib/setup.php up to the database connection, in its order; the Host check comes after (initialise_fullme) */
export function bootstrap(web: WebTier, vm: WebVm): Bootstrap {
  const fail = (status: number, reason: string, message: string): Bootstrap => ({ ok: false, reason, reply: earlyError(status, message) });
  const { code, cfg } = web.code(vm);
  const dirroot = web.world.settings.dirroot;
  // PHP as www-data must read config.php and version.php; a fatal error with display_errors off is an empty 500
  if (!code || !cfg || !web.readableBy(vm, `${dirroot}/config.php`, "www-data") || !web.readableBy(vm, `${dirroot}/version.php`, "www-data")) {
    return { ok: false, reason: "Moodle code or config.php unreadable", reply: { status: 500, headers: phpHeaders(), body: "" } };
  }
  const dataroot = web.dataroot(cfg);
  const real = tryResolve(web.world, vm, dataroot);
  if (real === null || !fs.existsSync(real)) {
    return fail(500, "dataroot not available (NFS)", "Fatal error: $CFG->dataroot is not configured properly, directory does not exist or is not accessible! Exiting.");
  }
  if (!web.world.access.may("www-data", real, "w")) {
    return fail(500, "dataroot not writable by www-data", "Fatal error: $CFG->dataroot is not writable, admin has to fix directory permissions! Exiting.");
  }
  const flag = web.readVmFile(vm, `${dataroot}/climaintenance.html`);
  if (flag !== null) return { ok: false, reason: "maintenance mode", reply: cliMaintenanceReply(web, flag) };
  const dbhost = cfg.get("dbhost") ?? "";
  const db = web.db.cluster.connect(vm, dbhost);
  if (!db) {
    return fail(500, `database ${dbhost} unreachable`, "Error: Database connection failed<br />It is possible that the database is overloaded or otherwise not running properly.");
  }
  return { ok: true, code, cfg, db };
}

/** is the upgrade a "major" one (the database older than 2024010400.00)? index.php and login/index.php then send everyone to admin/index.php */
export function majorUpgradeRequired(db: MysqlServer): boolean {
  return Number(db.data.config.get("version") ?? "0") < LAST_MAJOR_DB_CHANGES;
}

/** initialise_fullme(): a request whose Host is not wwwroot's is sent to the same path under wwwroot, before any session */
export function wrongHost(cfg: Map<string, string>, req: PageRequest): MoodleReply | null {
  const wwwroot = cfg.get("wwwroot") ?? "";
  let root: URL;
  try {
    root = new URL(`${wwwroot}/`);
  } catch {
    return null;
  }
  if (req.host === null || req.host === "") return null;
  const samePort = root.port === "" || Number(root.port) === req.port;
  if (req.host === root.hostname.replace(/^\[|\]$/g, "") && samePort) return null;
  const base = wwwroot.replace(/\/+$/, "");
  const rootPath = root.pathname;
  const rel = req.uri.startsWith(rootPath) ? req.uri.slice(rootPath.length - 1) : req.uri;
  return redirectReply(`${base}${rel}`);
}

/**
 * A page as Moodle 4.5 answers a visitor without a session cookie, after Apache handed it to PHP:
 * lib/setup.php (maintenance file, database, Host check, a new session, a due --enablelater),
 * then the script's own checks (major upgrade, maintenance_enabled, login).
 */
export function moodlePage(web: WebTier, vm: WebVm, req: PageRequest): MoodleReply {
  const boot = bootstrap(web, vm);
  if (!boot.ok) return boot.reply;
  const { cfg, db, code } = boot;
  const wrong = wrongHost(cfg, req);
  if (wrong) return wrong;
  const sid = web.sessions.create(vm, cfg, db, 0, req.ip);
  if (sid === null) return earlyError(500, "Error: Database connection failed");
  const cookie = sessionHeaders(sid);
  const base = (cfg.get("wwwroot") ?? "").replace(/\/+$/, "");
  if (web.maintenanceLaterDue(db)) {
    web.enableCliMaintenance(vm, cfg, db, "www-data");
    return { ...redirectReply(`${base}/`, cookie), sessionId: sid };
  }
  const pending = compareVersions(code.version, db.data.config.get("version") ?? "0");
  const withSession = (r: MoodleReply): MoodleReply => ({ ...r, sessionId: sid });
  const script = req.script;
  if ((script === "/index.php" || script === "/login/index.php") && pending > 0 && majorUpgradeRequired(db)) {
    return withSession(redirectReply(`${base}/${cfg.get("admin") ?? "admin"}/index.php`, cookie));
  }
  if (script === "/index.php") {
    if (isSet(setting(cfg, db, "maintenance_enabled"))) return withSession(maintenanceMessageReply(setting(cfg, db, "maintenance_message") ?? null, cookie));
    return withSession({ status: 200, headers: phpHeaders(cookie), body: themePage(SITE_NAME, "page-site-index", `<h1>${SITE_NAME}</h1>`) });
  }
  if (script === "/login/index.php") {
    const title = isSet(setting(cfg, db, "maintenance_enabled")) ? "Maintenance mode" : `${SITE_NAME}: Log in to the site`;
    return withSession({ status: 200, headers: phpHeaders(cookie), body: themePage(title, "page-login-index", '<form class="login-form" action="/login/index.php" method="post" id="login"></form>') });
  }
  if (script === `/${cfg.get("admin") ?? "admin"}/index.php`) {
    if (pending > 0) return withSession({ status: 200, headers: phpHeaders(cookie), body: themePage("Moodle upgrade", "page-admin-index", "<h2>Upgrading Moodle database</h2>") });
    if (pending < 0) return withSession(earlyError(500, "Database is not downgradeable"));
    return withSession(redirectReply(`${base}/login/index.php`, cookie));
  }
  return withSession({ status: 200, headers: phpHeaders(cookie), body: "" });
}
