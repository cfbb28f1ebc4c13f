import { needInt } from "@/lib/probes/numbers";
import { MAX_LINE, Unread, type UnreadLine, numberedLines } from "@/lib/probes/partial";
import { CannotRead, cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface HeartbeatLink {
  name: string;
  /** "up" or "dead" */
  status: string;
}

export interface HeartbeatNode {
  name: string;
  /** "active", "up", "dead", "ping", "init"... as heartbeat reports it */
  status: string;
  /** "normal" or "ping" */
  type: string;
  links: HeartbeatLink[];
}

export interface CcmMembership {
  quorum: boolean;
  evicted: boolean;
  instance: number | null;
  members: { id: number; name: string; bornOn: number }[];
  /** whether this node is in the partition it reports */
  localIsMember: boolean | null;
}

export interface HeartbeatStatus {
  /** "refusing": heartbeat runs but would not let cl_status sign on */
  state: "running" | "stopped" | "refusing";
  /** why sign-on failed, when -v was given and heartbeat said */
  reason: string | null;
  version: string | null;
  managedBy: "pacemaker" | "haresources" | null;
  membership: CcmMembership | null;
  /** null when the one-line form was read (no node list was printed) */
  nodes: HeartbeatNode[] | null;
  /** lines this reader does not know; everything else was read */
  unread: UnreadLine[];
}

const RUNNING = "Heartbeat is running on this machine.";
const STOPPED = "Heartbeat is stopped on this machine.";
const REFUSING = "Heartbeat is apparently running on this machine, but refuses my connection";

/**
 * Reads `cl_status hbstatus` and `cl_status hbstatus -v` (tools/cl_status.c prints fields separated by tabs).
 * Heartbeat 3.0.6 prints the stopped form, with exit code 1, when heartbeat is stopped, crashed, or still
 * within initdead after a start (its API socket opens only then): seen on Debian 12's heartbeat.
 */
export function parseHbStatus(stdout: string): Parsed<HeartbeatStatus> {
  return readOutput(stdout, (text) => {
    const lines = numberedLines(text);
    const first = lines[0]?.text.trim() ?? "";
    const unread = new Unread();
    if (first === STOPPED || first === REFUSING) {
      const reason = /^\((.*)\)$/.exec(lines[1]?.text.trim() ?? "")?.[1] ?? null;
      for (const l of lines.slice(reason === null ? 1 : 2)) unread.add(l.line, l.text, `unexpected after ${quoteLine(first)}`);
      return { state: first === STOPPED ? "stopped" : "refusing", reason, version: null, managedBy: null, membership: null, nodes: null, unread: unread.list() };
    }
    if (first === RUNNING && lines.length === 1) {
      return { state: "running", reason: null, version: null, managedBy: null, membership: null, nodes: null, unread: [] };
    }
    // -v prints the details alone (heartbeat 3.0.6 on Debian 12); older versions put the status line first.
    return readVerbose(first === RUNNING ? lines.slice(1) : lines, unread);
  });
}

function readVerbose(lines: { line: number; text: string }[], unread: Unread): HeartbeatStatus {
  const head = lines[0]?.text.trim() ?? "";
  const version = /^version:\s+(\S.*)$/.exec(head.slice(0, MAX_LINE))?.[1] ?? cannotRead(`not cl_status hbstatus output: ${quoteLine(head)}`);
  let managedBy: HeartbeatStatus["managedBy"] = null;
  let membership: CcmMembership | null = null;
  const nodes: HeartbeatNode[] = [];
  let section: "head" | "ccm" | "node" = "head";
  for (const { line: n, text: line } of lines.slice(1)) {
    if (line.length > MAX_LINE) {
      unread.add(n, line, "line too long");
      continue;
    }
    const indented = /^\s/.test(line);
    const words = line.trim().split(/\s+/);
    if (!indented && /^managed by:/.test(line)) {
      if (/pacemaker/.test(line)) managedBy = "pacemaker";
      else if (/haresources/.test(line)) managedBy = "haresources";
      else unread.add(n, line, "unknown resource manager");
      continue;
    }
    const ccm = /^ccm membership (with quorum|WITHOUT quorum|evicted)$/.exec(line.trim());
    if (!indented && ccm) {
      membership = { quorum: ccm[1] === "with quorum", evicted: ccm[1] === "evicted", instance: null, members: [], localIsMember: null };
      section = "ccm";
      continue;
    }
    const node = /^(\S+)\s+(\S+)\s+\(nodetype:\s*(\S+)\)$/.exec(line);
    if (!indented && node) {
      nodes.push({ name: node[1] ?? "", status: node[2] ?? "", type: node[3] ?? "", links: [] });
      section = "node";
      continue;
    }
    if (indented && section === "ccm" && membership !== null) {
      try {
        readMembershipLine(membership, line.trim());
      } catch (error) {
        if (!(error instanceof CannotRead)) throw error;
        unread.add(n, line, error.message);
      }
      continue;
    }
    const current = nodes.at(-1);
    if (indented && section === "node" && current && words.length === 2) {
      current.links.push({ name: words[0] ?? "", status: words[1] ?? "" });
      continue;
    }
    unread.add(n, line, "not a line of cl_status hbstatus -v");
  }
  return { state: "running", reason: null, version, managedBy, membership, nodes, unread: unread.list() };
}

function readMembershipLine(membership: CcmMembership, line: string): void {
  const instance = /^instance (\S+)$/.exec(line);
  const count = /^members (\S+)$/.exec(line);
  const member = /^(\S+)\s+(\S+)\s+\(born:\s*(\S+)\)$/.exec(line);
  const partition = /^(NOT )?member of partition$/.exec(line);
  if (instance) membership.instance = needInt(instance[1], "ccm instance");
  else if (count) needInt(count[1], "ccm member count");
  else if (member) {
    membership.members.push({ id: needInt(member[1], "member id"), name: member[2] ?? "", bornOn: needInt(member[3], "born") });
  } else if (partition) membership.localIsMember = partition[1] === undefined;
  else cannotRead(`unexpected ccm membership line: ${quoteLine(line)}`);
}

/** `cl_status listnodes`: one node name per line. */
export function parseListNodes(stdout: string): Parsed<string[]> {
  return readOutput(stdout, (text) =>
    contentLines(text).map((line) => {
      const name = line.trim();
      if (!/^[\w.-]+$/.test(name)) cannotRead(`not a node name: ${quoteLine(line)}`);
      return name;
    }),
  );
}

const NODE_STATUSES: readonly string[] = ["active", "up", "dead", "ping", "init"];

/** `cl_status nodestatus <node>`: a single status word. */
export function parseNodeStatus(stdout: string): Parsed<string> {
  return readOutput(stdout, (text) => {
    const word = text.trim();
    if (!NODE_STATUSES.includes(word)) cannotRead(`not a heartbeat node status: ${quoteLine(word)}`);
    return word;
  });
}

export const clStatusProbe: Probe<HeartbeatStatus> = {
  name: "cl-status",
  roles: ["lb", "fs"],
  readOnly: true,
  command: () => "cl_status hbstatus -v",
  parse: parseHbStatus,
};
