import type { LvsConn, LvsDest, LvsRates, LvsService, LvsStats, LvsTable } from "../model/lvs";

export const IPVS_HEADER = "IP Virtual Server version 1.2.1 (size=4096)\n";

export interface ListFormat {
  stats?: boolean;
  rate?: boolean;
  exact?: boolean;
  persistentConn?: boolean;
}

/** ipvsadm's print_largenum: 9 columns, then K/M/G/T past 100 million unless --exact */
export function largenum(n: number, exact: boolean): string {
  const i = Math.max(0, Math.floor(n));
  if (exact) {
    const s = String(i);
    return s.padStart(s.length <= 8 ? 9 : s.length + 1);
  }
  if (i < 100_000_000) return String(i).padStart(9);
  if (i < 1_000_000_000) return `${String(Math.floor(i / 1000)).padStart(8)}K`;
  if (i < 100_000_000_000) return `${String(Math.floor(i / 1_000_000)).padStart(8)}M`;
  if (i < 100_000_000_000_000) return `${String(Math.floor(i / 1_000_000_000)).padStart(8)}G`;
  return `${String(Math.floor(i / 1_000_000_000_000)).padStart(8)}T`;
}

function ipNum(a: string): number {
  return a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function sortedServices(table: LvsTable): LvsService[] {
  return [...table.services].sort((a, b) => a.protocol.localeCompare(b.protocol) || ipNum(a.address) - ipNum(b.address) || a.port - b.port);
}

function sortedDests(svc: LvsService): LvsDest[] {
  return [...svc.dests].sort((a, b) => ipNum(a.address) - ipNum(b.address) || a.port - b.port);
}

const counters = (s: LvsStats, exact: boolean): string =>
  [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes].map((n) => largenum(n, exact)).join("");
const rates = (r: LvsRates, exact: boolean): string =>
  [r.cps, r.inpps, r.outpps, r.inbps, r.outbps].map((n) => largenum(Math.round(n), exact)).join("");

/** `ipvsadm -L -n` and its --stats / --rate variants, byte for byte */
export function listTable(table: LvsTable, now: number, fmt: ListFormat = {}, only?: LvsService): string {
  let out = IPVS_HEADER;
  if (fmt.stats) out += "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n";
  else if (fmt.rate) out += "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n  -> RemoteAddress:Port\n";
  else if (fmt.persistentConn) out += "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n  -> RemoteAddress:Port\n";
  else out += "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
  const exact = fmt.exact ?? false;
  for (const svc of only ? [only] : sortedServices(table)) {
    const name = `${svc.protocol}  ${svc.address}:${svc.port}`.slice(0, 33);
    if (fmt.stats) out += `${name.padEnd(33)}${counters(svc.stats, exact)}\n`;
    else if (fmt.rate) out += `${name.padEnd(33)}${rates(svc.rates, exact)}\n`;
    else out += `${name} ${svc.scheduler}${svc.persistent > 0 ? ` persistent ${svc.persistent}` : ""}\n`;
    for (const d of sortedDests(svc)) {
      const dname = `${d.address}:${d.port}`.slice(0, 28).padEnd(28);
      const c = table.activeInactive(d, svc, now);
      if (fmt.stats) out += `  -> ${dname}${counters(d.stats, exact)}\n`;
      else if (fmt.rate) out += `  -> ${dname}${rates(d.rates, exact)}\n`;
      else if (fmt.persistentConn) out += `  -> ${dname} ${String(d.weight).padEnd(9)} ${String(c.persistent).padEnd(11)} ${String(c.active).padEnd(10)} ${String(c.inactive).padEnd(10)}\n`;
      else out += `  -> ${dname} ${d.forward.padEnd(7)} ${String(d.weight).padEnd(6)} ${String(c.active).padEnd(10)} ${String(c.inactive).padEnd(10)}\n`;
    }
  }
  return out;
}

/** `ipvsadm -L -n -c`: the connection entries and persistence templates with their expiry countdowns */
export function listConnections(table: LvsTable, now: number): string {
  let out = "IPVS connection entries\npro expire state       source             virtual            destination\n";
  for (const c of table.conns) {
    if (c.expires <= now) continue;
    out += connLine(c, now);
  }
  return out;
}

function connLine(c: LvsConn, now: number): string {
  const left = Math.max(0, Math.floor((c.expires - now) / 1000));
  const expire = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
  const src = `${c.clientAddress}:${c.clientPort}`;
  const vip = `${c.vip}:${c.vport}`;
  const dst = `${c.destAddress}:${c.destPort}`;
  return `${c.protocol.padEnd(3)} ${expire.padEnd(6)} ${c.state.padEnd(11)} ${src.padEnd(18)} ${vip.padEnd(18)} ${dst}\n`;
}

const FWD_SWITCH: Record<string, string> = { Route: "-g", Masq: "-m", Tunnel: "-i", Local: "-g" };

/** `ipvsadm -S -n`: the table as the commands that rebuild it */
export function saveTable(table: LvsTable): string {
  let out = "";
  for (const svc of sortedServices(table)) {
    const name = `${svc.protocol === "TCP" ? "-t" : "-u"} ${svc.address}:${svc.port}`;
    out += `-A ${name} -s ${svc.scheduler}${svc.persistent > 0 ? ` -p ${svc.persistent}` : ""}\n`;
    for (const d of sortedDests(svc)) out += `-a ${name} -r ${d.address}:${d.port} ${FWD_SWITCH[d.forward] ?? "-g"} -w ${d.weight}\n`;
  }
  return out;
}

const hex = (a: string): string =>
  a
    .split(".")
    .map((o) => Number(o).toString(16).toUpperCase().padStart(2, "0"))
    .join("");
const hexPort = (p: number): string => p.toString(16).toUpperCase().padStart(4, "0");

/** /proc/net/ip_vs, the kernel's own view that ipvsadm reads */
export function procNetIpVs(table: LvsTable, now: number): string {
  let out = `${IPVS_HEADER}Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n`;
  for (const svc of table.services) {
    out += `${svc.protocol}  ${hex(svc.address)}:${hexPort(svc.port)} ${svc.scheduler} ${svc.persistent > 0 ? `persistent ${svc.persistent} FFFFFFFF\n` : " \n"}`;
    for (const d of svc.dests) {
      const c = table.activeInactive(d, svc, now);
      out += `  -> ${hex(d.address)}:${hexPort(d.port)}      ${d.forward.padEnd(7)} ${String(d.weight).padEnd(6)} ${String(c.active).padEnd(10)} ${String(c.inactive).padEnd(10)}\n`;
    }
  }
  return out;
}
