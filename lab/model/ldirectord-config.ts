import type { Forward } from "./lvs";
import type { LabSettings } from "./types";

export interface LdReal {
  address: string;
  port: number;
  forward: Forward;
  weight: number;
  line: number;
}

export interface LdVirtual {
  address: string;
  port: number;
  protocol: "TCP" | "UDP";
  scheduler: string;
  /** seconds; null when the block has no persistent= line */
  persistent: number | null;
  reals: LdReal[];
  checktype: string;
  request: string;
  receive: string;
  service: string;
  /** the line of its virtual= */
  line: number;
}

/** the global settings, reset to ldirectord's defaults at every read (set_defaults) and set line by line */
export interface LdGlobals {
  autoreload: boolean;
  checkinterval: number;
  /** -1 = not set: ldirectord then uses 5 s */
  checktimeout: number;
  quiescent: boolean;
  logfile: string;
  cleanstop: boolean;
}

export interface LdConfigError {
  line: number;
  message: string;
}

/** what one read of ldirectord.cf gives: on an error, the globals as far as the read got and no usable virtuals */
export interface LdConfig {
  globals: LdGlobals;
  virtuals: LdVirtual[];
  error: LdConfigError | null;
  warnings: LdConfigError[];
}

export const LDIRECTORD_CF = "/etc/ha.d/ldirectord.cf";

export const LD_DEFAULTS: Readonly<LdGlobals> = { autoreload: false, checkinterval: 10, checktimeout: -1, quiescent: false, logfile: "/var/log/ldirectord.log", cleanstop: true };

/** the service names ldirectord resolves through /etc/services (Debian 12's netbase), with the protocol they are listed for */
const SERVICES: Readonly<Record<string, { port: number; udp: boolean; tcp: boolean }>> = {
  ftp: { port: 21, tcp: true, udp: false },
  ssh: { port: 22, tcp: true, udp: false },
  smtp: { port: 25, tcp: true, udp: false },
  domain: { port: 53, tcp: true, udp: true },
  http: { port: 80, tcp: true, udp: false },
  www: { port: 80, tcp: true, udp: false },
  pop3: { port: 110, tcp: true, udp: false },
  imap2: { port: 143, tcp: true, udp: false },
  imap: { port: 143, tcp: true, udp: false },
  ldap: { port: 389, tcp: true, udp: true },
  https: { port: 443, tcp: true, udp: true },
  submission: { port: 587, tcp: true, udp: false },
  ldaps: { port: 636, tcp: true, udp: true },
  imaps: { port: 993, tcp: true, udp: false },
  pop3s: { port: 995, tcp: true, udp: false },
  mysql: { port: 3306, tcp: true, udp: false },
  postgresql: { port: 5432, tcp: true, udp: false },
};

const CHECKTYPES = new Set(["connect", "negotiate", "ping", "off", "on", "external", "external-perl"]);
const SERVICE_CHECKS = new Set(["dns", "ftp", "http", "https", "http_proxy", "imap", "imaps", "ldap", "ldaps", "nntp", "mysql", "none", "oracle", "pop", "pops", "radius", "pgsql", "sip", "smtp", "submission", "simpletcp"]);
const FORWARDS: Readonly<Record<string, Forward>> = { gate: "Route", masq: "Masq", ipip: "Tunnel" };
/** ld_port_to_service: the check a virtual service gets from its port when it names none */
const PORT_SERVICE: Readonly<Record<number, string>> = { 21: "ftp", 25: "smtp", 53: "dns", 80: "http", 110: "pop", 119: "nntp", 143: "imap", 389: "ldap", 443: "https", 587: "submission", 636: "ldaps", 993: "imaps", 995: "pops", 1521: "oracle", 1812: "radius", 3128: "http_proxy", 3306: "mysql", 5060: "sip", 5432: "pgsql" };

/** the ldirectord.cf the lab installs: one virtual service per VIP port, direct routing to both web nodes */
export function ldirectordConfigText(settings: LabSettings, reals: readonly string[]): string {
  const blocks = settings.ports.flatMap((port) => [
    "",
    `# Moodle over ${port === 443 ? "HTTPS" : "HTTP"}, direct routing to the web nodes`,
    `virtual=${settings.vip}:${port}`,
    ...reals.map((r) => `\treal=${r}:${port} gate 1`),
    `\tservice=${port === 443 ? "https" : "http"}`,
    `\tscheduler=${settings.scheduler}`,
    `\tpersistent=${settings.persistenceSeconds}`,
    "\tprotocol=tcp",
    "\tchecktype=negotiate",
    `\tcheckport=${port}`,
    '\trequest="login/index.php"',
    '\treceive="Moodle"',
  ]);
  return ["# Global Directives", "checktimeout=3", "checkinterval=5", "autoreload=yes", 'logfile="/var/log/ldirectord.log"', "quiescent=yes", ...blocks, ""].join("\n");
}

class ConfigError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function port(name: string, protocol: "tcp" | "udp" | ""): number | null {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    return n >= 0 && n < 65536 ? n : null;
  }
  const s = SERVICES[name];
  if (!s) return null;
  if (protocol === "udp" ? !s.udp : protocol === "tcp" ? !s.tcp : false) return null;
  return s.port;
}

// Perl's `.` matches a carriage return, JavaScript's does not: `[^\n]` stands for Perl's `.` below,
// so a CRLF file fails as it does under ldirectord (`autoreload must be 'yes' or 'no'`).
/**
 * Read ldirectord.cf as ldirectord 4.12 (Debian 12, `Linux Director v1.186-ha`) does in read_config:
 * a virtual block is the lines after `virtual=` whose tabs-as-4-spaces indent is at least 4 spaces; a
 * comment line (`#` after blanks) is skipped anywhere; `#` ends a line inside a block but not outside;
 * the first line that is not indented ends the block and is read again as a global directive, so a blank
 * line or a 2-space indent followed by more indented lines is an `Unknown command` error. The first error
 * stops the read (ldirectord dies at start, keeps its old virtual services on a reload).
 */
export function parseLdirectordConfig(text: string, resolveHost: (name: string) => string | null = () => null): LdConfig {
  const globals: LdGlobals = { ...LD_DEFAULTS };
  const virtuals: LdVirtual[] = [];
  const warnings: LdConfigError[] = [];
  const raw = text.split("\n");
  if (raw[raw.length - 1] === "") raw.pop();
  const hadNewline = (i: number): boolean => i < raw.length - 1 || text.endsWith("\n");
  const lineAt = (i: number): string => raw[i] ?? "";
  const host = (name: string): string | null => (/^\d+\.\d+\.\d+\.\d+$/.test(name) ? name : resolveHost(name));
  const fail = (line: number, message: string): never => {
    throw new ConfigError(line, message);
  };
  try {
    const seen = new Set<string>();
    let i = 0;
    let pending: number | null = null;
    while (pending !== null || i < raw.length) {
      const idx: number = pending ?? i++;
      pending = null;
      const lineNo = idx + 1;
      const linedata = lineAt(idx);
      const nl = hadNewline(idx) ? "\n" : "";
      const virtual = /^virtual(6)?\s*=\s*([^\n]*)/.exec(linedata);
      if (virtual) {
        const v6 = virtual[1] !== undefined;
        const vattr = virtual[2] ?? "";
        let addrPort: [string, string] | null = null;
        // firewall marks and IPv6 services are read (and checked) like the rest, but the lab's LVS has neither
        let emulated = true;
        const m4 = v6 ? null : (/^(\d+\.\d+\.\d+\.\d+):([0-9A-Za-z_-]+)/.exec(vattr) ?? /^([0-9A-Za-z._+-]+):([0-9A-Za-z_-]+)/.exec(vattr));
        const m6 = /^\[([0-9A-Fa-f:]+)\]:([0-9A-Za-z_-]+)/.exec(vattr);
        if (m4) addrPort = [m4[1] ?? "", m4[2] ?? ""];
        else if (/^\d+/.test(vattr)) emulated = false;
        else if (m6 && !v6) fail(lineNo, 'cannot specify an IPv6 address here. please use "virtual6" instead.');
        else if (m6) emulated = false;
        else fail(lineNo, "invalid address for virtual server");
        const [vhost, vport] = addrPort ?? ["", ""];
        const v: LdVirtual = { address: "", port: 0, protocol: /^(53|domain)$/.test(vport) ? "UDP" : "TCP", scheduler: "wrr", persistent: null, reals: [], checktype: "negotiate", request: "/", receive: "", service: "", line: lineNo };
        const realsTodo: [string, number][] = [];
        let ended: number | null = null;
        for (; i < raw.length; i++) {
          const n = i + 1;
          const rawLine = lineAt(i);
          if (/^\s*#/.test(rawLine)) continue;
          const l = rawLine.replace(/#[^\n]*/, "").replace(/\t/g, "    ");
          const ind = /^ {4,}([^\n]+)/.exec(l);
          if (!ind) {
            ended = i++;
            break;
          }
          const rcmd = ind[1] ?? "";
          const arg = (re: RegExp): string | null => re.exec(rcmd)?.[1] ?? null;
          let a: string | null;
          if ((a = arg(/^real(?:6)?\s*=\s*([^\n]*)/)) !== null) {
            if (/^real6/.test(rcmd) !== v6) fail(n, v6 ? 'cannot specify "real" here.  please use "real6" instead' : 'cannot specify "real6" here.  please use "real" instead');
            realsTodo.push([a, n]);
          } else if ((a = arg(/^request\s*=\s*"([^\n]*)"/)) !== null) {
            if (a === "") fail(n, "no request string specified");
            v.request = a.startsWith("/") ? a : `/${a}`;
          } else if ((a = arg(/^receive\s*=\s*"([^\n]*)"/)) !== null) {
            if (a === "") fail(n, "invalid receive string");
            v.receive = a;
          } else if ((a = arg(/^checktype\s*=\s*([^\n]*)/)) !== null) {
            const word = /([\w-]+)/.exec(a)?.[1];
            if (/\d/.test(a)) v.checktype = "combined";
            else if (word && CHECKTYPES.has(word)) v.checktype = word;
            else fail(n, 'checktype must be "connect", "negotiate", "on", "off", "ping", "external", "external-perl" or a positive number');
          } else if ((a = arg(/^checktimeout\s*=\s*([^\n]*)/)) !== null) {
            if (!/[1-9]/.test(/(\d+)/.exec(a)?.[1] ?? "")) fail(n, "invalid check timeout");
          } else if ((a = arg(/^connecttimeout\s*=\s*([^\n]*)/)) !== null) {
            fail(n, "connecttimeout directive deprecated in favour of negotiatetimeout");
          } else if ((a = arg(/^(?:negotiatetimeout|checkcount|failurecount|checkinterval)\s*=\s*([^\n]*)/)) !== null) {
            if (!/[1-9]/.test(/(\d+)/.exec(a)?.[1] ?? "")) fail(n, `invalid ${nameBefore(rcmd).replace("negotiatetimeout", "negotiate timeout").replace("checkcount", "check count").replace("failurecount", "failure count")}`);
            if (rcmd.startsWith("checkcount")) warnings.push({ line: n, message: "checkcount option is deprecated and slated for removal.  please see 'failurecount'" });
          } else if ((a = arg(/^checkport\s*=\s*([^\n]*)/)) !== null) {
            const p = /(\d+)/.exec(a)?.[1];
            if (p === undefined) fail(n, "invalid port");
            if (!(Number(p) > 0 && Number(p) < 65536)) fail(n, "checkport must be in range 1..65536");
          } else if ((a = arg(/^(?:login|passwd|database|secret)\s*=\s*"([^\n]*)"/)) !== null) {
            if (a === "") fail(n, `invalid ${rcmd.startsWith("passwd") ? "password" : nameBefore(rcmd) + " string"}`);
          } else if ((a = arg(/^scheduler\s*=\s*([^\n]*)/)) !== null) {
            const s = /([a-z]+)/.exec(a)?.[1];
            if (!s) fail(n, "invalid scheduler, should be only lowercase letters (a-z)");
            v.scheduler = s ?? v.scheduler;
          } else if ((a = arg(/^persistent\s*=\s*([^\n]*)/)) !== null) {
            const p = /(\d+)/.exec(a)?.[1];
            if (p === undefined) fail(n, "invalid persistent timeout");
            v.persistent = Number(p);
          } else if ((a = arg(/^protocol\s*=\s*([^\n]*)/)) !== null) {
            const w = /(\w+)/.exec(a)?.[1];
            if (!w) fail(n, "invalid protocol");
            if (!addrPort && !v6 && w !== "fwm") fail(n, "protocol must be fwm if the virtual service is a fwmark (a number)");
            if ((addrPort || v6) && w !== "tcp" && w !== "udp") fail(n, "protocol must be tcp or udp if the virtual service is an address and port");
            v.protocol = w === "udp" ? "UDP" : "TCP";
          } else if ((a = arg(/^service\s*=\s*([^\n]*)/)) !== null) {
            const w = /(\w+)/.exec(a)?.[1];
            if (!w || !SERVICE_CHECKS.has(w)) fail(n, "service must be dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, mysql, nntp, none, oracle, pop, pops, radius, pgsql, simpletcp, sip, smtp or submission");
            v.service = w ?? "";
          } else if ((a = arg(/^(?:quiescent|cleanstop|ops)\s*=\s*([^\n]*)/)) !== null) {
            if (a !== "yes" && a !== "no") fail(n, `${nameBefore(rcmd)} must be 'yes' or 'no'`);
          } else if ((a = arg(/^httpmethod\s*=\s*([^\n]*)/)) !== null) {
            const w = (/(\w+)/.exec(a)?.[1] ?? "").toUpperCase();
            if (w !== "GET" && w !== "HEAD") fail(n, "httpmethod must be GET or HEAD");
          } else if (
            /^(?:checkcommand|load|schedflags|netmask|virtualhost|fallback|fallbackcommand|emailalert|emailalertfreq|emailalertstatus|monitorfile|smtp|servicename|comment)\s*=/.test(rcmd)
          ) {
            // accepted as ldirectord accepts them; the lab's checks do not use them
          } else fail(n, `Unknown command "${rawLine}${hadNewline(i) ? "\n" : ""}"`);
        }
        const endLine = ended === null ? raw.length : ended + 1;
        if (!emulated) {
          if (ended === null) break;
          pending = ended;
          continue;
        }
        const address = host(vhost);
        const vp = port(vport, v.protocol === "UDP" ? "udp" : "tcp");
        if (address === null || vp === null) fail(lineNo, "invalid address for virtual service");
        v.address = address ?? "";
        v.port = vp ?? 0;
        if (!v.service) v.service = PORT_SERVICE[v.port] ?? "none";
        for (const [str, n] of realsTodo) v.reals.push(realServer(str, n, v, host));
        const id = `${v.protocol}:${v.address}:${v.port}`;
        if (seen.has(id)) fail(endLine, "duplicate virtual server");
        seen.add(id);
        virtuals.push(v);
        if (ended === null) break;
        pending = ended;
        continue;
      }
      if (/^\s*$/.test(linedata) || /^\s*#/.test(linedata)) continue;
      const g = (re: RegExp): string | null => re.exec(linedata)?.[1] ?? null;
      let a: string | null;
      const positive = (x: string): boolean => /[1-9]/.test(/(\d+)/.exec(x)?.[1] ?? "");
      if ((a = g(/^checktimeout\s*=\s*([^\n]*)/)) !== null) {
        if (!positive(a)) fail(lineNo, "invalid check timeout value");
        globals.checktimeout = Number(/(\d+)/.exec(a)?.[1]);
      } else if (g(/^connecttimeout\s*=\s*([^\n]*)/) !== null) fail(lineNo, "connecttimeout directive deprecated in favour of negotiatetimeout");
      else if ((a = g(/^negotiatetimeout\s*=\s*([^\n]*)/)) !== null) {
        if (!positive(a)) fail(lineNo, "invalid negotiate timeout value");
      } else if ((a = g(/^checkinterval\s*=\s*([^\n]*)/)) !== null) {
        if (!positive(a)) fail(lineNo, "invalid check interval value");
        globals.checkinterval = Number(/(\d+)/.exec(a)?.[1]);
      } else if ((a = g(/^checkcount\s*=\s*([^\n]*)/)) !== null) {
        if (!positive(a)) fail(lineNo, "invalid check count value");
        warnings.push({ line: lineNo, message: "checkcount option is deprecated and slated for removal.  please see 'failurecount'" });
      } else if ((a = g(/^failurecount\s*=\s*([^\n]*)/)) !== null) {
        if (!positive(a)) fail(lineNo, "invalid failure count value");
      } else if ((a = g(/^autoreload\s*=\s*([^\n]*)/)) !== null) {
        if (a !== "yes" && a !== "no") fail(lineNo, "autoreload must be 'yes' or 'no'");
        globals.autoreload = a === "yes";
      } else if ((a = g(/^logfile\s*=\s*"([^\n]*)"/)) !== null) globals.logfile = a;
      else if ((a = g(/^(?:fork|quiescent|readdquiescent|cleanstop)\s*=\s*([^\n]*)/)) !== null) {
        const key = /^(\w+)/.exec(linedata)?.[1] ?? "";
        if (a !== "yes" && a !== "no") fail(lineNo, `${key} must be 'yes' or 'no'`);
        if (key === "quiescent") globals.quiescent = a === "yes";
        if (key === "cleanstop") globals.cleanstop = a === "yes";
      } else if ((a = g(/^supervised([^\n]*)/)) !== null) {
        if (!/^\s*=\s*(yes|no)$/.test(a) && !/^\s*$/.test(a)) fail(lineNo, "supervised must be 'yes' or 'no'");
      } else if (/^(?:fallback6?|fallbackcommand|callback|execute|emailalert|emailalertfreq|emailalertstatus|emailalertfrom|smtp|maintenancedir)\s*=/.test(linedata)) {
        // accepted; not modelled
      } else {
        if (/^timeout\s*=/.test(linedata)) fail(lineNo, "timeout directive deprecated in favour of checktimeout and negotiatetimeout");
        fail(lineNo, `Unknown command ${linedata}${nl} `);
      }
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { globals, virtuals: [], error: { line: e.line, message: e.message }, warnings };
  }
  return { globals, virtuals, error: null, warnings };
}

function realServer(str: string, line: number, v: LdVirtual, host: (name: string) => string | null): LdReal {
  const m = realAddress(str);
  if (!m) throw new ConfigError(line, "invalid address for real server (wrong format)");
  const address = host(m.host);
  if (address === null) throw new ConfigError(line, `invalid address (${m.host}) for real server (could not resolve host)`);
  const rport = port(m.port ?? "0", "");
  if (rport === null) throw new ConfigError(line, `invalid port (${m.port}) for real server (could not resolve port)`);
  const flags = /(\w+)([^\n]*)/.exec(m.rest);
  const forward = FORWARDS[flags?.[1] ?? ""];
  if (!flags || !forward) throw new ConfigError(line, "forward method must be gate, masq or ipip");
  let rest = flags[2] ?? "";
  let weight = 1;
  const w = weightAfterSpace(rest);
  if (w) {
    weight = Number(w.digits);
    rest = w.rest;
  }
  const afterStrings = requestReceiveRest(rest);
  if (afterStrings !== null) rest = afterStrings;
  if (/\S/.test(rest)) throw new ConfigError(line, `Invalid real server line, around "${rest}"`);
  return { address, port: rport || v.port, forward, weight, line };
}

// The Perl patterns of _ld_read_config_real_resolve and add_real_server, read in one pass each: as regular
// expressions they backtrack over a long run (a line of tabs after the method took minutes per megabyte).

/** JavaScript's \s (Perl's, for what a config file holds), without a regular expression per character */
const SPACES = new Set(["\t", "\n", "\v", "\f", "\r", " ", "\u00a0", "\u1680", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff"]);
const isSpace = (c: string | undefined): boolean => c !== undefined && (SPACES.has(c) || (c >= "\u2000" && c <= "\u200a"));
const isHostChar = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9.-]$/.test(c);
const isPortChar = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_-]$/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/** a directive's name: the line up to its `=`, the blanks before it dropped (Perl's substitution of blanks, `=` and the rest by nothing) */
function nameBefore(rcmd: string): string {
  const eq = rcmd.indexOf("=");
  return eq === -1 ? rcmd : rcmd.slice(0, eq).trimEnd();
}

/**
 * /(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+)(?::(\d+|[A-Za-z0-9_-]+))?\s+(.*)/: the first run of host characters
 * followed by whitespace, or by `:`, a port and whitespace. A match can only start at the start of a run
 * (one starting inside it ends where the run ends, and fails the same way), so each run is tried once.
 */
function realAddress(str: string): { host: string; port: string | null; rest: string } | null {
  let i = 0;
  while (i < str.length) {
    if (!isHostChar(str[i])) {
      i++;
      continue;
    }
    const start = i;
    while (isHostChar(str[i])) i++;
    let after = i;
    let portToken: string | null = null;
    if (str[i] === ":") {
      let j = i + 1;
      while (isPortChar(str[j])) j++;
      if (j > i + 1 && isSpace(str[j])) {
        portToken = str.slice(i + 1, j);
        after = j;
      }
    }
    if (isSpace(str[after])) {
      let r = after;
      while (isSpace(str[r])) r++;
      return { host: str.slice(start, i), port: portToken, rest: str.slice(r) };
    }
  }
  return null;
}

/** /\s+(\d+)(.*)/: the first digits that follow whitespace */
function weightAfterSpace(rest: string): { digits: string; rest: string } | null {
  for (let i = 0; i < rest.length; i++) {
    if (!isSpace(rest[i]) || isSpace(rest[i + 1]) || !isDigit(rest[i + 1])) continue;
    let j = i + 1;
    while (isDigit(rest[j])) j++;
    return { digits: rest.slice(i + 1, j), rest: rest.slice(j) };
  }
  return null;
}

/**
 * /\s+"(.*)"[, ]\s*"(.*)"(.*)/: what follows the line's last quote, when the request and receive strings are
 * there. Whether they are depends only on the first quote after whitespace: a `"` then `,` or a space,
 * whitespace, a `"`, and one more `"` after it; the first such closing quote leaves the most room for it.
 */
function requestReceiveRest(rest: string): string | null {
  let open = -1;
  for (let i = 1; i < rest.length; i++) {
    if (rest[i] === '"' && isSpace(rest[i - 1])) {
      open = i;
      break;
    }
  }
  if (open === -1) return null;
  const last = rest.lastIndexOf('"');
  for (let c = rest.indexOf('"', open + 1); c !== -1; c = rest.indexOf('"', c + 1)) {
    if (rest[c + 1] !== "," && rest[c + 1] !== " ") continue;
    let d = c + 2;
    while (isSpace(rest[d])) d++;
    if (rest[d] !== '"') continue;
    return last > d ? rest.slice(last + 1) : null;
  }
  return null;
}

/** ldirectord's error line: `Error [<pid>] reading file <file> at line <n>: <message>` */
export function configErrorText(pid: number, file: string, e: LdConfigError): string {
  return `Error [${pid}] reading file ${file} at line ${e.line}: ${e.message}`;
}
