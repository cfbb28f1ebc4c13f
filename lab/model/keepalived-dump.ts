// What keepalived 2.2.7 writes on its signals, laid out as the real one does (captured on Debian 12:
// lib/probes/__fixtures__/keepalived/): SIGUSR1 -> /tmp/keepalived.data (+ keepalived_parent.data),
// SIGUSR2 -> /tmp/keepalived.stats, SIGRTMIN+2 (36) -> /tmp/keepalived.json.

import type { KaScript } from "./keepalived-config";
import { sourceAddress } from "./keepalived-config";
import type { VrrpNode, VrrpState } from "./keepalived";

export const KEEPALIVED_SIGNALS = { STOP: 15, RELOAD: 1, DATA: 10, STATS: 12, STATS_CLEAR: 63, JSON: 36 } as const;
export const DUMP_FILES = { data: "/tmp/keepalived.data", parentData: "/tmp/keepalived_parent.data", stats: "/tmp/keepalived.stats", json: "/tmp/keepalived.json" } as const;

const STATE_NUMBER: Readonly<Record<VrrpState, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

export interface DumpView {
  node: VrrpNode;
  /** the running priority with track-script weights */
  effectivePriority: number;
  masterDownUs: number;
  /** host-clock epoch ms of a model time (hosts show wall time, the model may run faster) */
  wall: (modelMs: number) => number;
  now: number;
  faults: number;
  /** the VM's addresses and MACs as `ip addr` shows them */
  nics: { name: "eth0" | "eth1"; index: number; address: string; mac: string; linkLocal: string }[];
}

function globals(routerId: string, parent: boolean): string[] {
  const garpLower = parent ? "4294967295" : "5";
  return [
    "------< Global definitions >------",
    " Network namespace = (default)",
    " Network namespace ipvs = (main namespace)",
    ` Router ID = ${routerId}`,
    " Default smtp_alert = unset",
    " Default smtp_alert_vrrp = unset",
    " Default smtp_alert_checker = unset",
    " Checkers log all failures = false",
    " No test config before reload",
    " Dynamic interfaces = false",
    ...(parent ? [] : [" Default interface = eth0"]),
    " Disable local IGMP = no",
    " LVS flush = false",
    " LVS flush on stop = disabled",
    " FIFO write vrrp states on reload = false",
    " VRRP notify priority changes = false",
    " VRRP IPv4 mcast group = 224.0.0.18",
    " VRRP IPv6 mcast group = ff02::12",
    " Gratuitous ARP delay = 5",
    " Gratuitous ARP repeat = 5",
    " Gratuitous ARP refresh timer = 0",
    " Gratuitous ARP refresh repeat = 1",
    ` Gratuitous ARP lower priority delay = ${garpLower}`,
    ` Gratuitous ARP lower priority repeat = ${garpLower}`,
    " Num adverts before down = 3",
    " Gratuitous ARP for each secondary VMAC = 0s",
    " Send advert after receive lower priority advert = true",
    " Send advert after receive higher priority advert = false",
    " Gratuitous ARP interval = 0.000000",
    " Gratuitous NA interval = 0.000000",
    " VRRP default protocol version = 2",
    " nftables without counters",
    " libnftnl version 1.2.3",
    " VRRP check unicast_src = false",
    " VRRP skip check advert addresses = false",
    " VRRP strict mode = false",
    " Max auto priority = 0",
    " Min auto priority delay = 1000000 usecs",
    " VRRP process priority = 0",
    " VRRP don't swap = false",
    " VRRP realtime priority = 0",
    " VRRP realtime limit = 10000",
    " Checker process priority = 0",
    " Checker don't swap = false",
    " Checker realtime priority = 0",
    " Checker realtime limit = 10000",
    " BFD process priority = 0",
    " BFD don't swap = false",
    " BFD realtime priority = 0",
    " BFD realtime limit = 10000",
    " SNMP vrrp disabled",
    " SNMP checker disabled",
    " SNMP RFCv2 disabled",
    " SNMP RFCv3 disabled",
    " SNMP traps disabled",
    " SNMP socket = default (unix:/var/agentx/master)",
    " DBus disabled",
    " DBus service name = ",
    " Script security enabled",
    " Default script uid:gid 0:0",
    " vrrp_netlink_cmd_rcv_bufs = 0",
    " vrrp_netlink_cmd_rcv_bufs_force = 0",
    " vrrp_netlink_monitor_rcv_bufs = 0",
    " vrrp_netlink_monitor_rcv_bufs_force = 0",
    " process_monitor_rcv_bufs = 0",
    " process_monitor_rcv_bufs_force = 0",
    " lvs_netlink_cmd_rcv_bufs = 0",
    " lvs_netlink_cmd_rcv_bufs_force = 0",
    " lvs_netlink_monitor_rcv_bufs = 0",
    " lvs_netlink_monitor_rcv_bufs_force = 0",
    " rs_init_notifies = 0",
    " no_checker_emails = 0",
    " rx_bufs_multiples = 3",
    " umask = 0177",
  ];
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `1796324080.975243 (Thu Dec  3 18:54:40.975243 2026)`, keepalived's timeval print (the VMs run UTC) */
export function timeval(ms: number): string {
  const d = new Date(ms);
  const usec = String(Math.floor((ms % 1000) * 1000)).padStart(6, "0");
  const pad = (n: number): string => String(n).padStart(2, "0");
  const ctime = `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${usec} ${d.getUTCFullYear()}`;
  return `${Math.floor(ms / 1000)}.${usec} (${ctime})`;
}

/** keepalived prints a command as its quoted words */
function quotedWords(command: string): string {
  return command
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `'${w}'`)
    .join(" ");
}

function scriptResult(s: KaScript, good: boolean | null): number {
  return good === null ? s.rise - 1 : good ? s.rise + s.fall - 1 : 0;
}

/** /tmp/keepalived.data, the VRRP child's dump */
export function vrrpData(v: DumpView): string {
  const n = v.node;
  const inst = n.inst;
  const cfg = n.cfg;
  const out = globals(cfg?.routerId || n.vm, false);
  out.push("------< VRRP Topology >------");
  if (inst && cfg) {
    const state = n.state;
    const readTimeout =
      state === "FAULT" || state === "INIT" ? "DISABLED" : timeval(v.wall(state === "MASTER" ? n.lastAdvertAt + inst.advertMs : Math.min(n.masterDownAt, v.now + v.masterDownUs / 1000)));
    out.push(` VRRP Instance = ${inst.name}`, "   VRRP Version = 2", `   State = ${state}`);
    if (state === "BACKUP" && n.masterRouter) out.push(`   Master router = ${n.masterRouter}`, `   Master priority = ${n.masterPriority}`);
    out.push(
      `   Flags:${inst.nopreempt ? "" : " none"}`,
      `   Wantstate = ${state}`,
      "   Number of config faults = 0",
      `   Number of interface and track script faults = ${v.faults}`,
      `   Number of track scripts init = ${[...n.scripts.values()].filter((s) => s.good === null).length}`,
      `   Last transition = ${timeval(v.wall(n.lastTransition))}`,
      `   Read timeout = ${readTimeout}`,
      `   Master down timer = ${v.masterDownUs} usecs`,
      `   Interface = ${inst.interface}`,
      `   Using src_ip = ${sourceAddress(n.vm, inst.interface)}`,
      "   Multicast address 224.0.0.18",
      "   Gratuitous ARP delay = 5",
      "   Gratuitous ARP repeat = 5",
      "   Gratuitous ARP refresh = 0",
      "   Gratuitous ARP refresh repeat = 1",
      "   Gratuitous ARP lower priority delay = 5",
      "   Gratuitous ARP lower priority repeat = 5",
      "   Down timer adverts = 3",
      "   Send advert after receive lower priority advert = true",
      "   Send advert after receive higher priority advert = false",
      `   Virtual Router ID = ${inst.vrid}`,
      `   Priority = ${inst.priority}`,
      `   Effective priority = ${v.effectivePriority}`,
      `   Total priority = ${v.effectivePriority}`,
      `   Advert interval = ${inst.advertMs / 1000} sec`,
      "   Accept = enabled",
      `   Preempt = ${inst.nopreempt ? "disabled" : "enabled"}`,
    );
    if (inst.preemptDelayMs) out.push(`   Preempt delay = ${inst.preemptDelayMs / 1000} secs`);
    out.push("   Promote_secondaries = disabled");
    if (inst.authType) out.push(`   Authentication type = ${inst.authType === "PASS" ? "SIMPLE_PASSWORD" : "IPSEC_AH"}`, `   Password = ${inst.authPass}`);
    out.push(`   Virtual IP (${inst.vips.length}):`, ...inst.vips.map((x) => `     ${x.cidr} dev ${x.dev} scope global${n.vipUp ? " set" : ""}`));
    out.push("   fd_in 13, fd_out 14");
    if (inst.trackInterfaces.length) out.push("   Tracked interfaces :", ...inst.trackInterfaces.map((i) => `     ${i} weight 0`));
    if (inst.trackScripts.length) out.push("   Tracked scripts :", ...inst.trackScripts.map((s) => `     ${s} weight ${cfg.scripts.get(s)?.weight ?? 0}`));
    out.push("   Using smtp notification = no", "   Notify deleted = Fault");
    const script = (label: string, line: string | null): void => {
      if (line) out.push(`   ${label} state transition script = ${quotedWords(line)}, uid:gid 0:0`);
    };
    script("Backup", inst.notifyBackup);
    script("Master", inst.notifyMaster);
    script("Fault", inst.notifyFault);
    script("Stop", inst.notifyStop);
    script("Generic", inst.notify);
    out.push("   Notify priority changes = false");
    out.push(
      "------< VRRP Sockpool >------",
      " fd_in 13 fd_out = 14",
      `   Interface = ${inst.interface}`,
      "   Family = IPv4",
      "   Protocol = VRRP",
      "   Type = Multicast",
      "   Rx buf size = 0",
      "   VRRP instances",
      `     ${inst.name} vrid ${inst.vrid}`,
    );
    if (cfg.scripts.size) out.push("------< VRRP Scripts >------");
    for (const s of cfg.scripts.values()) {
      const r = n.scripts.get(s.name);
      const good = r?.good ?? null;
      out.push(
        ` VRRP Script = ${s.name}`,
        `   Command = ${quotedWords(s.command)}`,
        `   Interval = ${s.intervalMs / 1000} sec`,
        "   Timeout = 0 sec",
        `   Weight = ${s.weight}`,
        `   Rise = ${s.rise}`,
        `   Fall = ${s.fall}`,
        `   Result = ${scriptResult(s, good)}`,
        "   Insecure = no",
        "   Init state = unknown",
        `   Status = ${good === null ? "INIT" : good ? "GOOD" : "BAD"}`,
        "   Script uid:gid = 0:0",
        "   VRRP instances :",
        "   Tracking instances :",
        ...(inst.trackScripts.includes(s.name) ? [`     ${inst.name}, weight ${s.weight}`] : []),
        "   State = idle",
      );
    }
  }
  out.push("------< Interfaces >------");
  out.push(
    " Name = lo",
    "   index = 1",
    "   IPv4 address = 127.0.0.1",
    "   IPv6 address = (none)",
    "   State = UP, RUNNING, no broadcast, loopback, no multicast",
    ...nicTail("LOOPBACK", 65536),
  );
  for (const nic of v.nics) {
    out.push(
      ` Name = ${nic.name}`,
      `   index = ${nic.index}`,
      `   IPv4 address = ${nic.address}`,
      `   IPv6 address = ${nic.linkLocal}`,
      `   MAC = ${nic.mac}`,
      "   MAC broadcast = ff:ff:ff:ff:ff:ff",
      "   State = UP, RUNNING",
      ...nicTail("ETHERNET", 1500),
    );
    if (inst && (inst.interface === nic.name || inst.trackInterfaces.includes(nic.name))) out.push("   Tracking VRRP instances :", `     ${inst.name}, weight 0`);
  }
  return `${out.join("\n")}\n`;
}

function nicTail(hw: string, mtu: number): string[] {
  return [
    "   Seen up = 1",
    "   Delayed state change running = false",
    "   Up debounce timer = 0us",
    "   Down debounce timer = 0us",
    `   MTU = ${mtu}`,
    `   HW Type = ${hw}`,
    "   NIC netlink status update",
    "   Reset ARP config counter 0",
    "   Original arp_ignore 0",
    "   Original arp_filter 0",
    "   Original promote_secondaries 0",
    "   Reset promote_secondaries counter 0",
  ];
}

/** /tmp/keepalived_parent.data: the parent's globals only */
export function parentData(routerId: string): string {
  return `${globals(routerId, true).join("\n")}\n`;
}

/** /tmp/keepalived.stats */
export function vrrpStats(n: VrrpNode): string {
  if (!n.inst) return "";
  const s = n.stats;
  return [
    `VRRP Instance: ${n.inst.name}`,
    "  Advertisements:",
    `    Received: ${s.advertRcvd}`,
    `    Sent: ${s.advertSent}`,
    `  Became master: ${s.becomeMaster}`,
    `  Released master: ${s.releaseMaster}`,
    "  Packet Errors:",
    "    Length: 0",
    "    TTL: 0",
    "    Invalid Type: 0",
    "    Advertisement Interval: 0",
    "    Address List: 0",
    "  Authentication Errors:",
    "    Invalid Type: 0",
    "    Type Mismatch: 0",
    "    Failure: 0",
    "  Priority Zero:",
    `    Received: ${s.priZeroRcvd}`,
    `    Sent: ${s.priZeroSent}`,
    "",
  ].join("\n");
}

/** /tmp/keepalived.json: one object per instance, keys in keepalived's order, slashes escaped as json-c does */
export function vrrpJson(v: DumpView): string {
  const n = v.node;
  const inst = n.inst;
  if (!inst || !n.cfg) return "[]\n";
  const str = (x: string): string => JSON.stringify(x).replace(/\//g, "\\/");
  const quoted = (line: string | null): string => (line ? quotedWords(line) : "");
  const data: [string, string][] = [
    ["iname", str(inst.name)],
    ["dont_track_primary", "0"],
    ["skip_check_adv_addr", "0"],
    ["strict_mode", "0"],
    ["vmac_ifname", str("")],
    ["ifp_ifname", str(inst.interface)],
    ["master_priority", String(n.state === "BACKUP" ? n.masterPriority : 0)],
    ["last_transition", (v.wall(n.lastTransition) / 1000).toFixed(6)],
    ["garp_delay", "5"],
    ["garp_refresh", "0"],
    ["garp_rep", "5"],
    ["garp_refresh_rep", "1"],
    ["garp_lower_prio_delay", "5"],
    ["garp_lower_prio_rep", "5"],
    ["lower_prio_no_advert", "0"],
    ["higher_prio_send_advert", "0"],
    ["vrid", String(inst.vrid)],
    ["base_priority", String(inst.priority)],
    ["effective_priority", String(v.effectivePriority)],
    ["vipset", String(n.vipUp)],
    ["promote_secondaries", "false"],
    ["adver_int", String(inst.advertMs / 1000)],
    ["master_adver_int", String(inst.advertMs / 1000)],
    ["accept", "1"],
    ["nopreempt", String(inst.nopreempt)],
    ["preempt_delay", String(inst.preemptDelayMs / 1000)],
    ["state", String(STATE_NUMBER[n.state])],
    ["wantstate", String(STATE_NUMBER[n.state])],
    ["version", "2"],
    ["smtp_alert", "false"],
    ["notify_deleted", "false"],
  ];
  if (inst.notifyBackup) data.push(["script_backup", str(quoted(inst.notifyBackup))]);
  if (inst.notifyMaster) data.push(["script_master", str(quoted(inst.notifyMaster))]);
  if (inst.notifyFault) data.push(["script_fault", str(quoted(inst.notifyFault))]);
  if (inst.notifyStop) data.push(["script_stop", str(quoted(inst.notifyStop))]);
  if (inst.notify) data.push(["script", str(quoted(inst.notify))]);
  data.push(["vips", `[${inst.vips.map((x) => str(`${x.cidr} dev ${x.dev} scope global${n.vipUp ? " set" : ""}`)).join(",")}]`]);
  data.push(["track_ifp", `[${inst.trackInterfaces.map(str).join(",")}]`]);
  data.push(["track_script", `[${inst.trackScripts.map((s) => str(quotedWords(n.cfg?.scripts.get(s)?.command ?? ""))).join(",")}]`]);
  if (inst.authType) data.push(["auth_type", inst.authType === "PASS" ? "1" : "2"], ["auth_data", str(inst.authPass)]);
  const s = n.stats;
  const stats: [string, number][] = [
    ["advert_rcvd", s.advertRcvd],
    ["advert_sent", s.advertSent],
    ["become_master", s.becomeMaster],
    ["release_master", s.releaseMaster],
    ["packet_len_err", 0],
    ["advert_interval_err", 0],
    ["ip_ttl_err", 0],
    ["invalid_type_rcvd", 0],
    ["addr_list_err", 0],
    ["invalid_authtype", 0],
    ["authtype_mismatch", 0],
    ["auth_failure", 0],
    ["pri_zero_rcvd", s.priZeroRcvd],
    ["pri_zero_sent", s.priZeroSent],
  ];
  const obj = (pairs: [string, string][]): string => `{${pairs.map(([k, val]) => `"${k}":${val}`).join(",")}}`;
  return `[${obj([
    ["data", obj(data)],
    ["stats", obj(stats.map(([k, val]) => [k, String(val)]))],
  ])}]\n`;
}
