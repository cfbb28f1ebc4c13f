import { VMS } from "../model/types";
import type { ExecContext, ExecResult, Tool, VmName } from "../model/types";
import type { CoreDeps } from "./deps";
import { ok, result } from "./io";

interface Addr {
  family: "inet" | "inet6";
  cidr: string;
  brd?: string;
  scope: "host" | "global" | "link";
  secondary?: boolean;
  label?: string;
}

interface Iface {
  index: number;
  name: string;
  flags: string;
  link: string;
  mtu: number;
  qdisc: string;
  state: string;
  addrs: Addr[];
}

function broadcast(address: string, prefix: number): string {
  const n = address.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const b = (n | (~mask >>> 0)) >>> 0;
  return [24, 16, 8, 0].map((s) => (b >>> s) & 255).join(".");
}

function mac(vm: VmName, nic: number): string {
  const i = VMS.indexOf(vm);
  return `52:54:00:${(0x10 + i).toString(16)}:${(0xa0 + nic).toString(16)}:${(0x30 + i * 2 + nic).toString(16)}`;
}

function linkLocal(m: string): string {
  const b = m.split(":").map((x) => parseInt(x, 16));
  const at = (i: number): number => b[i] ?? 0;
  const groups = [((at(0) ^ 2) << 8) | at(1), (at(2) << 8) | 0xff, (0xfe << 8) | at(3), (at(4) << 8) | at(5)];
  return `fe80::${groups.map((g) => g.toString(16)).join(":")}/64`;
}

/** the VM's interfaces as the model has them: the VIP rides on the holder's eth0; DR web nodes carry it on lo */
export function interfaces(deps: CoreDeps, vm: VmName): Iface[] {
  const info = deps.world.vm(vm);
  const vip = deps.world.settings.vip;
  const lbPublic = vm === "lb1" ? "203.0.113.11" : vm === "lb2" ? "203.0.113.12" : null;
  const eth0Addr = lbPublic ?? `10.20.0.${info.clusterAddress.split(".")[3]}`;
  const lo: Addr[] = [{ family: "inet", cidr: "127.0.0.1/8", scope: "host", label: "lo" }];
  if (info.role === "web") lo.push({ family: "inet", cidr: `${vip}/32`, scope: "global", label: "lo" });
  lo.push({ family: "inet6", cidr: "::1/128", scope: "host" });
  const eth0: Addr[] = [{ family: "inet", cidr: `${eth0Addr}/24`, brd: broadcast(eth0Addr, 24), scope: "global", label: "eth0" }];
  const eth1: Addr[] = [{ family: "inet", cidr: `${info.clusterAddress}/24`, brd: broadcast(info.clusterAddress, 24), scope: "global", label: "eth1" }];
  if (lbPublic && deps.balancers.ha.holders().includes(vm as "lb1" | "lb2")) {
    eth0.push({ family: "inet", cidr: `${vip}/24`, brd: broadcast(vip, 24), scope: "global", secondary: true, label: "eth0" });
  }
  for (const a of deps.tiers.extraAddresses?.(vm) ?? []) {
    const list = a.iface === "eth0" ? eth0 : eth1;
    list.push({ family: "inet", cidr: `${a.address}/${a.prefix}`, brd: a.prefix < 31 ? broadcast(a.address, a.prefix) : undefined, scope: "global", secondary: true, label: a.iface });
  }
  eth0.push({ family: "inet6", cidr: linkLocal(mac(vm, 0)), scope: "link" });
  eth1.push({ family: "inet6", cidr: linkLocal(mac(vm, 1)), scope: "link" });
  const up = "<BROADCAST,MULTICAST,UP,LOWER_UP>";
  return [
    { index: 1, name: "lo", flags: "<LOOPBACK,UP,LOWER_UP>", link: "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00", mtu: 65536, qdisc: "noqueue", state: "UNKNOWN", addrs: lo },
    { index: 2, name: "eth0", flags: up, link: `link/ether ${mac(vm, 0)} brd ff:ff:ff:ff:ff:ff`, mtu: 1500, qdisc: "fq_codel", state: "UP", addrs: eth0 },
    { index: 3, name: "eth1", flags: up, link: `link/ether ${mac(vm, 1)} brd ff:ff:ff:ff:ff:ff`, mtu: 1500, qdisc: "fq_codel", state: "UP", addrs: eth1 },
  ];
}

function addrText(a: Addr): string {
  const brd = a.brd ? ` brd ${a.brd}` : "";
  const sec = a.secondary ? " secondary" : "";
  const label = a.family === "inet" && a.label ? ` ${a.label}` : " ";
  return `${a.family} ${a.cidr}${brd} scope ${a.scope}${sec}${label}`;
}

/** iproute2's `ip addr show`, in full or one-line (-o) form */
function ipAddr(deps: CoreDeps, vm: VmName, oneline: boolean, family: "inet" | "inet6" | null, dev: string | null): ExecResult {
  const list = interfaces(deps, vm).filter((i) => dev === null || i.name === dev);
  if (dev !== null && list.length === 0) return result("", `Device "${dev}" does not exist.\n`, 1);
  let out = "";
  for (const i of list) {
    const addrs = i.addrs.filter((a) => family === null || a.family === family);
    if (oneline) {
      for (const a of addrs) out += `${i.index}: ${i.name}    ${addrText(a)}\\       valid_lft forever preferred_lft forever\n`;
      continue;
    }
    if (family !== null && addrs.length === 0) continue;
    out += `${i.index}: ${i.name}: ${i.flags} mtu ${i.mtu} qdisc ${i.qdisc} state ${i.state} group default qlen 1000\n`;
    if (family === null) out += `    ${i.link}\n`;
    if (i.name !== "lo" && family === null) out += `    altname enp${i.index - 1}s0\n`;
    for (const a of addrs) out += `    ${addrText(a)}\n       valid_lft forever preferred_lft forever\n`;
  }
  return ok(out);
}

function ip(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const args = ctx.argv.slice(1);
  let oneline = false;
  let family: "inet" | "inet6" | null = null;
  let i = 0;
  for (; i < args.length && (args[i] as string).startsWith("-"); i++) {
    const a = args[i] as string;
    if (a === "-o" || a === "-oneline") oneline = true;
    else if (a === "-4") family = "inet";
    else if (a === "-6") family = "inet6";
    else if (a === "-f" || a === "-family") family = args[++i] === "inet6" ? "inet6" : "inet";
    else if (/^-[o46]+$/.test(a)) {
      if (a.includes("o")) oneline = true;
      if (a.includes("4")) family = "inet";
      if (a.includes("6")) family = "inet6";
    }
  }
  const obj = args[i];
  const rest = args.slice(i + 1);
  if (obj === undefined) return result("", "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n", 255);
  if ("address".startsWith(obj) && obj.length >= 1) {
    const cmd = rest[0];
    const devIdx = rest.indexOf("dev");
    const dev = devIdx >= 0 ? rest[devIdx + 1] ?? null : cmd && cmd !== "show" && cmd !== "list" && cmd !== "ls" ? null : rest[1] && rest[1] !== "dev" ? rest[1] : null;
    if (cmd !== undefined && !["show", "list", "ls", "lst", "sh"].includes(cmd) && devIdx < 0) {
      if (["add", "del", "delete", "change", "replace", "flush"].includes(cmd)) return result("", "RTNETLINK answers: Operation not permitted\n", 2);
    }
    return ipAddr(deps, ctx.vm, oneline, family, dev);
  }
  if ("link".startsWith(obj)) {
    let out = "";
    for (const itf of interfaces(deps, ctx.vm)) out += `${itf.index}: ${itf.name}: ${itf.flags} mtu ${itf.mtu} qdisc ${itf.qdisc} state ${itf.state} mode DEFAULT group default qlen 1000\n    ${itf.link}\n`;
    return ok(out);
  }
  if ("route".startsWith(obj)) {
    const info = deps.world.vm(ctx.vm);
    const gw = info.role === "lb" ? "203.0.113.1" : "10.20.0.1";
    const eth0 = info.role === "lb" ? "203.0.113.0/24" : "10.20.0.0/24";
    const src0 = interfaces(deps, ctx.vm)[1]?.addrs[0]?.cidr.split("/")[0] ?? "";
    return ok(`default via ${gw} dev eth0 onlink \n${eth0} dev eth0 proto kernel scope link src ${src0} \n192.168.10.0/24 dev eth1 proto kernel scope link src ${info.clusterAddress} \n`);
  }
  return result("", `Object "${obj}" is unknown, try "ip help".\n`, 255);
}

export function netTools(deps: CoreDeps): Record<string, Tool> {
  return { ip: { roles: "all", run: (ctx) => ip(ctx, deps) } };
}
