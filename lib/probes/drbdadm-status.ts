import { needDecimal, toInt } from "@/lib/probes/numbers";
import { shellQuote } from "@/lib/ssh/quote";
import { MAX_LINE, Unread, type UnreadLine } from "@/lib/probes/partial";
import { CannotRead, cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface DrbdVolume {
  /** null when the resource has one volume and drbdadm does not print its number */
  volume: number | null;
  disk: string;
  fields: Record<string, string>;
}

export interface DrbdPeerVolume {
  volume: number | null;
  /** Established unless drbdadm says otherwise (it omits the field when Established) */
  replication: string;
  peerDisk: string | null;
  /** resync progress, while SyncSource/SyncTarget */
  donePercent: number | null;
  fields: Record<string, string>;
}

export interface DrbdPeer {
  name: string;
  /** Connected unless drbdadm says otherwise (it omits the field when Connected) */
  connection: string;
  role: string | null;
  volumes: DrbdPeerVolume[];
  fields: Record<string, string>;
}

export interface DrbdResource {
  name: string;
  role: string;
  volumes: DrbdVolume[];
  peers: DrbdPeer[];
  fields: Record<string, string>;
}

export interface DrbdadmStatus {
  resources: DrbdResource[];
  /** lines this reader could not read (a resource line it cannot read takes its details with it) */
  unread: UnreadLine[];
}

export interface DrbdadmStatusParams {
  /** a resource name from the inventory, or all resources when omitted */
  resource?: string;
}

function pairs(words: string[], line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const word of words) {
    const i = word.indexOf(":");
    if (i <= 0) cannotRead(`expected key:value, got ${JSON.stringify(word)} in ${quoteLine(line)}`);
    fields[word.slice(0, i)] = word.slice(i + 1);
  }
  return fields;
}

function volumeNumber(fields: Record<string, string>): number | null {
  if (fields.volume === undefined) return null;
  return toInt(fields.volume) ?? cannotRead(`volume is not a number: ${JSON.stringify(fields.volume)}`);
}

export function parseDrbdadmStatus(stdout: string): Parsed<DrbdadmStatus> {
  return readOutput(stdout, (text) => {
    const resources: DrbdResource[] = [];
    const unread = new Unread();
    const incomplete = new Set<DrbdResource>();
    let skipping = false;
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? "";
      if (line.trim() === "") continue;
      if (line.length > MAX_LINE) {
        unread.add(i + 1, line, "line too long");
        continue;
      }
      const indent = (/^ */.exec(line)?.[0] ?? "").length;
      if (indent === 0) skipping = false;
      else if (skipping) {
        unread.add(i + 1, line, "belongs to a resource that could not be read");
        continue;
      }
      try {
        readLine(line, indent, resources);
      } catch (error) {
        if (!(error instanceof CannotRead)) throw error;
        unread.add(i + 1, line, error.message);
        if (indent === 0) skipping = true;
        else if (resources.at(-1)) incomplete.add(resources.at(-1) as DrbdResource);
      }
    }
    if (resources.length === 0) cannotRead(unread.lines[0] ? `not drbdadm status output: ${unread.lines[0].reason}` : "no resource");
    const complete = resources.filter((r) => {
      if (r.volumes.length > 0) return true;
      if (!incomplete.has(r)) cannotRead(`resource ${r.name} has no disk line (truncated?)`);
      unread.add(0, "", `resource ${r.name} left out: its disk line could not be read`);
      return false;
    });
    return { resources: complete, unread: unread.list() };
  });
}

function readLine(line: string, indent: number, resources: DrbdResource[]): void {
  const words = line.trim().split(/\s+/);
  const resource = resources.at(-1);
  if (indent === 0) {
    const [name = "", ...rest] = words;
    const fields = pairs(rest, line);
    resources.push({ name, role: fields.role ?? cannotRead(`no role for resource ${quoteLine(line)}`), volumes: [], peers: [], fields });
  } else if (indent === 2 && resource && words[0]?.includes(":")) {
    const fields = pairs(words, line);
    resource.volumes.push({ volume: volumeNumber(fields), disk: fields.disk ?? cannotRead(`no disk state in ${quoteLine(line)}`), fields });
  } else if (indent === 2 && resource) {
    const [name = "", ...rest] = words;
    const fields = pairs(rest, line);
    if (fields.role === undefined && fields.connection === undefined) cannotRead(`peer without role or connection: ${quoteLine(line)}`);
    resource.peers.push({ name, connection: fields.connection ?? "Connected", role: fields.role ?? null, volumes: [], fields });
  } else if (indent === 4 && resource?.peers.at(-1)) {
    const fields = pairs(words, line);
    const done = fields.done;
    resource.peers.at(-1)?.volumes.push({
      volume: volumeNumber(fields),
      replication: fields.replication ?? "Established",
      // the DRBD 9 user guide's examples print disk: where drbdadm prints peer-disk:
      peerDisk: fields["peer-disk"] ?? fields.disk ?? null,
      donePercent: done === undefined ? null : needDecimal(done, "done"),
      fields,
    });
  } else {
    cannotRead(`unexpected line in drbdadm status output: ${quoteLine(line)}`);
  }
}

export const drbdadmStatusProbe: Probe<DrbdadmStatus, DrbdadmStatusParams> = {
  name: "drbdadm-status",
  roles: ["fs"],
  readOnly: true,
  command: ({ resource }) => (resource === undefined ? "drbdadm status" : `drbdadm status ${shellQuote(resource)}`),
  parse: parseDrbdadmStatus,
};
