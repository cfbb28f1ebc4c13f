import { needInt } from "@/lib/probes/numbers";
import { MAX_LINE, Unread, type UnreadLine, numberedLines } from "@/lib/probes/partial";
import { CannotRead, cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface InterfaceAddress {
  index: number;
  /** interface name as ip prints it, e.g. "eth0" or "eth0@if18" */
  iface: string;
  family: "inet" | "inet6";
  address: string;
  prefix: number;
  /** "global", "link", "host", ... */
  scope: string;
  /** an extra address in a subnet the interface already has: how VIPs added by heartbeat/keepalived usually appear */
  secondary: boolean;
  /** other flags: noprefixroute, dynamic, deprecated, tentative, ... */
  flags: string[];
  /** IPv4 label such as "eth0:0", null when absent */
  label: string | null;
  broadcast: string | null;
  peer: string | null;
}

export interface IpAddresses {
  addresses: InterfaceAddress[];
  /** lines this reader does not know; the addresses on the other lines were read */
  unread: UnreadLine[];
}

// the start of a line, each part told from the next by its characters; the rest is everything after it
// (a trailing `(.*)$` backtracked through the whitespace before it: a megabyte of such lines took 5.5 s)
const LINE = /^(\d+):\s+(\S+)\s+(inet6?|link\/\S+)\s+/;

/** "eth0@if18" (a veth seen from inside) is device eth0 */
function deviceName(iface: string): string {
  return iface.split("@")[0] ?? iface;
}

/** ip ends IPv4 entries with the address label, which the kernel requires to start with the device name */
function isLabelOf(word: string, iface: string): boolean {
  const device = deviceName(iface);
  return word === device || word.startsWith(`${device}:`);
}

function readAddress(line: string): InterfaceAddress | null {
  const trimmed = line.trim();
  const m = LINE.exec(trimmed) ?? cannotRead(`not an "ip -o addr" line: ${quoteLine(line)}`);
  const [, index, iface = "", family] = m;
  const rest = trimmed.slice(m[0].length);
  if (family !== "inet" && family !== "inet6") return null;
  // -o folds each address onto one line; "\" marks where the lifetime line used to start
  const words = (rest.split("\\")[0] ?? "").trim().split(/\s+/);
  const [local = "", ...attributes] = words;
  const a = /^([^/]+)(?:\/(\d+))?$/.exec(local) ?? cannotRead(`bad address ${JSON.stringify(local)}`);
  const address = a[1] ?? "";
  if (family === "inet" ? !/^\d{1,3}(\.\d{1,3}){3}$/.test(address) : !address.includes(":")) {
    cannotRead(`not an ${family} address: ${JSON.stringify(address)}`);
  }
  let prefix = a[2] === undefined ? null : needInt(a[2], "prefix length");
  let scope: string | null = null;
  let broadcast: string | null = null;
  let peer: string | null = null;
  let label: string | null = null;
  let secondary = false;
  const flags: string[] = [];
  for (let i = 0; i < attributes.length; i++) {
    const word = attributes[i] ?? "";
    const value = (): string => attributes[++i] ?? cannotRead(`"${word}" without a value in ${quoteLine(line)}`);
    if (word === "brd") broadcast = value();
    else if (word === "scope") scope = value();
    else if (word === "peer") {
      const p = /^([^/]+)(?:\/(\d+))?$/.exec(value());
      peer = p?.[1] ?? null;
      prefix = p?.[2] === undefined ? prefix : needInt(p[2], "peer prefix length");
    } else if (word === "secondary") {
      secondary = true;
      flags.push(word);
    } else if (family === "inet" && i === attributes.length - 1 && isLabelOf(word, iface)) {
      label = word === deviceName(iface) ? null : word;
    } else flags.push(word);
  }
  return {
    index: needInt(index, "interface index"),
    iface,
    family,
    address: address.toLowerCase(),
    // an address printed without a prefix (point-to-point) is a single host
    prefix: prefix ?? (family === "inet" ? 32 : 128),
    scope: scope ?? cannotRead(`no scope in ${quoteLine(line)}`),
    secondary,
    flags,
    label,
    broadcast,
    peer,
  };
}

export function parseIpAddr(stdout: string): Parsed<IpAddresses> {
  return readOutput(stdout, (text) => {
    const addresses: InterfaceAddress[] = [];
    const unread = new Unread();
    let recognised = 0;
    for (const { line: n, text: line } of numberedLines(text)) {
      if (line.length > MAX_LINE) {
        unread.add(n, line, "line too long");
        continue;
      }
      try {
        const address = readAddress(line);
        recognised++;
        if (address) addresses.push(address);
      } catch (error) {
        if (!(error instanceof CannotRead)) throw error;
        unread.add(n, line, error.message);
      }
    }
    if (recognised === 0) cannotRead(`not "ip -o addr" output: ${unread.lines[0]?.reason ?? "no lines"}`);
    return { addresses, unread: unread.list() };
  });
}

/** Does this host hold the address (the VIP) on any interface? */
export function holdsAddress(result: IpAddresses, vip: string): boolean {
  const wanted = vip.trim().toLowerCase().replace(/^\[|\]$/g, "").split("/")[0];
  return result.addresses.some((a) => a.address === wanted);
}

export const ipAddrProbe: Probe<IpAddresses> = {
  name: "ip-addr",
  roles: "all",
  readOnly: true,
  command: () => "ip -o addr show",
  parse: parseIpAddr,
};
