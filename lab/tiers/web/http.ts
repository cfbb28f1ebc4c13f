import fs from "node:fs";
import type { SiteRequest, SiteResponse, VmName, WebVm } from "../../model/types";
import { findVm, isLoopback } from "../shared/exec";
import { tryResolve } from "../shared/files";
import { httpDate } from "../shared/time";
import { APACHE_VERSION, serverStatusAuto } from "./apache";
import { isWebVm } from "./nfs-client";
import type { WebTier } from "./web-tier";

export type HttpOutcome =
  | { ok: true; status: number; reason: string; headers: [string, string][]; body: string; remoteIp: string }
  | { ok: false; code: number; message: string };

const REASONS: Record<number, string> = {
  200: "OK",
  303: "See Other",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

function apacheError(status: number, host: string, text: string): string {
  const reason = REASONS[status] ?? "Error";
  return `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>${status} ${reason}</title>\n</head><body>\n<h1>${reason}</h1>\n<p>${text}</p>\n<hr>\n<address>${APACHE_VERSION} Server at ${host} Port 80</address>\n</body></html>\n`;
}

function moodlePage(title: string, content: string): string {
  return `<!DOCTYPE html>\n<html  dir="ltr" lang="en" xml:lang="en">\n<head>\n    <title>${title}</title>\n    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n</head>\n<body id="page-site-index" class="format-site course path-site dir-ltr lang-en">\n${content}\n</body>\n</html>\n`;
}

export function targetOf(web: WebTier, from: VmName, host: string): VmName | null {
  if (isLoopback(host)) return from;
  return findVm(web.world, host);
}

/** one HTTP request from `from` to `url` as Apache + Moodle on a web node would answer it */
export function httpRequest(web: WebTier, from: VmName, url: URL, head: boolean): HttpOutcome {
  const host = url.hostname;
  const port = url.port === "" ? 80 : Number(url.port);
  const target = targetOf(web, from, host);
  const refused = { ok: false as const, code: 7, message: `Failed to connect to ${host} port ${port} after 0 ms: Couldn't connect to server` };
  if (target === null) return refused;
  if (target !== from && !web.world.canReach(from, target)) {
    return { ok: false, code: 7, message: `Failed to connect to ${host} port ${port} after 3071 ms: Couldn't connect to server` };
  }
  if (!isWebVm(target) || port !== 80 || !web.apacheUp(target)) return refused;
  const node = web.nodes[target];
  node.apache.accesses += 1;
  node.apache.kbytes += 4;
  const remoteIp = isLoopback(host) ? "127.0.0.1" : web.world.vm(target).clusterAddress;
  const r = answer(web, target, url, target === from, host);
  return { ok: true, ...r, body: head ? "" : r.body, remoteIp };
}

/** a request from outside that LVS forwarded to `vm` (direct routing: the node answers for the VIP itself) */
export function siteRequest(web: WebTier, vm: WebVm, req: SiteRequest): SiteResponse | null {
  if (!web.apacheUp(vm)) return null;
  let url: URL;
  try {
    url = new URL(req.target.startsWith("/") ? req.target : `/${req.target}`, `http://${web.world.settings.vip}`);
  } catch {
    url = new URL("/", `http://${web.world.settings.vip}`);
  }
  const host = req.host.replace(/:\d+$/, "") || web.world.settings.vip;
  const r = answer(web, vm, url, false, host);
  web.record(web.nodes[vm], r.status, Math.max(1, Math.ceil(Buffer.byteLength(r.body) / 1024)));
  return r;
}

/** what Apache + Moodle on `vm` answer for `url`; `local`: the client is the node itself (mod_status allows only that) */
function answer(web: WebTier, vm: WebVm, url: URL, local: boolean, host: string): SiteResponse {
  const node = web.nodes[vm];
  const headers = (type: string): [string, string][] => [
    ["Date", httpDate(web.world.now())],
    ["Server", APACHE_VERSION],
    ["Content-Type", type],
  ];
  const respond = (status: number, body: string, type = "text/html; charset=utf-8"): SiteResponse => ({
    status,
    reason: REASONS[status] ?? "Error",
    headers: headers(type),
    body,
  });
  const pathname = url.pathname;
  if (pathname === "/server-status") {
    if (!local) return respond(403, apacheError(403, host, "You don't have permission to access this resource."), "text/html; charset=iso-8859-1");
    const auto = url.search.replace(/^\?/, "").split("&").includes("auto");
    const text = serverStatusAuto(web.world, vm, node.apache, host);
    return respond(200, auto ? text : `<html><head><title>Apache Status</title></head><body><pre>\n${text}</pre></body></html>\n`, auto ? "text/plain; charset=ISO-8859-1" : "text/html; charset=ISO-8859-1");
  }
  const dirroot = web.world.settings.dirroot;
  const rel = pathname.endsWith("/") ? `${pathname}index.php` : pathname;
  const real = tryResolve(web.world, vm, `${dirroot}${rel}`);
  if (real === null || !fs.existsSync(real) || !fs.statSync(real).isFile()) {
    return respond(404, apacheError(404, host, "The requested URL was not found on this server."), "text/html; charset=iso-8859-1");
  }
  if (!rel.endsWith(".php")) return respond(200, fs.readFileSync(real, "utf8"), "text/plain");
  const site = web.check(vm);
  if (site.status === 200) return respond(200, moodlePage("ClusterDeck Moodle", '<div id="page-wrapper"><h1>ClusterDeck Moodle</h1></div>'));
  if (site.reason === "maintenance mode") {
    const file = tryResolve(web.world, vm, `${web.dataroot(site.cfg ?? null)}/climaintenance.html`);
    const body = file !== null && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : moodlePage("Maintenance", "<p>This site is undergoing maintenance.</p>");
    return respond(503, body);
  }
  if (site.reason === "upgrade pending") {
    return respond(503, moodlePage("Site upgrade in progress", "<p>This site is being upgraded at the moment, please retry later.</p>"));
  }
  if (site.reason.startsWith("database")) {
    return respond(500, moodlePage("Error", "<p>Error: Database connection failed</p><p>It is possible that the database is overloaded or otherwise not running properly.</p>"));
  }
  return respond(500, moodlePage("Error", `<p>${site.reason}</p>`));
}
