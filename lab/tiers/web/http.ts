import fs from "node:fs";
import type { SiteRequest, SiteResponse, VmName, WebVm } from "../../model/types";
import { findVm, isLoopback } from "../shared/exec";
import { tryResolve } from "../shared/files";
import { httpDate } from "../shared/time";
import { APACHE_VERSION, serverStatusAuto } from "./apache";
import type { MoodleReply } from "./moodle-site";
import { moodlePage } from "./moodle-site";
import { isWebVm } from "./nfs-client";
import type { WebTier } from "./web-tier";

export type HttpOutcome =
  | { ok: true; status: number; reason: string; headers: [string, string][]; body: string; remoteIp: string; remotePort: number }
  | { ok: false; code: number; message: string };

export const REASONS: Record<number, string> = {
  200: "OK",
  301: "Moved Permanently",
  400: "Bad Request",
  302: "Found",
  303: "See Other",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** one HTTP request as a client on a VM sends it */
export interface HttpRequest {
  method: string;
  /** where the TCP connection goes (the URL's host, or what --resolve maps it to) */
  connectHost: string;
  port: number;
  /** path and query */
  target: string;
  /** the Host header as sent (curl: the URL's host[:port], or -H 'Host: ...') */
  hostHeader: string;
}

const ERROR_TEXT: Record<number, string> = {
  400: "<p>Your browser sent a request that this server could not understand.<br />\n</p>",
  403: "<p>You don't have permission to access this resource.</p>",
  404: "<p>The requested URL was not found on this server.</p>",
  503: "<p>The server is temporarily unable to service your\nrequest due to maintenance downtime or capacity\nproblems. Please try again later.</p>",
};

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Apache 2.4.71's own error page, with Debian's `ServerSignature On` (conf-available/security.conf) */
function apacheError(status: number, hostHeader: string): SiteResponse {
  const reason = REASONS[status] ?? "Error";
  const { name, port } = splitHost(hostHeader);
  const body = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n<html><head>\n<title>${status} ${reason}</title>\n</head><body>\n<h1>${reason}</h1>\n${ERROR_TEXT[status] ?? ""}\n<hr>\n<address>${APACHE_VERSION} Server at ${escapeHtml(name)} Port ${port}</address>\n</body></html>\n`;
  const headers: [string, string][] = [["Content-Type", "text/html; charset=iso-8859-1"]];
  if (status === 503 || status === 400) headers.unshift(["Connection", "close"]);
  return { status, reason, headers, body };
}

/** the Host header's name (as Apache prints it, no brackets or port) and port (80 when it names none) */
export function splitHost(hostHeader: string): { name: string; port: number } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostHeader.trim());
  return { name: (m?.[1] ?? "").replace(/^\[|\]$/g, ""), port: m?.[2] ? Number(m[2]) : 80 };
}

/** which VM a client on `from` reaches at `host`; a web node's own VIP is on its lo (LVS direct routing) */
export function targetOf(web: WebTier, from: VmName, host: string): VmName | null {
  if (isLoopback(host)) return from;
  if (host === web.world.settings.vip && isWebVm(from)) return from;
  return findVm(web.world, host);
}

/** one HTTP request from `from` as Apache on the target web node answers it */
export function httpRequest(web: WebTier, from: VmName, req: HttpRequest): HttpOutcome {
  const host = req.connectHost;
  const target = targetOf(web, from, host);
  const refused = { ok: false as const, code: 7, message: `Failed to connect to ${host} port ${req.port} after 0 ms: Couldn't connect to server` };
  if (target === null) return refused;
  if (target !== from && !web.world.canReach(from, target)) {
    return { ok: false, code: 7, message: `Failed to connect to ${host} port ${req.port} after 3071 ms: Couldn't connect to server` };
  }
  if (!isWebVm(target) || req.port !== 80 || !web.apacheUp(target)) return refused;
  const remoteIp = isLoopback(host) ? "127.0.0.1" : host === web.world.settings.vip ? host : web.world.vm(target).clusterAddress;
  const r = answer(web, target, req, target === from, isLoopback(host) ? "127.0.0.1" : web.world.vm(from).clusterAddress);
  web.record(web.nodes[target], r.status, Math.max(1, Buffer.byteLength(r.body) / 1024));
  const headers: [string, string][] = [["Date", httpDate(web.world.now())], ["Server", APACHE_VERSION], ...r.headers];
  return { ok: true, status: r.status, reason: r.reason, headers, body: req.method === "HEAD" ? "" : r.body, remoteIp, remotePort: req.port };
}

/** a request from outside that LVS forwarded to `vm` (direct routing: the node answers for the VIP itself) */
export function siteRequest(web: WebTier, vm: WebVm, req: SiteRequest): SiteResponse | null {
  if (!web.apacheUp(vm)) return null;
  const target = req.target.startsWith("/") ? req.target : `/${req.target}`;
  const r = answer(web, vm, { method: req.method, connectHost: web.world.settings.vip, port: 80, target, hostHeader: req.host }, false, req.clientAddress);
  web.record(web.nodes[vm], r.status, Math.max(1, Buffer.byteLength(r.body) / 1024));
  return { ...r, headers: [["Date", httpDate(web.world.now())], ["Server", APACHE_VERSION], ...r.headers] };
}

function reply(r: MoodleReply): SiteResponse {
  return { status: r.status, reason: r.reason ?? REASONS[r.status] ?? "Unknown", headers: r.headers, body: r.body };
}

const TYPES: Record<string, string> = { ".txt": "text/plain", ".html": "text/html", ".css": "text/css", ".js": "application/javascript", ".json": "application/json" };

/**
 * What Apache on `vm` answers: mod_status for /server-status (`Require local`), mod_dir's 301 for
 * a folder without its slash, static files, and PHP through mod_php or php-fpm (503 from
 * mod_proxy_fcgi when php-fpm is down) into Moodle. `local`: the client is the node itself.
 */
function answer(web: WebTier, vm: WebVm, req: HttpRequest, local: boolean, clientIp: string): SiteResponse {
  const q = req.target.indexOf("?");
  let pathname: string;
  try {
    pathname = decodeURIComponent(q < 0 ? req.target : req.target.slice(0, q)).replace(/\/{2,}/g, "/");
  } catch {
    return apacheError(400, req.hostHeader);
  }
  const query = q < 0 ? "" : req.target.slice(q + 1);
  if (pathname === "/server-status") {
    if (!local) return apacheError(403, req.hostHeader);
    const text = serverStatusAuto(web.world, web.nodes[vm].apache, splitHost(req.hostHeader).name, web.mpm());
    const auto = query.split("&").includes("auto");
    const body = auto ? text : `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n<html><head>\n<title>Apache Status</title>\n</head><body>\n<h1>Apache Server Status for ${escapeHtml(splitHost(req.hostHeader).name)} (via ${clientIp})</h1>\n<pre>\n${text}</pre></body></html>\n`;
    return { status: 200, reason: "OK", headers: [["Content-Type", auto ? "text/plain; charset=ISO-8859-1" : "text/html; charset=ISO-8859-1"]], body };
  }
  const dirroot = web.world.settings.dirroot;
  const real = tryResolve(web.world, vm, `${dirroot}${pathname}`);
  const st = real === null ? null : statOrNull(real);
  if (st?.isDirectory() && !pathname.endsWith("/")) {
    const location = `http://${req.hostHeader}${pathname}/${query ? `?${query}` : ""}`;
    return { status: 301, reason: REASONS[301] ?? "", headers: [["Location", location], ["Content-Type", "text/html; charset=iso-8859-1"]], body: "" };
  }
  const script = st?.isDirectory() ? `${pathname}index.php` : pathname;
  const file = tryResolve(web.world, vm, `${dirroot}${script}`);
  if (file === null || !statOrNull(file)?.isFile()) return apacheError(404, req.hostHeader);
  if (!script.endsWith(".php")) {
    const ext = script.slice(script.lastIndexOf("."));
    return { status: 200, reason: "OK", headers: [["Content-Type", TYPES[ext] ?? "text/plain"]], body: fs.readFileSync(file, "utf8") };
  }
  if (web.phpHandler() === "php-fpm" && !web.world.serviceRunning(vm, "php8.2-fpm")) return apacheError(503, req.hostHeader);
  const { name } = splitHost(req.hostHeader);
  return reply(moodlePage(web, vm, { script, uri: req.target, host: req.hostHeader.trim() === "" ? null : name, ip: clientIp, port: 80 }));
}

function statOrNull(real: string): fs.Stats | null {
  try {
    return fs.statSync(real);
  } catch {
    return null;
  }
}
