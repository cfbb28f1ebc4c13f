import fs from "node:fs";
import path from "node:path";
import type { ExecContext, ExecResult, Tool } from "../../model/types";
import { fail, ok } from "../shared/exec";
import { tryResolve } from "../shared/files";
import { APACHE_BUILT, APACHE_VERSION } from "./apache";
import type { HttpOutcome } from "./http";
import { httpRequest } from "./http";
import { isWebVm } from "./nfs-client";
import type { WebTier } from "./web-tier";

const CURL_VALUE_OPTS = new Set(["-o", "--output", "-w", "--write-out", "-m", "--max-time", "-H", "--header", "--connect-timeout", "-X", "--request", "-A", "--user-agent", "-u", "--user", "-d", "--data", "--resolve"]);

interface CurlOpts {
  silent: boolean;
  showError: boolean;
  fail: boolean;
  head: boolean;
  include: boolean;
  output: string | null;
  writeOut: string | null;
  url: string | null;
}

function parseCurl(argv: string[]): CurlOpts {
  const o: CurlOpts = { silent: false, showError: false, fail: false, head: false, include: false, output: null, writeOut: null, url: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a.startsWith("--")) {
      const [name, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
      const value = (): string => inline ?? argv[++i] ?? "";
      if (name === "--silent") o.silent = true;
      else if (name === "--show-error") o.showError = true;
      else if (name === "--fail") o.fail = true;
      else if (name === "--head") o.head = true;
      else if (name === "--include") o.include = true;
      else if (name === "--output") o.output = value();
      else if (name === "--write-out") o.writeOut = value();
      else if (CURL_VALUE_OPTS.has(name)) value();
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const l = a[j] ?? "";
        if (CURL_VALUE_OPTS.has(`-${l}`)) {
          const v = a.slice(j + 1) || argv[++i] || "";
          if (l === "o") o.output = v;
          if (l === "w") o.writeOut = v;
          break;
        }
        if (l === "s") o.silent = true;
        else if (l === "S") o.showError = true;
        else if (l === "f") o.fail = true;
        else if (l === "I") o.head = true;
        else if (l === "i") o.include = true;
      }
      continue;
    }
    o.url = a;
  }
  return o;
}

function headerBlock(r: Extract<HttpOutcome, { ok: true }>): string {
  return `HTTP/1.1 ${r.status} ${r.reason}\r\n${r.headers.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
}

function parseUrl(raw: string): URL | null {
  try {
    return new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return null;
  }
}

function writeOut(fmt: string, r: HttpOutcome, url: string): string {
  const vars: Record<string, string> = {
    http_code: r.ok ? String(r.status) : "000",
    response_code: r.ok ? String(r.status) : "000",
    time_total: "0.004211",
    time_connect: "0.000312",
    size_download: r.ok ? String(Buffer.byteLength(r.body)) : "0",
    url_effective: url,
    remote_ip: r.ok ? r.remoteIp : "",
  };
  return fmt
    .replace(/%\{(\w+)\}/g, (_, k: string) => vars[k] ?? "")
    .replace(/\\n/g, "\n")
    .replace(/\\t/g, "\t")
    .replace(/\\r/g, "\r");
}

export function curlTool(web: WebTier): Tool {
  return {
    roles: "all",
    run(ctx: ExecContext): ExecResult {
      const o = parseCurl(ctx.argv.slice(1));
      if (!o.url) return fail("curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n", 2);
      const url = parseUrl(o.url);
      if (!url || url.protocol !== "http:") return fail(`curl: (1) Protocol "${url?.protocol.replace(":", "") ?? ""}" not supported\n`, 1);
      const r = httpRequest(web, ctx.vm, url, o.head);
      const wo = o.writeOut ? writeOut(o.writeOut, r, o.url) : "";
      const showErr = !o.silent || o.showError;
      if (!r.ok) return { stdout: wo, stderr: showErr ? `curl: (${r.code}) ${r.message}\n` : "", code: r.code };
      if (o.fail && r.status >= 400) {
        return { stdout: wo, stderr: showErr ? `curl: (22) The requested URL returned error: ${r.status}\n` : "", code: 22 };
      }
      const out = (o.head || o.include ? headerBlock(r) : "") + r.body;
      if (o.output && o.output !== "-") {
        if (o.output !== "/dev/null") {
          const real = tryResolve(ctx.world, ctx.vm, o.output.startsWith("/") ? o.output : `/root/${o.output}`);
          if (!real) return fail(`curl: (23) Failure writing output to destination\n`, 23);
          fs.mkdirSync(path.dirname(real), { recursive: true });
          fs.writeFileSync(real, out);
        }
        return ok(wo);
      }
      return ok(out + wo);
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
      const r = httpRequest(web, ctx.vm, url, spider);
      const log = `--${new Date(ctx.world.now()).toISOString().replace("T", " ").slice(0, 19)}--  ${url.href}\n`;
      if (!r.ok) {
        return fail(quiet ? "" : `${log}Connecting to ${url.host}:80... failed: Connection refused.\n`, 4);
      }
      const status = `HTTP request sent, awaiting response... ${r.status} ${r.reason}\n`;
      if (r.status >= 400) {
        return fail(quiet ? "" : `${log}Connecting to ${url.host}:80... connected.\n${status}${new Date(ctx.world.now()).toISOString().slice(0, 19).replace("T", " ")} ERROR ${r.status}: ${r.reason}.\n\n`, 8);
      }
      const stderr = quiet ? "" : `${log}Connecting to ${url.host}:80... connected.\n${status}`;
      if (spider) return ok("", stderr);
      if (output === "-") return ok(r.body, stderr);
      const target = output ?? (url.pathname.split("/").pop() || "index.html");
      if (target !== "/dev/null") {
        const real = tryResolve(ctx.world, ctx.vm, target.startsWith("/") ? target : `/root/${target}`);
        if (real) {
          fs.mkdirSync(path.dirname(real), { recursive: true });
          fs.writeFileSync(real, r.body);
        }
      }
      return ok("", stderr);
    },
  };
}

export function apachectlTool(web: WebTier): Tool {
  return {
    roles: ["web"],
    run(ctx: ExecContext): ExecResult {
      if (!isWebVm(ctx.vm)) return fail("apachectl: not installed\n", 127);
      const args = ctx.argv.slice(1);
      const cmd = args[0] === "-k" ? (args[1] ?? "") : (args[0] ?? "");
      const running = web.apacheUp(ctx.vm);
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
          ctx.world.setService(ctx.vm, "apache2", true);
          if (web.apacheUp(ctx.vm)) web.restarted(ctx.vm);
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
          return ok(`                       Apache Server Status for localhost (via 127.0.0.1)\n\n   Server Version: ${APACHE_VERSION}\n   Server MPM: event\n   Server Built: ${APACHE_BUILT}\n`);
        default:
          return fail(`Usage: /usr/sbin/apache2ctl start|stop|restart|graceful|graceful-stop|configtest|status|fullstatus|help\n`, 1);
      }
    },
  };
}
