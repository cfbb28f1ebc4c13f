import { MAX_LINE, Unread, type UnreadLine } from "@/lib/probes/partial";
import { cannotRead, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

/**
 * ldirectord.cf read the way ldirectord 4.12 (Debian 12) reads it: sub read_config in /usr/sbin/ldirectord.
 * What it accepts and refuses is checked against the real script (test/conformance/balancer-ldirectord.conf.test.ts):
 * - `virtual=` starts a block at column 0; a block line is indented by a tab or at least four spaces (tabs count
 *   four); the first other line ends the block. A blank line or a two-space indent inside a block therefore ends
 *   it, and the indented lines after it are refused ("Unknown command").
 * - Inside a block, lines starting with `#` are skipped and anything after a `#` is dropped; at the top level
 *   the value runs to the end of the line, so `quiescent=yes # note` is refused there.
 * - `real=` needs a forwarding method (gate, masq or ipip); the weight defaults to 1.
 * - A port may be a service name, resolved through /etc/services (`virtual=VIP:http` is port 80).
 * ldirectord stops at the first error and refuses the whole file; the reader goes on, to show what it can.
 */

export type LdirectordMethod = "gate" | "masq" | "ipip";

export interface LdirectordReal {
  /** address or host name as written; a range (10.0.0.2->10.0.0.7) keeps its first address here */
  address: string;
  /** the end of a range, when the line gives one */
  rangeEnd: string | null;
  /** null when absent (the virtual service's port is used) or when a service name is unknown */
  port: number | null;
  method: LdirectordMethod;
  /** ldirectord's default weight is 1 */
  weight: number;
  /** the weight line did not write one */
  weightDefault: boolean;
  /** per-real-server check request/receive strings, when given */
  request: string | null;
  receive: string | null;
  ipv6: boolean;
  /** ClusterDeck's drain mark in the line's comment: the weight undrain puts back ("default": none was written) */
  drainedFrom: number | "default" | null;
  /** where the line is, as written */
  source: { line: number; text: string };
}

export interface LdirectordVirtual {
  /** the value as written after virtual= (up to the first space) */
  virtual: string;
  address: string | null;
  /** resolved port; null for a firewall mark or an unknown service name */
  port: number | null;
  fwmark: number | null;
  ipv6: boolean;
  /** tcp, udp or fwm; ldirectord's default is tcp (udp for port 53) */
  protocol: string;
  /** ldirectord's default is wrr */
  scheduler: string;
  /** persistence timeout in seconds; null when not persistent */
  persistent: number | null;
  netmask: string | null;
  checktype: string;
  checkport: number | null;
  service: string | null;
  request: string | null;
  receive: string | null;
  /** per-virtual override of the global setting, null when not set here */
  quiescent: boolean | null;
  fallback: string | null;
  reals: LdirectordReal[];
  /** every directive in the block as written (last one wins, as in ldirectord); passwd and secret hidden */
  options: Record<string, string>;
  line: number;
}

export interface LdirectordConfig {
  global: Record<string, string>;
  /** quiescent=yes keeps a failed real server in the table with weight 0; null = not set (ldirectord: no) */
  quiescent: boolean | null;
  /** ldirectord rereads the file when it changes (autoreload=yes); otherwise only on reload or restart */
  autoreload: boolean | null;
  checkinterval: number | null;
  checktimeout: number | null;
  fallback: string | null;
  virtuals: LdirectordVirtual[];
  /** the first line ldirectord refuses: it would not start or reload with this file */
  refusedAt: UnreadLine | null;
  /** lines the console could not read, and refused lines after the first (ldirectord stops there) */
  unread: UnreadLine[];
}

export interface LdirectordConfigParams {
  /** path of ldirectord.cf (from the inventory) */
  path: string;
}

/** Service names ldirectord may meet in ports, from Debian 12's /etc/services (netbase 6.4), tcp, with aliases. */
const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, mail: 25, domain: 53, http: 80, www: 80, pop3: 110, "pop-3": 110,
  nntp: 119, readnews: 119, untp: 119, imap2: 143, imap: 143, ldap: 389, https: 443, submission: 587, ldaps: 636,
  imaps: 993, pop3s: 995, radius: 1812, mysql: 3306, sip: 5060, postgresql: 5432, postgres: 5432, redis: 6379,
  "http-alt": 8080, webcache: 8080,
};

/** ld_port_to_service: the check ldirectord picks from the virtual port when service= is absent */
const PORT_SERVICE: Record<number, string> = {
  21: "ftp", 25: "smtp", 53: "dns", 80: "http", 110: "pop", 119: "nntp", 143: "imap", 389: "ldap", 443: "https",
  587: "submission", 636: "ldaps", 995: "pops", 993: "imaps", 1521: "oracle", 1812: "radius", 3128: "http_proxy",
  3306: "mysql", 5060: "sip", 5432: "pgsql",
};

const CHECK_SERVICES: readonly string[] = [
  "dns", "ftp", "http", "https", "http_proxy", "imap", "imaps", "ldap", "ldaps", "nntp", "mysql", "none", "oracle",
  "pop", "pops", "radius", "pgsql", "sip", "smtp", "submission", "simpletcp",
];
const CHECK_TYPES: readonly string[] = ["connect", "negotiate", "ping", "off", "on", "external", "external-perl"];
const SECRET_KEYS: readonly string[] = ["passwd", "secret"];
const GLOBAL_KEYS: readonly string[] = [
  "checktimeout", "connecttimeout", "negotiatetimeout", "checkinterval", "checkcount", "failurecount", "fallback", "fallback6",
  "fallbackcommand", "autoreload", "callback", "logfile", "execute", "fork", "supervised", "quiescent", "readdquiescent",
  "emailalert", "emailalertfreq", "emailalertstatus", "emailalertfrom", "cleanstop", "smtp", "maintenancedir", "timeout",
];
const DRAIN_MARK = /#clusterdeck-drained-weight=(\d+|default)\s*$/;

class Refused extends Error {}

function refuse(reason: string): never {
  throw new Refused(reason);
}

/** A port number, or a service name ldirectord resolves through /etc/services; undefined when the name is unknown. */
function portOf(token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token) < 65536 ? Number(token) : undefined;
  return SERVICES[token];
}

/** The first run of characters in `set` (Perl's unanchored /([set]+)/), or null. */
function firstRun(value: string, set: RegExp): string | null {
  let start = -1;
  for (let i = 0; i < value.length; i++) {
    const inSet = set.test(value[i] ?? "");
    if (inSet && start === -1) start = i;
    if (!inSet && start !== -1) return value.slice(start, i);
  }
  return start === -1 ? null : value.slice(start);
}

/** `key = value` at the start of `text` (Perl's /^key\s*=\s*(.*)/), or null. */
function directive(text: string): { key: string; value: string } | null {
  let i = 0;
  while (i < text.length && /[A-Za-z0-9_]/.test(text[i] ?? "")) i++;
  if (i === 0) return null;
  const key = text.slice(0, i);
  while (i < text.length && /\s/.test(text[i] ?? "")) i++;
  if (text[i] !== "=") return null;
  i++;
  while (i < text.length && /\s/.test(text[i] ?? "")) i++;
  return { key, value: text.slice(i) };
}

/** `"..."`: the text between the first and the last double quote of a value that starts with one */
function quoted(value: string): string | null {
  if (!value.startsWith('"')) return null;
  const last = value.lastIndexOf('"');
  return last > 0 ? value.slice(1, last) : null;
}

function needNumber(value: string, what: string): number {
  const digits = firstRun(value, /\d/);
  if (digits === null || Number(digits) === 0) refuse(`invalid ${what}`);
  return Number(digits);
}

function yesNo(value: string, what: string): boolean {
  if (value === "yes") return true;
  if (value === "no") return false;
  return refuse(`${what} must be 'yes' or 'no'`);
}

interface RealParts {
  address: string;
  rangeEnd: string | null;
  portToken: string | null;
  flags: string;
}

const HOST = /^(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])/;

/** address[->address][:port] then whitespace and the flags: the common forms of the Perl pattern, read linearly */
function realParts(value: string): RealParts {
  const space = value.search(/\s/);
  if (space <= 0) refuse("invalid address for real server (wrong format)");
  const token = value.slice(0, space);
  const flags = value.slice(space).trimStart();
  const host = HOST.exec(token) ?? refuse("invalid address for real server (wrong format)");
  let rest = token.slice(host[0].length);
  let rangeEnd: string | null = null;
  if (rest.startsWith("->")) {
    const end = HOST.exec(rest.slice(2)) ?? refuse("invalid address for real server (wrong format)");
    rangeEnd = end[0];
    rest = rest.slice(2 + end[0].length);
  }
  let portToken: string | null = null;
  if (rest.startsWith(":")) {
    portToken = rest.slice(1);
    if (!/^[A-Za-z0-9_-]+$/.test(portToken)) refuse("invalid address for real server (wrong format)");
    rest = "";
  }
  if (rest !== "") refuse("invalid address for real server (wrong format)");
  return { address: host[0].replace(/^\[|\]$/g, ""), rangeEnd, portToken, flags };
}

/** add_real_server: method, then an optional weight, request/receive strings and thresholds */
function realFlags(flags: string): Pick<LdirectordReal, "method" | "weight" | "weightDefault" | "request" | "receive"> {
  const word = firstRun(flags, /\w/);
  if (word !== "gate" && word !== "masq" && word !== "ipip") refuse("forward method must be gate, masq or ipip");
  let rest = flags.slice(flags.indexOf(word) + word.length);
  let weight = 1;
  let weightDefault = true;
  // Perl's /\s+(\d+)(.*)/: the first digits after whitespace
  for (let i = 0; i < rest.length - 1; i++) {
    if (/\s/.test(rest[i] ?? "") && /\d/.test(rest[i + 1] ?? "")) {
      const digits = /^\d+/.exec(rest.slice(i + 1))?.[0] ?? "";
      weight = Number(digits);
      weightDefault = false;
      rest = rest.slice(i + 1 + digits.length);
      break;
    }
  }
  let request: string | null = null;
  let receive: string | null = null;
  const strings = requestReceive(rest);
  if (strings) ({ request, receive, rest } = strings);
  rest = rest.replace(/^\s+l:\d+/, "").replace(/^\s+u:\d+/, "");
  if (/\S/.test(rest)) refuse(`Invalid real server line, around "${rest.trim().slice(0, 60)}"`);
  return { method: word, weight, weightDefault, request, receive };
}

/**
 * Perl's /\s+"(.*)"[, ]\s*"(.*)"(.*)/ from the first quote after whitespace: the request runs to the last
 * `"` that is followed by `,` or a space, spaces and another `"`; the receive string to the line's last `"`.
 */
function requestReceive(flags: string): { request: string; receive: string; rest: string } | null {
  const open = flags.search(/\s"/);
  if (open === -1) return null;
  const body = flags.slice(open + 1);
  const last = body.lastIndexOf('"');
  const nextNonSpace: number[] = new Array<number>(body.length + 1).fill(body.length);
  for (let i = body.length - 1; i >= 0; i--) nextNonSpace[i] = /\s/.test(body[i] ?? "") ? (nextNonSpace[i + 1] ?? body.length) : i;
  for (let c = last - 1; c >= 1; c--) {
    if (body[c] !== '"' || (body[c + 1] !== "," && body[c + 1] !== " ")) continue;
    const o = nextNonSpace[c + 2] ?? body.length;
    if (body[o] !== '"' || o >= last) continue;
    const request = body.slice(1, c);
    return { request: request.startsWith("/") ? request : `/${request}`, receive: body.slice(o + 1, last), rest: body.slice(last + 1) };
  }
  return null;
}

interface Block {
  vattr: string;
  line: number;
  ipv6: boolean;
  address: string | null;
  portToken: string | null;
  fwmark: number | null;
  options: Map<string, string>;
  values: Map<string, string>;
  realTodo: { value: string; line: number; raw: string }[];
}

/** virtual= value: address:port (name or number), a host name, a firewall mark, or [IPv6]:port for virtual6 */
function openBlock(vattr: string, ipv6: boolean, line: number): Block {
  const base = { vattr, line, ipv6, options: new Map<string, string>(), values: new Map<string, string>(), realTodo: [] };
  const v4 = /^(\d+\.\d+\.\d+\.\d+):([0-9A-Za-z_-]+)/.exec(vattr);
  if (v4 && !ipv6) return { ...base, address: v4[1] ?? null, portToken: v4[2] ?? null, fwmark: null };
  const named = /^([0-9A-Za-z._+-]+):([0-9A-Za-z_-]+)/.exec(vattr);
  if (named) return { ...base, address: named[1] ?? null, portToken: named[2] ?? null, fwmark: null };
  const mark = /^(\d+)/.exec(vattr);
  if (mark) return { ...base, address: null, portToken: null, fwmark: Number(mark[1]) };
  const v6 = /^\[([0-9A-Fa-f:]+)\]:([0-9A-Za-z_-]+)/.exec(vattr);
  if (v6 && !ipv6) refuse('cannot specify an IPv6 address here. please use "virtual6" instead.');
  if (v6) return { ...base, address: v6[1] ?? null, portToken: v6[2] ?? null, fwmark: null };
  return refuse("invalid address for virtual server");
}

/** One directive inside a virtual block; throws Refused where ldirectord calls config_error. */
function blockDirective(block: Block, rcmd: string, n: number, raw: string): void {
  const d = directive(rcmd) ?? refuse(`Unknown command "${raw}"`);
  const { key, value } = d;
  const set = (v: string) => block.values.set(key, v);
  switch (key) {
    case "real":
    case "real6":
      if ((key === "real6") !== block.ipv6) refuse(`cannot specify "${key}" here.  please use "real${block.ipv6 ? "6" : ""}" instead`);
      // ldirectord reads the real servers once the block is read (_ld_read_config_real_resolve)
      block.realTodo.push({ value, line: n, raw });
      return;
    case "request":
    case "receive":
    case "login":
    case "passwd":
    case "database":
    case "secret":
    case "load": {
      const q = quoted(value) ?? refuse(`Unknown command "${raw}"`);
      if (q === "") refuse(`invalid ${key} string`);
      set(key === "request" && !q.startsWith("/") ? `/${q}` : q);
      break;
    }
    case "checktype": {
      if (/\d/.test(value)) set("combined");
      else {
        const word = firstRun(value, /[\w-]/);
        if (word === null || !CHECK_TYPES.includes(word)) refuse('checktype must be "connect", "negotiate", "on", "off", "ping", "external", "external-perl" or a positive number');
        set(word);
      }
      break;
    }
    case "checkcommand":
    case "fallbackcommand":
      if (value === "" || value === '""') refuse(`invalid ${key === "checkcommand" ? "check" : "fallback"} command`);
      set(quoted(value) ?? value);
      break;
    case "checktimeout":
    case "negotiatetimeout":
    case "checkcount":
    case "failurecount":
    case "checkinterval":
      set(String(needNumber(value, key)));
      break;
    case "connecttimeout":
      refuse("connecttimeout directive deprecated in favour of negotiatetimeout");
      break;
    case "checkport": {
      const digits = firstRun(value, /\d/) ?? refuse("invalid port");
      if (Number(digits) <= 0 || Number(digits) >= 65536) refuse("checkport must be in range 1..65536");
      set(digits);
      break;
    }
    case "scheduler":
      set(firstRun(value, /[a-z]/) ?? refuse("invalid scheduler, should be only lowercase letters (a-z)"));
      break;
    case "persistent":
      set(firstRun(value, /\d/) ?? refuse("invalid persistent timeout"));
      break;
    case "schedflags":
      set(firstRun(value, /\S/) ?? refuse("invalid sched-flags"));
      break;
    case "netmask":
      if (block.ipv6 ? !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 128 : !/^\d+\.\d+\.\d+\.\d+$/.test(value)) {
        refuse(block.ipv6 ? "invalid netmask: a prefix length between 1 and 128 is required" : "invalid netmask: dotted quad notation is required");
      }
      set(value);
      break;
    case "protocol": {
      const word = firstRun(value, /\w/) ?? refuse("invalid protocol");
      if (block.fwmark !== null && word !== "fwm") refuse("protocol must be fwm if the virtual service is a fwmark (a number)");
      if (block.fwmark === null && word !== "tcp" && word !== "udp") refuse("protocol must be tcp or udp if the virtual service is an address and port");
      set(word);
      break;
    }
    case "ops":
    case "quiescent":
    case "cleanstop":
      yesNo(value, key);
      set(value);
      break;
    case "service": {
      const word = firstRun(value, /\w/);
      if (word === null || !CHECK_SERVICES.includes(word)) refuse("service must be one of the services ldirectord checks");
      set(word);
      break;
    }
    case "httpmethod": {
      const word = (firstRun(value, /\w/) ?? "").toUpperCase();
      if (word !== "GET" && word !== "HEAD") refuse("httpmethod must be GET or HEAD");
      set(word);
      break;
    }
    case "fallback":
    case "fallback6":
      if ((key === "fallback6") !== block.ipv6) refuse(`cannot specify "${key}" here.  please use "fallback${block.ipv6 ? "6" : ""}" instead`);
      set(value.trim());
      break;
    case "emailalertfreq":
      set(firstRun(value, /\d/) ?? refuse("invalid email alert frequency"));
      break;
    case "smtp":
      set(/^[0-9A-Za-z._+-]+/.exec(value)?.[0] ?? refuse("invalid SMTP server address"));
      break;
    case "virtualhost":
      set(/^"?([^"]*)"?/.exec(value)?.[1] ?? "");
      break;
    case "emailalert":
    case "emailalertstatus":
    case "monitorfile":
    case "servicename":
    case "comment":
      set(value);
      break;
    default:
      refuse(`Unknown command "${raw}"`);
  }
  block.options.set(key, SECRET_KEYS.includes(key) ? "(set)" : value.trim());
}

/** One real= line, read as _ld_read_config_real_resolve and add_real_server do. */
function readReal(todo: Block["realTodo"][number], ipv6: boolean, unread: Unread): LdirectordReal {
  const parts = realParts(todo.value);
  const port = parts.portToken === null ? null : portOf(parts.portToken);
  if (port === undefined && /^\d+$/.test(parts.portToken ?? "")) refuse(`invalid port (${parts.portToken ?? ""}) for real server (could not resolve port)`);
  if (port === undefined) unread.add(todo.line, todo.raw, `port "${parts.portToken ?? ""}" is not a service name the console knows`);
  const marked = DRAIN_MARK.exec(todo.raw)?.[1];
  return {
    address: parts.address,
    rangeEnd: parts.rangeEnd,
    port: port ?? null,
    ...realFlags(parts.flags),
    ipv6,
    drainedFrom: marked === undefined ? null : marked === "default" ? "default" : Number(marked),
    source: { line: todo.line, text: todo.raw },
  };
}

function closeBlock(block: Block, reals: LdirectordReal[]): LdirectordVirtual {
  const opt = (key: string): string | null => block.values.get(key) ?? null;
  const fwm = block.fwmark !== null;
  const port = block.portToken === null ? null : (portOf(block.portToken) ?? null);
  const protocol = opt("protocol") ?? (fwm ? "fwm" : port === 53 || block.portToken === "domain" ? "udp" : "tcp");
  const quiescent = opt("quiescent");
  const persistent = opt("persistent");
  const checkport = opt("checkport");
  return {
    virtual: block.vattr.split(/\s/)[0] ?? block.vattr,
    address: block.address,
    port,
    fwmark: block.fwmark,
    ipv6: block.ipv6,
    protocol,
    scheduler: opt("scheduler") ?? "wrr",
    persistent: persistent === null ? null : Number(persistent),
    netmask: opt("netmask"),
    checktype: opt("checktype") ?? "negotiate",
    checkport: checkport === null ? null : Number(checkport),
    service: opt("service") ?? (fwm ? "none" : port === null ? null : (PORT_SERVICE[port] ?? "none")),
    request: opt("request"),
    receive: opt("receive"),
    quiescent: quiescent === null ? null : quiescent === "yes",
    fallback: opt("fallback") ?? opt("fallback6"),
    reals,
    options: Object.fromEntries(block.options),
    line: block.line,
  };
}

/** A top-level directive; `value` runs to the end of the line as in ldirectord (no comment is dropped here). */
function globalDirective(global: Map<string, string>, key: string, value: string, raw: string): void {
  switch (key) {
    case "checktimeout":
    case "negotiatetimeout":
    case "checkinterval":
    case "checkcount":
    case "failurecount":
      global.set(key, String(needNumber(value, `${key} value`)));
      return;
    case "connecttimeout":
      refuse("connecttimeout directive deprecated in favour of negotiatetimeout");
      return;
    case "timeout":
      refuse("timeout directive deprecated in favour of checktimeout and negotiatetimeout");
      return;
    case "autoreload":
    case "fork":
    case "quiescent":
    case "readdquiescent":
    case "cleanstop":
      yesNo(value, key);
      break;
    case "supervised":
      if (value !== "yes" && value !== "no") refuse("supervised must be 'yes' or 'no'");
      break;
    case "callback":
    case "logfile":
      if (quoted(value) === null) refuse(`Unknown command ${raw} `);
      break;
    case "fallbackcommand":
    case "emailalertfrom":
    case "maintenancedir":
      if (value === "") refuse(`no value for ${key}`);
      break;
    case "emailalertfreq":
      if (firstRun(value, /\d/) === null) refuse("invalid email alert frequency");
      break;
    case "smtp":
      if (!/^[0-9A-Za-z._+-]/.test(value)) refuse("invalid SMTP server address");
      break;
    case "fallback":
    case "fallback6":
    case "execute":
    case "emailalert":
    case "emailalertstatus":
      break;
    default:
      refuse(`Unknown command ${raw} `);
  }
  global.set(key, value.trim());
}

export function parseLdirectordConfig(stdout: string): Parsed<LdirectordConfig> {
  // the text as sent, CRs kept: ldirectord reads "autoreload=yes\r" as a value other than yes (refused)
  return readOutput(stdout, () => {
    const lines = stdout.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const global = new Map<string, string>();
    const virtuals: LdirectordVirtual[] = [];
    const unread = new Unread();
    const stop: { at: UnreadLine | null } = { at: null };
    let read = 0;
    // the first refusal is where ldirectord stops; later ones are lines it would never reach
    const refused = (n: number, raw: string, reason: string) => {
      if (stop.at === null) stop.at = { line: n, text: raw.slice(0, 200), reason };
      else unread.add(n, raw, `also refused: ${reason}`);
    };
    let i = 0;
    while (i < lines.length) {
      const raw = lines[i] ?? "";
      const n = i + 1;
      i++;
      if (raw.length > MAX_LINE) {
        refused(n, raw, "line too long to read");
        continue;
      }
      const v = /^virtual(6?)\s*=\s*/.exec(raw);
      if (v) {
        let block: Block | null = null;
        try {
          block = openBlock(raw.slice(v[0].length), v[1] === "6", n);
          read++;
        } catch (error) {
          if (!(error instanceof Refused)) throw error;
          refused(n, raw, error.message);
        }
        while (i < lines.length) {
          const inner = lines[i] ?? "";
          if (inner.length > MAX_LINE) break;
          if (/^\s*#/.test(inner)) {
            i++;
            continue;
          }
          // Perl's s/#.*// drops the rest of the line, a carriage return included (JavaScript's `.` stops there)
          const hash = inner.indexOf("#");
          const stripped = (hash === -1 ? inner : inner.slice(0, hash)).replaceAll("\t", "    ");
          const spaces = /^ */.exec(stripped)?.[0].length ?? 0;
          // Perl's /^ {4,}(.+)/: a line of five or more spaces keeps one, which no directive matches
          const rcmd = spaces < 4 ? null : stripped.length > spaces ? stripped.slice(spaces) : spaces >= 5 ? " " : null;
          if (rcmd === null) break;
          i++;
          if (!block) {
            unread.add(i, inner, "belongs to a virtual service that could not be read");
            continue;
          }
          try {
            blockDirective(block, rcmd, i, inner);
            read++;
          } catch (error) {
            if (!(error instanceof Refused)) throw error;
            refused(i, inner, error.message);
          }
        }
        if (block) {
          // ldirectord checks the virtual's port, then its real servers, then duplicates, at the line it has read last
          const lastRead = Math.min(i + 1, lines.length);
          if (block.portToken !== null && portOf(block.portToken) === undefined) {
            if (/^\d+$/.test(block.portToken)) refused(lastRead, lines[lastRead - 1] ?? "", "invalid address for virtual service");
            else unread.add(block.line, raw, `port "${block.portToken}" is not a service name the console knows`);
          }
          const reals: LdirectordReal[] = [];
          for (const todo of block.realTodo) {
            try {
              reals.push(readReal(todo, block.ipv6, unread));
            } catch (error) {
              if (!(error instanceof Refused)) throw error;
              refused(todo.line, todo.raw, error.message);
            }
          }
          const done = closeBlock(block, reals);
          const id = `${done.protocol}:${done.address ?? done.fwmark}:${done.port ?? block.portToken ?? ""}`;
          if (virtuals.some((x) => `${x.protocol}:${x.address ?? x.fwmark}:${x.port ?? ""}` === id)) refused(lastRead, lines[lastRead - 1] ?? "", "duplicate virtual server");
          else virtuals.push(done);
        }
        continue;
      }
      if (/^\s*$/.test(raw) || /^\s*#/.test(raw)) continue;
      const d = directive(raw);
      if (d && GLOBAL_KEYS.includes(d.key)) read++;
      if (!d) {
        // not thrown: a file of a hundred thousand such lines must not cost a hundred thousand exceptions
        refused(n, raw, `Unknown command ${raw} `);
        continue;
      }
      try {
        globalDirective(global, d.key, d.value, raw);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        refused(n, raw, error.message);
      }
    }
    if (read === 0 && stop.at !== null) cannotRead(`not an ldirectord.cf: line ${stop.at.line}: ${stop.at.reason}`);
    const yes = (key: string): boolean | null => (global.has(key) ? global.get(key) === "yes" : null);
    const number = (key: string): number | null => (global.has(key) ? Number(global.get(key)) : null);
    return {
      global: Object.fromEntries(global),
      quiescent: yes("quiescent"),
      autoreload: yes("autoreload"),
      checkinterval: number("checkinterval"),
      checktimeout: number("checktimeout"),
      fallback: global.get("fallback") ?? null,
      virtuals,
      refusedAt: stop.at,
      unread: unread.list(),
    };
  });
}

export const ldirectordCfProbe: Probe<LdirectordConfig, LdirectordConfigParams> = {
  name: "ldirectord-cf",
  roles: ["lb"],
  readOnly: true,
  command: ({ path }) => `/usr/bin/cat ${shellQuote(path)}`,
  parse: parseLdirectordConfig,
};
