import { needDecimal, toInt } from "@/lib/probes/numbers";
import { MAX_LINE, Unread, type UnreadLine } from "@/lib/probes/partial";
import { CannotRead, cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface Events2PeerDevice {
  volume: number;
  replication: string | null;
  peerDisk: string | null;
  donePercent: number | null;
  outOfSyncKb: number | null;
  fields: Record<string, string>;
}

export interface Events2Connection {
  peerNodeId: number;
  name: string;
  connection: string | null;
  role: string | null;
  peerDevices: Events2PeerDevice[];
  fields: Record<string, string>;
}

export interface Events2Device {
  volume: number;
  minor: number | null;
  disk: string | null;
  fields: Record<string, string>;
}

export interface Events2Resource {
  name: string;
  role: string | null;
  devices: Events2Device[];
  connections: Events2Connection[];
  fields: Record<string, string>;
}

export interface DrbdEvents {
  /** true once the "exists -" line that ends the initial state dump was seen */
  initialStateComplete: boolean;
  resources: Events2Resource[];
  /** event lines this reader could not read; the others were applied */
  unread: UnreadLine[];
}

const EVENT_TYPES: readonly string[] = ["exists", "create", "change", "destroy", "call", "response"];

/** The doc samples break long lines and continue them after a tab; real output never does, but both read the same. */
function logicalLines(text: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  const raw = text.split("\n");
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i] ?? "";
    if (line.trim() === "") continue;
    const last = lines.at(-1);
    if (/^\s/.test(line) && last && last.text.length <= MAX_LINE) last.text += ` ${line.trim()}`;
    else lines.push({ line: i + 1, text: line.trim() });
  }
  return lines;
}

function fieldsOf(words: string[], line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const word of words) {
    const i = word.indexOf(":");
    if (i <= 0) cannotRead(`expected key:value, got ${JSON.stringify(word)} in ${quoteLine(line)}`);
    fields[word.slice(0, i)] = word.slice(i + 1);
  }
  return fields;
}

function number(fields: Record<string, string>, key: string): number {
  return toInt(fields[key]) ?? cannotRead(`${key} is not a number: ${JSON.stringify(fields[key] ?? "missing")}`);
}

function optionalNumber(fields: Record<string, string>, key: string): number | null {
  return fields[key] === undefined ? null : number(fields, key);
}

function merge(target: Record<string, string>, update: Record<string, string>): void {
  Object.assign(target, update);
}

export function parseDrbdEvents2(stdout: string): Parsed<DrbdEvents> {
  return readOutput(stdout, (text) => {
    const resources = new Map<string, Events2Resource>();
    const unread = new Unread();
    let initialStateComplete = false;
    let sawExists = false;
    let recognised = 0;
    for (const { line: n, text: line } of logicalLines(text)) {
      if (line.length > MAX_LINE) {
        unread.add(n, line, "line too long");
        continue;
      }
      const [event = "", object = "", ...rest] = line.split(/\s+/);
      if (!EVENT_TYPES.includes(event)) {
        unread.add(n, line, "not a drbdsetup events2 line");
        continue;
      }
      recognised++;
      if (event === "exists") sawExists = true;
      if (object === "-") {
        if (event === "exists") initialStateComplete = true;
        continue;
      }
      if (event === "call" || event === "response" || object === "helper") continue;
      try {
        const fields = fieldsOf(rest, line);
        const name = fields.name ?? cannotRead("no resource name");
        if (event === "destroy" && object === "resource") {
          resources.delete(name);
          continue;
        }
        const existing = resources.get(name);
        const resource = existing ?? { name, role: null, devices: [], connections: [], fields: {} };
        apply(resource, event, object, fields, line);
        if (!existing) resources.set(name, resource);
      } catch (error) {
        if (!(error instanceof CannotRead)) throw error;
        unread.add(n, line, error.message);
      }
    }
    if (recognised === 0) cannotRead(`not drbdsetup events2 output: ${quoteLine(unread.lines[0]?.text ?? "")}`);
    // a dump cut short may lack whole connections: reading it in part would report peers as missing
    if (sawExists && !initialStateComplete) cannotRead('initial state dump has no closing "exists -" (truncated?)');
    return { initialStateComplete, resources: [...resources.values()], unread: unread.list() };
  });
}

function apply(resource: Events2Resource, event: string, object: string, fields: Record<string, string>, line: string): void {
  if (object === "resource") {
    merge(resource.fields, fields);
    resource.role = resource.fields.role ?? null;
    return;
  }
  if (object === "device") {
    const volume = number(fields, "volume");
    const existing = resource.devices.find((d) => d.volume === volume);
    if (event === "destroy") {
      resource.devices = resource.devices.filter((d) => d.volume !== volume);
      return;
    }
    const device = existing ?? { volume, minor: null, disk: null, fields: {} };
    merge(device.fields, fields);
    device.minor = optionalNumber(device.fields, "minor");
    device.disk = device.fields.disk ?? null;
    if (!existing) resource.devices.push(device);
    return;
  }
  if (object === "connection" || object === "peer-device" || object === "path") {
    const peerNodeId = number(fields, "peer-node-id");
    let connection = resource.connections.find((c) => c.peerNodeId === peerNodeId);
    if (event === "destroy" && object === "connection") {
      resource.connections = resource.connections.filter((c) => c.peerNodeId !== peerNodeId);
      return;
    }
    if (!connection) {
      connection = { peerNodeId, name: fields["conn-name"] ?? "", connection: null, role: null, peerDevices: [], fields: {} };
      resource.connections.push(connection);
    }
    if (object === "connection") {
      merge(connection.fields, fields);
      connection.connection = connection.fields.connection ?? null;
      connection.role = connection.fields.role ?? null;
      return;
    }
    if (object === "path") return;
    const volume = number(fields, "volume");
    const existing = connection.peerDevices.find((p) => p.volume === volume);
    if (event === "destroy") {
      connection.peerDevices = connection.peerDevices.filter((p) => p.volume !== volume);
      return;
    }
    const peer = existing ?? { volume, replication: null, peerDisk: null, donePercent: null, outOfSyncKb: null, fields: {} };
    merge(peer.fields, fields);
    peer.replication = peer.fields.replication ?? null;
    peer.peerDisk = peer.fields["peer-disk"] ?? null;
    // done: is only printed while a resync runs; a later change without it means the resync ended
    peer.donePercent = fields.done === undefined ? null : needDecimal(fields.done, "done");
    peer.outOfSyncKb = optionalNumber(peer.fields, "out-of-sync");
    if (!existing) connection.peerDevices.push(peer);
    return;
  }
  cannotRead(`unknown events2 object ${JSON.stringify(object)} in ${quoteLine(line)}`);
}

export const drbdEvents2Probe: Probe<DrbdEvents> = {
  name: "drbd-events2",
  roles: ["fs"],
  readOnly: true,
  command: () => "drbdsetup events2 --now --statistics",
  parse: parseDrbdEvents2,
};
