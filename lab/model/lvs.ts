// One balancer's IPVS kernel table: virtual services, real servers, connection entries and
// persistence templates, counters and the 2-second rate estimator.

export type Forward = "Route" | "Masq" | "Tunnel" | "Local";
export type ConnState = "ESTABLISHED" | "SYN_RECV" | "FIN_WAIT" | "TIME_WAIT" | "CLOSE" | "NONE";

export interface LvsStats {
  conns: number;
  inpkts: number;
  outpkts: number;
  inbytes: number;
  outbytes: number;
}

export interface LvsRates {
  cps: number;
  inpps: number;
  outpps: number;
  inbps: number;
  outbps: number;
}

export interface LvsDest {
  address: string;
  port: number;
  forward: Forward;
  weight: number;
  stats: LvsStats;
  rates: LvsRates;
  last: LvsStats;
}

export interface LvsService {
  protocol: "TCP" | "UDP";
  address: string;
  port: number;
  scheduler: string;
  /** persistence timeout in seconds, 0 = not persistent */
  persistent: number;
  dests: LvsDest[];
  stats: LvsStats;
  rates: LvsRates;
  last: LvsStats;
}

export interface LvsConn {
  protocol: "TCP" | "UDP";
  clientAddress: string;
  /** 0 for a persistence template */
  clientPort: number;
  vip: string;
  vport: number;
  destAddress: string;
  destPort: number;
  state: ConnState;
  /** model time it expires */
  expires: number;
  template: boolean;
}

export const TCP_TIMEOUTS: Readonly<Record<ConnState, number>> = {
  ESTABLISHED: 900_000,
  SYN_RECV: 60_000,
  FIN_WAIT: 120_000,
  TIME_WAIT: 120_000,
  CLOSE: 10_000,
  NONE: 0,
};

export class LvsError extends Error {}

const zeroStats = (): LvsStats => ({ conns: 0, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0 });
const zeroRates = (): LvsRates => ({ cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 });

export class LvsTable {
  services: LvsService[] = [];
  conns: LvsConn[] = [];

  clear(): void {
    this.services = [];
    this.conns = [];
  }

  findService(protocol: string, address: string, port: number): LvsService | undefined {
    return this.services.find((s) => s.protocol === protocol && s.address === address && s.port === port);
  }

  addService(spec: { protocol: "TCP" | "UDP"; address: string; port: number; scheduler: string; persistent: number }): void {
    if (this.findService(spec.protocol, spec.address, spec.port)) throw new LvsError("Service already exists");
    this.services.push({ ...spec, dests: [], stats: zeroStats(), rates: zeroRates(), last: zeroStats() });
  }

  editService(spec: { protocol: string; address: string; port: number; scheduler?: string; persistent?: number }): void {
    const svc = this.findService(spec.protocol, spec.address, spec.port);
    if (!svc) throw new LvsError("No such service");
    if (spec.scheduler !== undefined) svc.scheduler = spec.scheduler;
    if (spec.persistent !== undefined) svc.persistent = spec.persistent;
  }

  deleteService(protocol: string, address: string, port: number): void {
    const svc = this.findService(protocol, address, port);
    if (!svc) throw new LvsError("No such service");
    this.services = this.services.filter((s) => s !== svc);
    this.conns = this.conns.filter((c) => !(c.vip === address && c.vport === port));
  }

  findDest(svc: LvsService, address: string, port: number): LvsDest | undefined {
    return svc.dests.find((d) => d.address === address && d.port === port);
  }

  addDest(protocol: string, vip: string, vport: number, dest: { address: string; port: number; forward: Forward; weight: number }): void {
    const svc = this.findService(protocol, vip, vport);
    if (!svc) throw new LvsError("Service not defined");
    if (this.findDest(svc, dest.address, dest.port)) throw new LvsError("Destination already exists");
    svc.dests.push({ ...dest, stats: zeroStats(), rates: zeroRates(), last: zeroStats() });
  }

  editDest(protocol: string, vip: string, vport: number, dest: { address: string; port: number; forward?: Forward; weight?: number }): void {
    const svc = this.findService(protocol, vip, vport);
    if (!svc) throw new LvsError("Service not defined");
    const d = this.findDest(svc, dest.address, dest.port);
    if (!d) throw new LvsError("No such destination");
    if (dest.forward !== undefined) d.forward = dest.forward;
    if (dest.weight !== undefined) d.weight = dest.weight;
  }

  deleteDest(protocol: string, vip: string, vport: number, address: string, port: number): void {
    const svc = this.findService(protocol, vip, vport);
    if (!svc) throw new LvsError("Service not defined");
    const d = this.findDest(svc, address, port);
    if (!d) throw new LvsError("No such destination");
    svc.dests = svc.dests.filter((x) => x !== d);
    // templates pointing at a removed server are invalidated, unlike those of a quiesced one
    this.conns = this.conns.filter((c) => !(c.template && c.vip === vip && c.vport === vport && c.destAddress === address));
  }

  /** drop expired entries; a template with live connections is re-armed, as the kernel does */
  sweep(now: number): void {
    const live = this.conns.filter((c) => c.template || c.expires > now);
    for (const t of live) {
      if (!t.template || t.expires > now) continue;
      const controlled = live.some((c) => !c.template && c.clientAddress === t.clientAddress && c.vip === t.vip && c.vport === t.vport);
      if (controlled) t.expires = now + this.persistenceOf(t) * 1000;
    }
    this.conns = live.filter((c) => c.expires > now);
  }

  activeInactive(dest: LvsDest, svc: LvsService, now: number): { active: number; inactive: number; persistent: number } {
    let active = 0;
    let inactive = 0;
    let persistent = 0;
    for (const c of this.conns) {
      if (c.expires <= now || c.vip !== svc.address || c.vport !== svc.port || c.destAddress !== dest.address || c.destPort !== dest.port) continue;
      if (c.template) persistent++;
      else if (c.state === "ESTABLISHED") active++;
      else inactive++;
    }
    return { active, inactive, persistent };
  }

  /** pick a real server for a new connection: the client's template first, else the scheduler */
  schedule(svc: LvsService, client: string, now: number): LvsDest | null {
    if (svc.persistent > 0) {
      const t = this.conns.find((c) => c.template && c.expires > now && c.clientAddress === client && c.vip === svc.address && c.vport === svc.port);
      if (t) {
        const d = svc.dests.find((x) => x.address === t.destAddress && x.port === t.destPort);
        if (d) {
          t.expires = now + svc.persistent * 1000;
          return d;
        }
      }
    }
    const picked = this.pick(svc, now);
    if (picked && svc.persistent > 0) {
      this.conns.push({
        protocol: svc.protocol,
        clientAddress: client,
        clientPort: 0,
        vip: svc.address,
        vport: svc.port,
        destAddress: picked.address,
        destPort: picked.port,
        state: "NONE",
        expires: now + svc.persistent * 1000,
        template: true,
      });
    }
    return picked;
  }

  private pick(svc: LvsService, now: number): LvsDest | null {
    const usable = svc.dests.filter((d) => d.weight > 0);
    if (usable.length === 0) return null;
    if (svc.scheduler === "rr" || svc.scheduler === "wrr") {
      const sorted = [...usable].sort((a, b) => a.stats.conns - b.stats.conns);
      return sorted[0] ?? null;
    }
    // wlc / lc: overhead = active*256 + inactive, lowest overhead per weight wins (ties: first listed)
    let best: LvsDest | null = null;
    let bestOverhead = 0;
    for (const d of usable) {
      const { active, inactive } = this.activeInactive(d, svc, now);
      const overhead = active * 256 + inactive;
      const weight = svc.scheduler === "lc" ? 1 : d.weight;
      const bestWeight = best ? (svc.scheduler === "lc" ? 1 : best.weight) : 1;
      if (!best || overhead * bestWeight < bestOverhead * weight) {
        best = d;
        bestOverhead = overhead;
      }
    }
    return best;
  }

  openConn(svc: LvsService, dest: LvsDest, client: string, clientPort: number, now: number, state: ConnState = "ESTABLISHED"): LvsConn {
    const conn: LvsConn = {
      protocol: svc.protocol,
      clientAddress: client,
      clientPort,
      vip: svc.address,
      vport: svc.port,
      destAddress: dest.address,
      destPort: dest.port,
      state,
      expires: now + TCP_TIMEOUTS[state],
      template: false,
    };
    this.conns.push(conn);
    for (const s of [svc.stats, dest.stats]) s.conns++;
    return conn;
  }

  /** inbound packets always pass the director; outbound only with NAT (Masq), never in direct routing */
  count(svc: LvsService, dest: LvsDest, inPkts: number, inBytes: number, outPkts: number, outBytes: number): void {
    const masq = dest.forward === "Masq";
    for (const s of [svc.stats, dest.stats]) {
      s.inpkts += inPkts;
      s.inbytes += inBytes;
      if (masq) {
        s.outpkts += outPkts;
        s.outbytes += outBytes;
      }
    }
  }

  setState(conn: LvsConn, state: ConnState, now: number): void {
    conn.state = state;
    conn.expires = now + TCP_TIMEOUTS[state];
  }

  /** the kernel estimator: every 2 s, rates move a quarter of the way to the last interval's rate */
  estimate(intervalMs: number): void {
    for (const svc of this.services) {
      updateRates(svc, intervalMs);
      for (const d of svc.dests) updateRates(d, intervalMs);
    }
  }

  private persistenceOf(t: LvsConn): number {
    return this.findService(t.protocol, t.vip, t.vport)?.persistent ?? 0;
  }
}

function updateRates(x: { stats: LvsStats; last: LvsStats; rates: LvsRates }, intervalMs: number): void {
  const sec = intervalMs / 1000;
  const move = (avg: number, delta: number): number => avg + (delta / sec - avg) / 4;
  x.rates = {
    cps: move(x.rates.cps, x.stats.conns - x.last.conns),
    inpps: move(x.rates.inpps, x.stats.inpkts - x.last.inpkts),
    outpps: move(x.rates.outpps, x.stats.outpkts - x.last.outpkts),
    inbps: move(x.rates.inbps, x.stats.inbytes - x.last.inbytes),
    outbps: move(x.rates.outbps, x.stats.outbytes - x.last.outbytes),
  };
  x.last = { ...x.stats };
}
