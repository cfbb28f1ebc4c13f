import { MAX_LINE, Unread, type UnreadLine } from "@/lib/probes/partial";
import { cannotRead, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

/**
 * keepalived.conf, for what decides where the VIP goes: each vrrp_instance's initial state, priority,
 * nopreempt and preempt_delay, advert_int, its addresses and track scripts (keepalived.conf(5), 2.2.7).
 * Comments start with `#` or `!`; blocks are `{ ... }`. `include` is named but not followed (the console
 * reads one file), and auth_pass is never kept.
 */

export interface VrrpScript {
  name: string;
  script: string | null;
  interval: number | null;
  weight: number | null;
  fall: number | null;
  rise: number | null;
}

export interface VrrpInstance {
  name: string;
  /** the initial state written; keepalived starts a BACKUP unless it says MASTER */
  initialState: "MASTER" | "BACKUP" | null;
  interface: string | null;
  virtualRouterId: number | null;
  /** keepalived's default is 100 */
  priority: number;
  /** seconds between adverts; keepalived's default is 1 */
  advertInt: number;
  /** nopreempt as written (it only works with an initial state other than MASTER) */
  nopreempt: boolean;
  /** seconds before preempting; 0 by default */
  preemptDelay: number;
  /** the addresses without their prefix or options */
  addresses: string[];
  trackScripts: string[];
  notify: string[];
  line: number;
}

export interface KeepalivedConfig {
  routerId: string | null;
  instances: VrrpInstance[];
  scripts: VrrpScript[];
  /** keepalived also drives LVS when the file has virtual_server blocks */
  virtualServers: number;
  unread: UnreadLine[];
}

export interface KeepalivedConfigParams {
  path: string;
}

interface Node {
  key: string;
  args: string[];
  line: number;
  children: Node[] | null;
}

/** words, quoted strings and braces of one line, comments dropped */
function tokens(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] ?? "";
    if (c === "#" || c === "!") break;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "{" || c === "}") {
      out.push(c);
      i++;
      continue;
    }
    if (c === '"') {
      const end = line.indexOf('"', i + 1);
      const stop = end === -1 ? line.length : end;
      out.push(line.slice(i + 1, stop));
      i = stop + 1;
      continue;
    }
    let j = i;
    while (j < line.length && !/[\s{}#!"]/.test(line[j] ?? "")) j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

function tree(text: string, unread: Unread): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let last: Node | null = null;
  const lines = text.split("\n");
  for (let n = 1; n <= lines.length; n++) {
    const raw = lines[n - 1] ?? "";
    if (raw.length > MAX_LINE) {
      unread.add(n, raw, "line too long");
      continue;
    }
    const words = tokens(raw);
    if (words[0]?.startsWith("@") || words[0]?.startsWith("$")) {
      unread.add(n, raw, words[0].startsWith("@") ? "applies only to some hosts (config id): not read" : "a variable definition: not read");
      continue;
    }
    let current: Node | null = null;
    for (const word of words) {
      const level = stack.at(-1) ?? root;
      if (word === "{") {
        const owner = current ?? last;
        if (owner && owner.children === null) {
          owner.children = [];
          stack.push(owner.children);
        } else stack.push([]);
        current = null;
        last = null;
        continue;
      }
      if (word === "}") {
        if (stack.length > 1) stack.pop();
        else unread.add(n, raw, "a closing brace without an opening one");
        current = null;
        last = null;
        continue;
      }
      if (current) current.args.push(word);
      else {
        current = { key: word, args: [], line: n, children: null };
        level.push(current);
      }
    }
    if (current) last = current;
  }
  if (stack.length > 1) unread.add(lines.length, "", "a block is never closed (truncated?)");
  return root;
}

function int(value: string | undefined, fallback: number | null): number | null {
  return value !== undefined && /^-?\d{1,9}$/.test(value) ? Number(value) : fallback;
}

function instance(node: Node): VrrpInstance {
  const get = (key: string) => node.children?.find((c) => c.key === key);
  const state = get("state")?.args[0];
  const block = (key: string) => get(key)?.children ?? [];
  return {
    name: node.args[0] ?? "",
    initialState: state === "MASTER" || state === "BACKUP" ? state : null,
    interface: get("interface")?.args[0] ?? null,
    virtualRouterId: int(get("virtual_router_id")?.args[0], null),
    priority: int(get("priority")?.args[0], 100) ?? 100,
    advertInt: Number(get("advert_int")?.args[0] ?? 1) || 1,
    nopreempt: get("nopreempt") !== undefined,
    preemptDelay: Number(get("preempt_delay")?.args[0] ?? 0) || 0,
    addresses: block("virtual_ipaddress").map((a) => a.key.split("/")[0] ?? a.key),
    trackScripts: block("track_script").map((s) => s.key),
    notify: (node.children ?? []).filter((c) => c.key.startsWith("notify")).map((c) => c.args.join(" ")),
    line: node.line,
  };
}

function script(node: Node): VrrpScript {
  const get = (key: string) => node.children?.find((c) => c.key === key)?.args;
  return {
    name: node.args[0] ?? "",
    script: get("script")?.join(" ") ?? null,
    interval: int(get("interval")?.[0], null),
    weight: int(get("weight")?.[0], null),
    fall: int(get("fall")?.[0], null),
    rise: int(get("rise")?.[0], null),
  };
}

const TOP = ["global_defs", "vrrp_instance", "vrrp_script", "vrrp_sync_group", "virtual_server", "virtual_server_group", "static_ipaddress", "static_routes", "static_rules", "vrrp_track_file", "vrrp_track_process", "linkbeat_interfaces", "net_namespace", "bfd_instance", "track_file"];

/** Hides auth_pass before anything is kept, the raw text of an unreadable answer included. */
export function withoutSecrets(text: string): string {
  return text.replace(/(\bauth_pass\s+)\S+/g, "$1(hidden)");
}

export function parseKeepalivedConfig(stdout: string): Parsed<KeepalivedConfig> {
  return readOutput(withoutSecrets(stdout), (text) => {
    const unread = new Unread();
    const nodes = tree(text, unread);
    if (!nodes.some((n) => TOP.includes(n.key))) cannotRead("no keepalived.conf block (global_defs, vrrp_instance, vrrp_script, virtual_server...)");
    for (const n of nodes) {
      if (n.key === "include") unread.add(n.line, `include ${n.args.join(" ")}`, "include is not followed: the console reads one file");
      else if (!TOP.includes(n.key)) unread.add(n.line, [n.key, ...n.args].join(" "), "not a keepalived.conf block");
    }
    const global = nodes.find((n) => n.key === "global_defs");
    return {
      routerId: global?.children?.find((c) => c.key === "router_id")?.args[0] ?? null,
      instances: nodes.filter((n) => n.key === "vrrp_instance" && n.children !== null).map(instance),
      scripts: nodes.filter((n) => n.key === "vrrp_script" && n.children !== null).map(script),
      virtualServers: nodes.filter((n) => n.key === "virtual_server").length,
      unread: unread.list(),
    };
  });
}

/** Read through sudo: keepalived.conf holds auth_pass and is often readable by root only. */
export const keepalivedConfProbe: Probe<KeepalivedConfig, KeepalivedConfigParams> = {
  name: "keepalived-conf",
  roles: ["lb", "fs"],
  readOnly: true,
  command: ({ path }) => `/usr/bin/cat ${shellQuote(path)}`,
  parse: parseKeepalivedConfig,
};
