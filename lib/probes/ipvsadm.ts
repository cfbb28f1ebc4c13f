import { needInt, needSignedInt } from "@/lib/probes/numbers";
import { MAX_LINE, Unread, type UnreadLine, numberedLines } from "@/lib/probes/partial";
import { CannotRead, cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export type IpvsProtocol = "TCP" | "UDP" | "SCTP" | "FWM";
export type IpvsForward = "Route" | "Masq" | "Tunnel" | "Local";

/** Where a service or real server listens; a firewall-mark service has no address or port. */
export interface IpvsEndpoint {
  family: "inet" | "inet6";
  /** without the brackets ipvsadm puts around IPv6 addresses */
  address: string | null;
  port: number | null;
}

export interface IpvsServiceBase extends IpvsEndpoint {
  protocol: IpvsProtocol;
  fwmark: number | null;
  /** the service as ipvsadm names it in commands, e.g. "-t 10.0.0.1:80" or "-f 1" */
  selector: string;
}

export interface IpvsRealServer extends IpvsEndpoint {
  forward: IpvsForward;
  weight: number;
  activeConns: number;
  inactiveConns: number;
}

export interface IpvsService extends IpvsServiceBase {
  scheduler: string;
  /** persistence timeout in seconds, null when the service is not persistent */
  persistent: number | null;
  /** persistence granularity ("mask 255.255.255.0"), null for the default of one client address */
  persistenceMask: string | null;
  /** everything else printed after the scheduler: "ops", "pe sip", scheduler flags... */
  flags: string[];
  realServers: IpvsRealServer[];
}

export interface IpvsCounters {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
  /** true when ipvsadm abbreviated a value with K/M/G/T (run with --exact to avoid) */
  approximate: boolean;
}

export interface IpvsRates {
  cps: number;
  inPps: number;
  outPps: number;
  inBps: number;
  outBps: number;
  approximate: boolean;
}

export interface IpvsStatsService extends IpvsServiceBase {
  totals: IpvsCounters;
  realServers: (IpvsEndpoint & IpvsCounters)[];
}

export interface IpvsRateService extends IpvsServiceBase {
  totals: IpvsRates;
  realServers: (IpvsEndpoint & IpvsRates)[];
}

interface TableHeader {
  /** "1.2.1" from "IP Virtual Server version 1.2.1 (size=4096)"; null when ipvsadm omits it (-t/-u/-f) */
  version: string | null;
  tableSize: number | null;
  /** lines this reader could not read (a service it cannot read takes its real servers with it) */
  unread: UnreadLine[];
}

export type IpvsTable =
  | (TableHeader & { table: "list"; services: IpvsService[] })
  | (TableHeader & { table: "stats"; services: IpvsStatsService[] })
  | (TableHeader & { table: "rate"; services: IpvsRateService[] });

export interface IpvsadmView {
  table?: "list" | "stats" | "rate";
  /** full numbers instead of K/M/G abbreviations */
  exact?: boolean;
}

const VERSION = /^IP Virtual Server version (\S+) \(size=(\d+)\)$/;
const FORWARDS: readonly string[] = ["Route", "Masq", "Tunnel", "Local"];
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;

function isForward(word: string): word is IpvsForward {
  return FORWARDS.includes(word);
}

/** "10.0.0.1:80" or "[2001:db8::1]:80" (ipvsadm -n prints nothing else) */
export function parseEndpoint(token: string): IpvsEndpoint {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(token);
  if (v6 && IPV6_CHARS.test(v6[1] ?? "") && (v6[1] ?? "").includes(":")) return { family: "inet6", address: v6[1] ?? "", port: needInt(v6[2], "port") };
  const v4 = /^([^:]+):(\d+)$/.exec(token);
  if (v4 && IPV4.test(v4[1] ?? "")) return { family: "inet", address: v4[1] ?? "", port: needInt(v4[2], "port") };
  return cannotRead(`not a numeric address:port: ${quoteLine(token)}`);
}

/** The service name that starts a service line, and the words after it. */
function readServiceName(line: string): { service: IpvsServiceBase; rest: string[] } | null {
  const words = line.trim().split(/\s+/);
  const [protocol, second, third] = words;
  if (protocol === "FWM") {
    const fwmark = needInt(second, "firewall mark");
    const ipv6 = third === "IPv6";
    return {
      service: {
        protocol,
        fwmark,
        family: ipv6 ? "inet6" : "inet",
        address: null,
        port: null,
        selector: `-f ${fwmark}${ipv6 ? " -6" : ""}`,
      },
      rest: words.slice(ipv6 ? 3 : 2),
    };
  }
  if (protocol !== "TCP" && protocol !== "UDP" && protocol !== "SCTP") return null;
  const endpoint = parseEndpoint(second ?? "");
  const flag = protocol === "TCP" ? "-t" : protocol === "UDP" ? "-u" : "--sctp-service";
  return {
    service: { protocol, fwmark: null, ...endpoint, selector: `${flag} ${second ?? ""}` },
    rest: words.slice(2),
  };
}

function readListOptions(words: string[]): Pick<IpvsService, "scheduler" | "persistent" | "persistenceMask" | "flags"> {
  const [scheduler, ...rest] = words;
  if (scheduler === undefined || !/^[a-z][a-z0-9_-]*$/.test(scheduler)) {
    cannotRead(`no scheduler after the service: ${quoteLine(words.join(" "))}`);
  }
  let persistent: number | null = null;
  let persistenceMask: string | null = null;
  const flags: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] ?? "";
    if (word === "persistent") persistent = needInt(rest[++i], "persistence timeout");
    else if (word === "mask") persistenceMask = rest[++i] ?? cannotRead("mask without a value");
    else if (word === "pe") flags.push(`pe ${rest[++i] ?? cannotRead("pe without a name")}`);
    else flags.push(...word.replace(/^\(|\)$/g, "").split(",").filter(Boolean));
  }
  return { scheduler, persistent, persistenceMask, flags };
}

const SUFFIX: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** ipvsadm prints big counters as e.g. "863494K" (thousands, not KiB) unless --exact is given. */
function largeNumber(token: string | undefined, what: string): { value: number; approximate: boolean } {
  const m = /^(\d+)([KMGT]?)$/.exec(token ?? "") ?? cannotRead(`${what} is not a number: ${JSON.stringify(token ?? "")}`);
  const multiplier = SUFFIX[m[2] ?? ""];
  const base = needInt(m[1], what);
  return multiplier === undefined ? { value: base, approximate: false } : { value: base * multiplier, approximate: true };
}

function fiveNumbers(words: string[], names: readonly string[]): { values: number[]; approximate: boolean } {
  if (words.length !== 5) cannotRead(`expected 5 numbers, got ${quoteLine(words.join(" "))}`);
  const read = words.map((w, i) => largeNumber(w, names[i] ?? "value"));
  return { values: read.map((r) => r.value), approximate: read.some((r) => r.approximate) };
}

function counters(words: string[]): IpvsCounters {
  const { values, approximate } = fiveNumbers(words, ["Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"]);
  const [conns = 0, inPkts = 0, outPkts = 0, inBytes = 0, outBytes = 0] = values;
  return { conns, inPkts, outPkts, inBytes, outBytes, approximate };
}

function rates(words: string[]): IpvsRates {
  const { values, approximate } = fiveNumbers(words, ["CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"]);
  const [cps = 0, inPps = 0, outPps = 0, inBps = 0, outBps = 0] = values;
  return { cps, inPps, outPps, inBps, outBps, approximate };
}

function realServerLine(line: string): { endpoint: IpvsEndpoint; rest: string[] } | null {
  // no `\s*(.*)$` after the address: it backtracked through the spaces before a carriage return
  const m = /^\s*->\s+(\S+)/.exec(line);
  if (!m) return null;
  return { endpoint: parseEndpoint(m[1] ?? ""), rest: line.slice(m[0].length).split(/\s+/).filter(Boolean) };
}

function listRealServer(endpoint: IpvsEndpoint, words: string[]): IpvsRealServer {
  const [forward, weight, active, inactive, ...extra] = words;
  if (forward === undefined || !isForward(forward)) cannotRead(`unknown forwarding method ${JSON.stringify(forward ?? "")}`);
  if (extra.length > 0) cannotRead(`unexpected columns after InActConn: ${quoteLine(extra.join(" "))}`);
  return {
    ...endpoint,
    forward,
    weight: needSignedInt(weight, "weight"),
    activeConns: needInt(active, "ActiveConn"),
    inactiveConns: needInt(inactive, "InActConn"),
  };
}

type Kind = IpvsTable["table"];

function tableKind(header: string): Kind {
  if (/^Prot LocalAddress:Port\s+Scheduler Flags$/.test(header)) return "list";
  if (/^Prot LocalAddress:Port\s+Conns\s+InPkts\s+OutPkts\s+InBytes\s+OutBytes$/.test(header)) return "stats";
  if (/^Prot LocalAddress:Port\s+CPS\s+InPPS\s+OutPPS\s+InBPS\s+OutBPS$/.test(header)) return "rate";
  return cannotRead(`not an ipvsadm list, --stats or --rate header: ${quoteLine(header)}`);
}

interface Row {
  line: number;
  text: string;
}

interface Group {
  row: Row;
  service: IpvsServiceBase;
  rest: string[];
  servers: (Row & { endpoint: IpvsEndpoint; rest: string[] })[];
}

/** Runs `read`; a CannotRead becomes an unread line and `null`. */
function attempt<T>(unread: Unread, row: Row, read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof CannotRead)) throw error;
    unread.add(row.line, row.text, error.message);
    return null;
  }
}

function readGroups(body: Row[], unread: Unread): Group[] {
  const groups: Group[] = [];
  let skipping = false;
  for (const row of body) {
    if (row.text.length > MAX_LINE) {
      unread.add(row.line, row.text, "line too long");
      continue;
    }
    if (/^\s*->/.test(row.text)) {
      const current = groups.at(-1);
      if (skipping || !current) {
        unread.add(row.line, row.text, skipping ? "a real server of a service that could not be read" : "a real server before any service");
        continue;
      }
      const server = attempt(unread, row, () => realServerLine(row.text));
      if (server) current.servers.push({ ...row, ...server });
      continue;
    }
    const named = attempt(unread, row, () => readServiceName(row.text) ?? cannotRead("not a service or real-server line"));
    skipping = named === null;
    if (named) groups.push({ row, ...named, servers: [] });
  }
  return groups;
}

export function parseIpvsadm(stdout: string): Parsed<IpvsTable> {
  return readOutput(stdout, (text) => {
    const lines = numberedLines(text);
    let at = 0;
    const version = VERSION.exec(lines[0]?.text.trim().slice(0, MAX_LINE) ?? "");
    if (version) at++;
    const kind = tableKind(lines[at]?.text.trim().slice(0, MAX_LINE) ?? "");
    const subHeader = lines[at + 1]?.text.trim() ?? "";
    if (!/^-> RemoteAddress:Port/.test(subHeader)) cannotRead(`missing real-server header: ${quoteLine(subHeader)}`);
    const unread = new Unread();
    const groups = readGroups(lines.slice(at + 2), unread);
    const head = { version: version?.[1] ?? null, tableSize: version ? needInt(version[2], "table size") : null };
    const each = <S, R>(readService: (g: Group) => S, readServer: (s: Group["servers"][number]) => R): (S & { realServers: R[] })[] =>
      groups.flatMap((g) => {
        const service = attempt(unread, g.row, () => readService(g));
        if (service === null) {
          for (const s of g.servers) unread.add(s.line, s.text, "a real server of a service that could not be read");
          return [];
        }
        const realServers = g.servers.flatMap((s) => {
          const r = attempt(unread, s, () => readServer(s));
          return r === null ? [] : [r];
        });
        return [{ ...service, realServers }];
      });
    if (kind === "list") {
      const services = each(
        (g) => ({ ...g.service, ...readListOptions(g.rest) }),
        (s) => listRealServer(s.endpoint, s.rest),
      );
      return { ...head, table: kind, services, unread: unread.list() };
    }
    if (kind === "stats") {
      const services = each(
        (g) => ({ ...g.service, totals: counters(g.rest) }),
        (s) => ({ ...s.endpoint, ...counters(s.rest) }),
      );
      return { ...head, table: kind, services, unread: unread.list() };
    }
    const services = each(
      (g) => ({ ...g.service, totals: rates(g.rest) }),
      (s) => ({ ...s.endpoint, ...rates(s.rest) }),
    );
    return { ...head, table: kind, services, unread: unread.list() };
  });
}

export function ipvsadmCommand({ table = "list", exact = false }: IpvsadmView = {}): string {
  return ["ipvsadm -Ln", table === "list" ? "" : ` --${table}`, exact ? " --exact" : ""].join("");
}

export const ipvsadmProbe: Probe<IpvsTable, IpvsadmView> = {
  name: "ipvsadm",
  roles: ["lb"],
  readOnly: true,
  command: ipvsadmCommand,
  parse: parseIpvsadm,
};
