import { parseEndpoint } from "@/lib/probes/ipvsadm";
import { needInt } from "@/lib/probes/numbers";
import { MAX_LINE, Unread, type UnreadLine, numberedLines } from "@/lib/probes/partial";
import { CannotRead, cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface IpvsConnection {
  protocol: string;
  expiresInSeconds: number;
  /** ESTABLISHED, FIN_WAIT, NONE (persistence template), UDP, ... */
  state: string;
  source: string;
  sourcePort: number;
  virtual: string;
  virtualPort: number;
  destination: string;
  destinationPort: number;
  /** a persistence template: the client stays pinned to `destination` until it expires */
  isTemplate: boolean;
}

export interface IpvsConnections {
  entries: IpvsConnection[];
  /** entries this reader could not read; the others were */
  unread: UnreadLine[];
}

export interface StickyClients {
  destination: string;
  /** distinct client addresses pinned to this real server */
  clients: number;
  templates: number;
  /** when the last pin on this real server runs out, if no new connection refreshes it */
  longestExpiresInSeconds: number;
}

const HEADER = /^pro expire state\s+source\s+virtual\s+destination(\s+pe name\s+pe_data)?$/;

/** "04:56" or "133:35": minutes grow past two digits for long TCP timeouts */
function expiry(token: string | undefined): number {
  const m = /^(\d+):([0-5]\d)$/.exec(token ?? "") ?? cannotRead(`expiry is not mm:ss: ${JSON.stringify(token ?? "")}`);
  return needInt(m[1], "expiry minutes") * 60 + needInt(m[2], "expiry seconds");
}

function endpoint(token: string | undefined, what: string): { address: string; port: number } {
  const e = parseEndpoint(token ?? "");
  if (e.address === null || e.port === null) return cannotRead(`${what} has no address`);
  return { address: e.address, port: e.port };
}

function entry(line: string, withEngine: boolean): IpvsConnection {
  const words = line.trim().split(/\s+/);
  // --persistent-conn adds "pe name" and "pe_data" only to entries that have them
  if (words.length !== 6 && !(withEngine && words.length === 8)) cannotRead("not a connection entry");
  const [protocol = "", expires, state = "", source, virtual, destination] = words;
  if (!/^[A-Za-z0-9]+$/.test(protocol)) cannotRead("bad protocol");
  if (!/^[A-Z_!]+$/.test(state)) cannotRead("bad state");
  const s = endpoint(source, "source");
  const v = endpoint(virtual, "virtual");
  const d = endpoint(destination, "destination");
  return {
    protocol,
    expiresInSeconds: expiry(expires),
    state,
    source: s.address,
    sourcePort: s.port,
    virtual: v.address,
    virtualPort: v.port,
    destination: d.address,
    destinationPort: d.port,
    isTemplate: state === "NONE" && s.port === 0,
  };
}

export function parseIpvsadmConns(stdout: string): Parsed<IpvsConnections> {
  return readOutput(stdout, (text) => {
    const [title, header, ...rows] = numberedLines(text);
    if (title?.text.trim() !== "IPVS connection entries") cannotRead(`not ipvsadm -Lnc output: ${quoteLine(title?.text ?? "")}`);
    const columns = HEADER.exec(header?.text.trim().slice(0, MAX_LINE) ?? "") ?? cannotRead(`unexpected column header: ${quoteLine(header?.text ?? "")}`);
    const withEngine = columns[1] !== undefined;
    const unread = new Unread();
    const entries: IpvsConnection[] = [];
    for (const row of rows) {
      if (row.text.length > MAX_LINE) {
        unread.add(row.line, row.text, "line too long");
        continue;
      }
      try {
        entries.push(entry(row.text, withEngine));
      } catch (error) {
        if (!(error instanceof CannotRead)) throw error;
        unread.add(row.line, row.text, error.message);
      }
    }
    return { entries, unread: unread.list() };
  });
}

/** Who is still pinned to each real server by LVS persistence (what a drain has to wait for). */
export function stickyClientsByServer(connections: Pick<IpvsConnections, "entries">): StickyClients[] {
  const byServer = new Map<string, { clients: Set<string>; templates: number; longest: number }>();
  for (const entry of connections.entries) {
    if (!entry.isTemplate) continue;
    const summary = byServer.get(entry.destination) ?? { clients: new Set<string>(), templates: 0, longest: 0 };
    summary.clients.add(entry.source);
    summary.templates++;
    summary.longest = Math.max(summary.longest, entry.expiresInSeconds);
    byServer.set(entry.destination, summary);
  }
  return [...byServer.entries()]
    .map(([destination, s]) => ({
      destination,
      clients: s.clients.size,
      templates: s.templates,
      longestExpiresInSeconds: s.longest,
    }))
    .sort((a, b) => a.destination.localeCompare(b.destination));
}

export const ipvsadmConnsProbe: Probe<IpvsConnections> = {
  name: "ipvsadm-conns",
  roles: ["lb"],
  readOnly: true,
  command: () => "ipvsadm -Lnc",
  parse: parseIpvsadmConns,
};
