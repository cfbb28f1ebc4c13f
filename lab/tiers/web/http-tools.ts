import fs from "node:fs";
import path from "node:path";
import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { userOf } from "../../shell/access";
import { fail, ok } from "../shared/exec";
import { tryResolve } from "../shared/files";
import { APACHE_BUILT, APACHE_VERSION } from "./apache";
import type { HttpOutcome } from "./http";
import { httpRequest } from "./http";
import { isWebVm } from "./nfs-client";
import type { WebTier } from "./web-tier";

/** curl 7.88.1's options that take a value (the ones a console or an operator may pass) */
const CURL_VALUE_OPTS = new Set([
  "-o", "--output", "-w", "--write-out", "-m", "--max-time", "-H", "--header", "--connect-timeout", "-X", "--request",
  "-A", "--user-agent", "-u", "--user", "-d", "--data", "--data-raw", "--resolve", "--max-redirs", "-b", "--cookie",
  "-c", "--cookie-jar", "-e", "--referer", "--retry", "--retry-delay", "--retry-max-time", "--interface", "-T", "--upload-file",
]);
const CURL_FLAGS = new Set([
  "-s", "--silent", "-S", "--show-error", "-f", "--fail", "-I", "--head", "-i", "--include", "-L", "--location",
  "-k", "--insecure", "-4", "--ipv4", "-6", "--ipv6", "-v", "--verbose", "-q", "--disable", "-N", "--no-buffer",
  "--compressed", "-g", "--globoff", "--http1.1", "--http1.0", "--no-keepalive", "-#", "--progress-bar", "--fail-with-body",
]);
const SHORT_FLAGS: Record<string, string> = { s: "--silent", S: "--show-error", f: "--fail", I: "--head", i: "--include", L: "--location", k: "--insecure", v: "--verbose", q: "--disable", N: "--no-buffer", g: "--globoff" };
const SHORT_VALUES: Record<string, string> = { o: "--output", w: "--write-out", m: "--max-time", H: "--header", X: "--request", A: "--user-agent", u: "--user", d: "--data", b: "--cookie", c: "--cookie-jar", e: "--referer", T: "--upload-file" };

interface CurlOpts {
  flags: Set<string>;
  output: string | null;
  writeOut: string | null;
  headers: string[];
  resolve: string[];
  maxRedirs: number;
  method: string | null;
  url: string | null;
}

function parseCurl(argv: string[]): CurlOpts | { error: string } {
  const o: CurlOpts = { flags: new Set(), output: null, writeOut: null, headers: [], resolve: [], maxRedirs: 50, method: null, url: null };
  const take = (name: string, value: string): string | null => {
    if (name === "--output") o.output = value;
    else if (name === "--write-out") o.writeOut = value;
    else if (name === "--header") o.headers.push(value);
    else if (name === "--resolve") o.resolve.push(value);
    else if (name === "--request") o.method = value;
    else if (name === "--max-redirs") {
      if (!/^-?\d+$/.test(value)) return "curl: (2) option --max-redirs: expected a proper numerical parameter";
      o.maxRedirs = Number(value);
    }
    return null;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a : a.slice(0, eq);
      if (CURL_FLAGS.has(name)) {
        o.flags.add(name);
        continue;
      }
      if (!CURL_VALUE_OPTS.has(name)) return { error: `curl: option ${a}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information` };
      const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (v === undefined) return { error: `curl: option ${name}: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information` };
      const e = take(name, v);
      if (e) return { error: e };
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const l = a[j] ?? "";
        const long = SHORT_VALUES[l];
        if (long) {
          const v = a.slice(j + 1) || argv[++i];
          if (v === undefined) return { error: `curl: option -${l}: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information` };
          const e = take(long, v);
          if (e) return { error: e };
          break;
        }
        const flag = SHORT_FLAGS[l];
        if (!flag) return { error: `curl: option -${l}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information` };
        o.flags.add(flag);
      }
      continue;
    }
    o.url = a;
  }
  return o;
}

function parseUrl(raw: string): URL | null {
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return null;
  }
}

/** --resolve HOST:PORT:ADDR[,ADDR...] entries (a leading + or - as curl 7.88 reads them) */
function resolveMap(entries: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of entries) {
    const m = /^([+-]?)(\[[^\]]+\]|[^:]+):(\d+)(?::(.*))?$/.exec(e);
    if (!m || m[2] === undefined || m[3] === undefined) continue;
    const key = `${m[2].replace(/^\[|\]$/g, "").toLowerCase()}:${m[3]}`;
    if (m[1] === "-") map.delete(key);
    else if (m[4]) map.set(key, (m[4].split(",")[0] ?? "").replace(/^\[|\]$/g, ""));
  }
  return map;
}

interface Transfer {
  last: HttpOutcome | null;
  url: string;
  redirects: number;
  error: { code: number; message: string } | null;
}

function headerBlock(r: Extract<HttpOutcome, { ok: true }>, bodyBytes: number): string {
  const framing: [string, string][] = r.headers.some(([k]) => k.toLowerCase() === "content-length") ? [] : [["Content-Length", String(bodyBytes)]];
  const all = [...r.headers.filter(([k]) => k !== "Content-Type"), ...framing, ...r.headers.filter(([k]) => k === "Content-Type")];
  return `HTTP/1.1 ${r.status} ${r.reason}\r\n${all.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
}

function location(r: HttpOutcome): string | null {
  if (!r.ok || r.status < 300 || r.status > 399) return null;
  return r.headers.find(([k]) => k.toLowerCase() === "location")?.[1] ?? null;
}

/** curl's -w variables, after the transfer (https://curl.se/docs/manpage.html#-w) */
function writeOut(fmt: string, t: Transfer, size: number, exit: number): string {
  const r = t.last;
  const okr = r?.ok ? r : null;
  const redirect = !okr ? null : location(okr);
  const vars: Record<string, string> = {
    http_code: okr ? String(okr.status).padStart(3, "0") : "000",
    response_code: okr ? String(okr.status).padStart(3, "0") : "000",
    num_redirects: String(t.redirects),
    redirect_url: redirect === null ? "" : new URL(redirect, t.url).href,
    url_effective: t.url,
    remote_ip: okr ? okr.remoteIp : "",
    remote_port: okr ? String(okr.remotePort) : "",
    content_type: okr?.headers.find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "",
    size_download: String(size),
    size_header: okr ? String(headerBlock(okr, size).length) : "0",
    http_version: okr ? "1.1" : "0",
    scheme: "HTTP",
    exitcode: String(exit),
    errormsg: t.error?.message ?? "",
    time_total: "0.004211",
    time_connect: "0.000312",
    time_starttransfer: "0.004102",
    time_namelookup: "0.000021",
  };
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i] as string;
    if (c === "%" && fmt[i + 1] === "{") {
      const end = fmt.indexOf("}", i + 2);
      if (end > 0) {
        out += vars[fmt.slice(i + 2, end)] ?? "";
        i = end;
        continue;
      }
    }
    if (c === "%" && fmt[i + 1] === "%") {
      out += "%";
      i++;
      continue;
    }
    if (c === "\\" && i + 1 < fmt.length) {
      const n = fmt[i + 1];
      out += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n === "\\" ? "\\" : `\\${n}`;
      i++;
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * curl 7.88.1 as Debian 12 ships it, for HTTP: --resolve and -H Host: choose where to connect and
 * which Host Moodle sees; without -L a 303 is the answer (exit 0); -L follows up to --max-redirs
 * (default 50), then `(47) Maximum (N) redirects followed`; -f fails on 400 and above (22).
 */
export function curlTool(web: WebTier): Tool {
  return {
    roles: "all",
    run(ctx: ExecContext): ExecResult {
      const parsed = parseCurl(ctx.argv.slice(1));
      if ("error" in parsed) return fail(`${parsed.error}\n`, 2);
      const o = parsed;
      if (!o.url) return fail("curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n", 2);
      const showErr = !o.flags.has("--silent") || o.flags.has("--show-error");
      const head = o.flags.has("--head");
      const resolve = resolveMap(o.resolve);
      const hostOverride = o.headers.map((h) => /^\s*host\s*:\s*(.*)$/i.exec(h)?.[1]).find((h) => h !== undefined);
      let url = parseUrl(o.url);
      if (!url || url.protocol !== "http:") {
        const scheme = url?.protocol.replace(":", "") ?? o.url.replace(/:\/\/.*$/, "");
        return fail(showErr ? `curl: (1) Protocol "${scheme}" not supported or disabled in libcurl\n` : "", 1);
      }
      const t: Transfer = { last: null, url: url.href, redirects: 0, error: null };
      let method = o.method ?? (head ? "HEAD" : "GET");
      let headerText = "";
      for (;;) {
        const port = url.port === "" ? 80 : Number(url.port);
        const name = url.hostname.replace(/^\[|\]$/g, "");
        const r = httpRequest(web, ctx.vm, {
          method,
          connectHost: resolve.get(`${name.toLowerCase()}:${port}`) ?? name,
          port,
          target: `${url.pathname}${url.search}`,
          hostHeader: t.redirects === 0 && hostOverride !== undefined ? hostOverride : url.host,
        });
        if (!r.ok) {
          t.error = { code: r.code, message: r.message };
          break;
        }
        t.last = r;
        if (head || o.flags.has("--include")) headerText += headerBlock(r, Buffer.byteLength(r.body));
        const next = location(r);
        if (!o.flags.has("--location") || next === null) break;
        if (o.maxRedirs >= 0 && t.redirects >= o.maxRedirs) {
          t.error = { code: 47, message: `Maximum (${o.maxRedirs}) redirects followed` };
          break;
        }
        const target = parseUrl(new URL(next, url).href);
        if (!target) break;
        url = target;
        t.url = url.href;
        t.redirects += 1;
        // curl switches to GET after a 303 (and after 301/302 for a POST)
        if (r.status === 303 && method !== "HEAD") method = "GET";
      }
      const last = t.last;
      if (!t.error && last?.ok && o.flags.has("--fail") && last.status >= 400) {
        t.error = { code: 22, message: `The requested URL returned error: ${last.status}` };
      }
      const body = last?.ok && !(t.error?.code === 22 && !o.flags.has("--fail-with-body")) ? headerText + (head ? "" : last.body) : "";
      const exit = t.error?.code ?? 0;
      const wo = o.writeOut ? writeOut(o.writeOut, t, last?.ok && !head ? Buffer.byteLength(last.body) : 0, exit) : "";
      const err = t.error && showErr ? `curl: (${t.error.code}) ${t.error.message}\n` : "";
      if (o.output !== null && o.output !== "-") {
        if (o.output !== "/dev/null" && (t.last !== null || t.error === null)) {
          const file = o.output.startsWith("/") ? o.output : path.posix.join(ctx.cwd ?? "/", o.output);
          const real = tryResolve(ctx.world, ctx.vm, file);
          const dir = real === null ? null : path.dirname(real);
          const exists = real !== null && fs.existsSync(real);
          const allowed = real !== null && dir !== null && fs.existsSync(dir) && (exists ? ctx.world.access.may(userOf(ctx), real, "w") : ctx.world.access.mayChange(userOf(ctx), dir));
          if (!allowed || real === null) return { stdout: wo, stderr: showErr ? "curl: (23) Failure writing output to destination\n" : "", code: 23 };
          fs.writeFileSync(real, body);
          if (!exists) ctx.world.access.created(real, userOf(ctx));
        }
        return { stdout: wo, stderr: err, code: exit };
      }
      return { stdout: body + wo, stderr: err, code: exit };
    },
  };
}

export function wgetTool(web: WebTier): Tool {
  return {
    roles: "all",
    run(ctx: ExecContext): ExecResult {
      const args = ctx.argv.slice(1);
      let quiet = false;
      let output: string | null = null;
      let spider = false;
      let raw: string | null = null;
      for (let i = 0; i < args.length; i++) {
        const a = args[i] ?? "";
        if (a === "-q" || a === "--quiet") quiet = true;
        else if (a === "--spider") spider = true;
        else if (a === "-O" || a === "--output-document") output = args[++i] ?? "-";
        else if (a.startsWith("--output-document=")) output = a.slice(18);
        else if (/^-q?O/.test(a)) {
          quiet = quiet || a.includes("q");
          output = a.replace(/^-q?O/, "") || args[++i] || "-";
        } else if (!a.startsWith("-")) raw = a;
      }
      if (!raw) return fail("wget: missing URL\nUsage: wget [OPTION]... [URL]...\n", 1);
      const url = parseUrl(raw);
      if (!url) return fail(`${raw}: Invalid URL\n`, 1);
      const port = url.port === "" ? 80 : Number(url.port);
      const r = httpRequest(web, ctx.vm, { method: spider ? "HEAD" : "GET", connectHost: url.hostname, port, target: `${url.pathname}${url.search}`, hostHeader: url.host });
      const log = `--${new Date(ctx.world.now()).toISOString().replace("T", " ").slice(0, 19)}--  ${url.href}\n`;
      if (!r.ok) {
        return fail(quiet ? "" : `${log}Connecting to ${url.host}:${port}... failed: Connection refused.\n`, 4);
      }
      const status = `HTTP request sent, awaiting response... ${r.status} ${r.reason}\n`;
      if (r.status >= 400) {
        return fail(quiet ? "" : `${log}Connecting to ${url.host}:${port}... connected.\n${status}${new Date(ctx.world.now()).toISOString().slice(0, 19).replace("T", " ")} ERROR ${r.status}: ${r.reason}.\n\n`, 8);
      }
      const stderr = quiet ? "" : `${log}Connecting to ${url.host}:${port}... connected.\n${status}`;
      if (spider) return ok("", stderr);
      if (output === "-") return ok(r.body, stderr);
      const target = output ?? (url.pathname.split("/").pop() || "index.html");
      if (target !== "/dev/null") {
        const real = tryResolve(ctx.world, ctx.vm, target.startsWith("/") ? target : path.posix.join(ctx.cwd ?? "/", target));
        if (real) {
          fs.mkdirSync(path.dirname(real), { recursive: true });
          fs.writeFileSync(real, r.body);
        }
      }
      return ok("", stderr);
    },
  };
}

/**
 * Debian's apache2ctl: `graceful` and `restart` signal the running server (-k graceful, -k restart:
 * a new generation), `start`/`stop` start or stop it; under mod_php a graceful empties the OPcache.
 */
export function apachectlTool(web: WebTier): Tool {
  return {
    roles: ["web"],
    run(ctx: ExecContext): ExecResult {
      if (!isWebVm(ctx.vm)) return fail("apachectl: not installed\n", 127);
      const args = ctx.argv.slice(1);
      const cmd = args[0] === "-k" ? (args[1] ?? "") : (args[0] ?? "");
      const running = web.apacheUp(ctx.vm);
      const root = ctx.world.access.account(userOf(ctx)).uid === 0;
      const mutating = ["graceful", "reload", "restart", "start", "stop", "graceful-stop"].includes(cmd);
      // a user cannot signal root's Apache, so apache2ctl thinks it is down and fails to bind port 80 (seen as nobody on Debian 12)
      if (mutating && !root) {
        return {
          stdout: `httpd not running, trying to start\nAction '${cmd}' failed.\nThe Apache error log may have more information.\n`,
          stderr: "(13)Permission denied: AH00072: make_sock: could not bind to address [::]:80\n(13)Permission denied: AH00072: make_sock: could not bind to address 0.0.0.0:80\nno listening sockets available, shutting down\nAH00015: Unable to open logs\n",
          code: 1,
        };
      }
      switch (cmd) {
        case "configtest":
        case "-t":
          return ok("", "Syntax OK\n");
        case "-v":
          return ok(`Server version: ${APACHE_VERSION}\nServer built:   ${APACHE_BUILT}\n`);
        case "graceful":
        case "reload":
          if (running) web.graceful(ctx.vm);
          else ctx.world.setService(ctx.vm, "apache2", true);
          return ok();
        case "restart":
          if (running) web.hupRestarted(ctx.vm);
          else ctx.world.setService(ctx.vm, "apache2", true);
          return ok();
        case "start":
          if (running) return ok("", "httpd (pid 1234) already running\n");
          ctx.world.setService(ctx.vm, "apache2", true);
          return ok();
        case "stop":
        case "graceful-stop":
          ctx.world.setService(ctx.vm, "apache2", false);
          return ok();
        case "status":
        case "fullstatus":
          if (!running) return fail("Looks like Apache is not running.\n", 1);
          return ok(`                       Apache Server Status for localhost (via 127.0.0.1)\n\n   Server Version: ${APACHE_VERSION}\n   Server MPM: ${web.mpm()}\n   Server Built: ${APACHE_BUILT}\n`);
        default:
          return fail(`Usage: /usr/sbin/apache2ctl start|stop|restart|graceful|graceful-stop|configtest|status|fullstatus|help\n`, 1);
      }
    },
  };
}
