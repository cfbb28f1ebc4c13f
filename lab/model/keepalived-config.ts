import { LB_PUBLIC, VM_INFO } from "./settings";
import type { LabSettings, LbVm } from "./types";

export const KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf";
export const KEEPALIVED_NOTIFY = "/etc/keepalived/notify.sh";
/** where the lab's notify script keeps the last state keepalived reported, one file per VRRP instance */
export const KEEPALIVED_STATE_DIR = "/run/keepalived-state";

export interface KaScript {
  name: string;
  /** the command line, as keepalived splits it */
  command: string;
  intervalMs: number;
  fall: number;
  rise: number;
  /** 0: a failure puts the instance in FAULT; otherwise it moves the priority */
  weight: number;
}

export interface KaInstance {
  name: string;
  initialState: "MASTER" | "BACKUP";
  interface: string;
  vrid: number;
  priority: number;
  advertMs: number;
  nopreempt: boolean;
  preemptDelayMs: number;
  vips: { cidr: string; dev: string }[];
  trackInterfaces: string[];
  trackScripts: string[];
  authType: "PASS" | "AH" | null;
  authPass: string;
  notify: string | null;
  notifyMaster: string | null;
  notifyBackup: string | null;
  notifyFault: string | null;
  notifyStop: string | null;
}

export interface KaConfig {
  routerId: string;
  scriptSecurity: boolean;
  scripts: Map<string, KaScript>;
  instances: KaInstance[];
  /** `keepalived -t` lines: `(<file>: Line <n>) <message>` */
  problems: string[];
  /** a problem keepalived refuses to run with (`-t` exits 5) */
  fatal: boolean;
}

/** the keepalived.conf the lab installs: lb1 MASTER 150, lb2 BACKUP 100, preemption on, ldirectord tracked */
export function keepalivedConfText(settings: LabSettings, vm: LbVm): string {
  const master = vm === "lb1";
  return [
    "! Configuration File for keepalived (ClusterDeck lab)",
    "global_defs {",
    `    router_id ${vm}`,
    "    enable_script_security",
    "    script_user root",
    "}",
    "",
    "vrrp_script chk_ldirectord {",
    '    script "/usr/bin/systemctl is-active --quiet ldirectord"',
    "    interval 1",
    "    fall 2",
    "    rise 2",
    "}",
    "",
    "vrrp_instance VI_1 {",
    `    state ${master ? "MASTER" : "BACKUP"}`,
    "    interface eth1",
    "    virtual_router_id 51",
    `    priority ${master ? 150 : 100}`,
    "    advert_int 1",
    "    authentication {",
    "        auth_type PASS",
    "        auth_pass clusterd",
    "    }",
    "    virtual_ipaddress {",
    `        ${settings.vip}/24 dev eth0`,
    "    }",
    "    track_interface {",
    "        eth0",
    "    }",
    "    track_script {",
    "        chk_ldirectord",
    "    }",
    `    notify ${KEEPALIVED_NOTIFY}`,
    "}",
    "",
  ].join("\n");
}

/**
 * The notify script the lab installs: the one docs/keepalived.md asks operators to install (ClusterDeck's
 * lib/probes/keepalived-state.ts, copied since lab/ imports nothing from lib/). keepalived runs it with
 * `INSTANCE <name> <state> <priority>` under its own umask 0177, hence the script's `umask 022`.
 */
export function keepalivedNotifyText(): string {
  return `#!/bin/sh
# keepalived runs: <this script> INSTANCE|GROUP <name> MASTER|BACKUP|FAULT|STOP <priority>
# One file per instance in STATE_DIR, replaced atomically, readable by the console's account.
STATE_DIR=${KEEPALIVED_STATE_DIR}
umask 022
mkdir -p "$STATE_DIR" || exit 1
printf '%s %s %s %s %s\\n' "$(date +%s)" "$1" "$2" "$3" "$4" > "$STATE_DIR/.$1-$2" && mv -f "$STATE_DIR/.$1-$2" "$STATE_DIR/$1-$2"
`;
}

interface Line {
  no: number;
  words: string[];
}

/** keepalived's reader: `#` and `!` start comments, words split on blanks, quotes group, braces are words */
function lines(text: string): Line[] {
  const out: Line[] = [];
  text.split("\n").forEach((raw, i) => {
    const words: string[] = [];
    let cur = "";
    let quoted = false;
    let inWord = false;
    for (const ch of raw.slice(0, 4096)) {
      if (quoted) {
        if (ch === '"') quoted = false;
        else cur += ch;
        continue;
      }
      if (ch === "#" || ch === "!") break;
      if (ch === '"') {
        quoted = true;
        inWord = true;
        continue;
      }
      if (ch === " " || ch === "\t" || ch === "\r" || ch === "{" || ch === "}") {
        if (inWord) words.push(cur);
        cur = "";
        inWord = false;
        if (ch === "{" || ch === "}") words.push(ch);
        continue;
      }
      cur += ch;
      inWord = true;
    }
    if (inWord) words.push(cur);
    if (words.length) out.push({ no: i + 1, words });
  });
  return out;
}

interface Block {
  keyword: string;
  args: string[];
  no: number;
  children: Block[];
}

function blocks(ls: Line[]): Block[] {
  const root: Block = { keyword: "", args: [], no: 0, children: [] };
  const stack: Block[] = [root];
  for (const l of ls) {
    let words = l.words;
    while (words.length) {
      const top = stack[stack.length - 1] as Block;
      if (words[0] === "}") {
        if (stack.length > 1) stack.pop();
        words = words.slice(1);
        continue;
      }
      const open = words.indexOf("{");
      const close = words.indexOf("}");
      const end = [open, close].filter((x) => x >= 0).reduce((a, b) => Math.min(a, b), words.length);
      const [keyword = "", ...args] = words.slice(0, end);
      const b: Block = { keyword, args, no: l.no, children: [] };
      top.children.push(b);
      if (open === end) stack.push(b);
      words = words.slice(end === open ? end + 1 : end);
    }
  }
  return root.children;
}

const INSTANCE_KEYWORDS = new Set([
  "state", "interface", "virtual_router_id", "priority", "advert_int", "nopreempt", "preempt", "preempt_delay", "authentication",
  "virtual_ipaddress", "virtual_ipaddress_excluded", "track_interface", "track_script", "notify", "notify_master", "notify_backup",
  "notify_fault", "notify_stop", "unicast_src_ip", "unicast_peer", "garp_master_delay", "garp_master_refresh", "smtp_alert",
  "dont_track_primary", "mcast_src_ip", "version", "accept", "no_accept", "use_vmac", "lvs_sync_daemon_interface",
]);

/** what keepalived 2.2.7 takes from keepalived.conf for VRRP (the parts the lab's VRRP model uses), with `-t`'s complaints */
export function parseKeepalivedConf(text: string, file = KEEPALIVED_CONF): KaConfig {
  const cfg: KaConfig = { routerId: "", scriptSecurity: false, scripts: new Map(), instances: [], problems: [], fatal: false };
  const say = (no: number, msg: string): void => void cfg.problems.push(`(${file}: Line ${no}) ${msg}`);
  const num = (b: Block, lo: number, hi: number, fallback: number): number => {
    const v = Number(b.args[0]);
    if (!Number.isInteger(v) || v < lo || v > hi) {
      say(b.no, `number '${b.args[0] ?? ""}' outside range [${lo}, ${hi}]`);
      return fallback;
    }
    return v;
  };
  for (const b of blocks(lines(text))) {
    if (b.keyword === "global_defs") {
      for (const c of b.children) {
        if (c.keyword === "router_id") cfg.routerId = c.args[0] ?? "";
        else if (c.keyword === "enable_script_security") cfg.scriptSecurity = true;
      }
    } else if (b.keyword === "vrrp_script") {
      const s: KaScript = { name: b.args[0] ?? "", command: "", intervalMs: 1000, fall: 1, rise: 1, weight: 0 };
      for (const c of b.children) {
        if (c.keyword === "script") s.command = c.args.join(" ");
        else if (c.keyword === "interval") s.intervalMs = num(c, 1, 3600, 1) * 1000;
        else if (c.keyword === "fall") s.fall = num(c, 1, 1000, 1);
        else if (c.keyword === "rise") s.rise = num(c, 1, 1000, 1);
        else if (c.keyword === "weight") s.weight = Number(c.args[0]) || 0;
      }
      cfg.scripts.set(s.name, s);
    } else if (b.keyword === "vrrp_instance") {
      const name = b.args[0] ?? "";
      const inst: KaInstance = {
        name,
        initialState: "BACKUP",
        interface: "",
        vrid: 0,
        priority: 100,
        advertMs: 1000,
        nopreempt: false,
        preemptDelayMs: 0,
        vips: [],
        trackInterfaces: [],
        trackScripts: [],
        authType: null,
        authPass: "",
        notify: null,
        notifyMaster: null,
        notifyBackup: null,
        notifyFault: null,
        notifyStop: null,
      };
      for (const c of b.children) {
        const arg = c.args.join(" ");
        switch (c.keyword) {
          case "state":
            if (arg === "MASTER" || arg === "BACKUP") inst.initialState = arg;
            else say(c.no, `(${name}) unknown state '${arg}', defaulting to BACKUP`);
            break;
          case "interface":
            inst.interface = arg;
            break;
          case "virtual_router_id":
            inst.vrid = num(c, 1, 255, 0);
            break;
          case "priority": {
            const v = Number(c.args[0]);
            if (!Number.isInteger(v) || v < 1 || v > 255) {
              say(c.no, `number '${arg}' outside range [1, 255]`);
              say(c.no, `(${name}) Priority not valid! must be between 1 & 255. Using default 100`);
            } else inst.priority = v;
            break;
          }
          case "advert_int":
            inst.advertMs = Math.round((Number(c.args[0]) || 1) * 1000);
            break;
          case "nopreempt":
            inst.nopreempt = true;
            break;
          case "preempt":
            inst.nopreempt = false;
            break;
          case "preempt_delay":
            inst.preemptDelayMs = num(c, 0, 1000, 0) * 1000;
            break;
          case "authentication":
            for (const a of c.children) {
              if (a.keyword === "auth_type") inst.authType = a.args[0] === "AH" ? "AH" : "PASS";
              else if (a.keyword === "auth_pass") inst.authPass = (a.args[0] ?? "").slice(0, 8);
            }
            break;
          case "virtual_ipaddress":
            for (const a of c.children) {
              const devAt = a.args.indexOf("dev");
              inst.vips.push({ cidr: a.keyword.includes("/") ? a.keyword : `${a.keyword}/32`, dev: devAt >= 0 ? (a.args[devAt + 1] ?? inst.interface) : inst.interface });
            }
            break;
          case "track_interface":
            for (const a of c.children) inst.trackInterfaces.push(a.keyword);
            break;
          case "track_script":
            for (const a of c.children) inst.trackScripts.push(a.keyword);
            break;
          case "notify":
            inst.notify = arg;
            break;
          case "notify_master":
            inst.notifyMaster = arg;
            break;
          case "notify_backup":
            inst.notifyBackup = arg;
            break;
          case "notify_fault":
            inst.notifyFault = arg;
            break;
          case "notify_stop":
            inst.notifyStop = arg;
            break;
          default:
            if (!INSTANCE_KEYWORDS.has(c.keyword)) say(c.no, `Unknown keyword '${c.keyword}'`);
        }
      }
      if (inst.vrid === 0) {
        cfg.problems.push(`(${name}) the virtual router id must be set`);
        cfg.fatal = true;
      }
      for (const s of inst.trackScripts) if (!cfg.scripts.has(s)) cfg.problems.push(`(${name}) track script ${s} not found, ignoring...`);
      cfg.instances.push(inst);
    } else if (b.keyword !== "virtual_server" && b.keyword !== "vrrp_sync_group" && b.keyword !== "include") {
      say(b.no, `Unknown keyword '${b.keyword}'`);
    }
  }
  return cfg;
}

/** the address keepalived sends adverts from: the VM's address on the instance's interface */
export function sourceAddress(vm: LbVm, iface: string): string {
  return iface === "eth0" ? LB_PUBLIC[vm] : VM_INFO[vm].clusterAddress;
}
