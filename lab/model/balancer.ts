import fs from "node:fs";
import path from "node:path";
import { Heartbeat, LBS } from "./heartbeat";
import { LDIRECTORD_CF, ldirectordConfigText, parseLdirectordConfig } from "./ldirectord-config";
import type { LdConfig, LdReal, LdVirtual } from "./ldirectord-config";
import { LvsError, LvsTable } from "./lvs";
import { strftime } from "../tools/clock-format";
import { VM_INFO } from "./settings";
import type { LabWorld } from "./world";
import type { LbVm, Tiers, VmName, WebVm } from "./types";

interface LdState {
  configText: string;
  config: LdConfig;
  /** last check result per "vip:port/rip:port" */
  healthy: Map<string, boolean>;
  nextCheckAt: number;
  pid: number;
}

export interface BalancerNode {
  vm: LbVm;
  table: LvsTable;
  ld: LdState;
}

export const WEB_BY_ADDRESS: ReadonlyMap<string, WebVm> = new Map<string, WebVm>([
  [VM_INFO.web1.clusterAddress, "web1"],
  [VM_INFO.web2.clusterAddress, "web2"],
]);

const realKey = (v: LdVirtual, r: LdReal): string => `${v.address}:${v.port}/${r.address}:${r.port}`;

/** both balancers: heartbeat and the VIP, each one's IPVS table, and ldirectord keeping it in line with health */
export class Balancers {
  readonly heartbeat: Heartbeat;
  readonly nodes: Record<LbVm, BalancerNode>;

  constructor(
    private readonly world: LabWorld,
    private readonly tiers: Tiers,
  ) {
    this.heartbeat = new Heartbeat(world);
    const reals = [VM_INFO.web1.clusterAddress, VM_INFO.web2.clusterAddress];
    const node = (vm: LbVm): BalancerNode => {
      writeFile(world, vm, LDIRECTORD_CF, ldirectordConfigText(world.settings, reals));
      writeFile(world, vm, "/etc/ha.d/ha.cf", haCf(world));
      writeFile(world, vm, "/etc/ha.d/haresources", `lb1 IPaddr2::${world.settings.vip}/24/eth0 ldirectord::${LDIRECTORD_CF}\n`);
      const text = this.readConfig(vm);
      return {
        vm,
        table: new LvsTable(),
        ld: { configText: text, config: parseLdirectordConfig(text), healthy: new Map(), nextCheckAt: 0, pid: world.rng.int(900, 4000) },
      };
    };
    this.nodes = { lb1: node("lb1"), lb2: node("lb2") };
    for (const vm of LBS) this.ldStart(vm);

    world.onPower((vm, up) => {
      if (!isLb(vm)) return;
      if (up) {
        this.heartbeat.started(vm);
        this.ldStart(vm);
      } else {
        this.heartbeat.poweredOff(vm);
        this.nodes[vm].table.clear();
        this.nodes[vm].ld.healthy.clear();
      }
    });
    world.onServiceChange((vm, service, running) => {
      if (!isLb(vm)) return;
      if (service === "heartbeat") {
        if (running) this.heartbeat.started(vm);
        else this.heartbeat.stopped(vm);
      } else if (service === "ldirectord") {
        if (running) this.ldStart(vm);
        else this.ldStop(vm);
      }
    });
    world.scheduler.every(1000, () => {
      for (const vm of LBS) this.ldPoll(vm);
      for (const vm of LBS) this.nodes[vm].table.sweep(world.now());
    });
    world.scheduler.every(2000, () => {
      for (const vm of LBS) this.nodes[vm].table.estimate(2000);
    });
  }

  tick(): void {
    this.heartbeat.tick();
  }

  /** re-read ldirectord.cf now (ldirectord's autoreload, or `ldirectord reload`) */
  reload(vm: LbVm): void {
    if (!this.world.serviceRunning(vm, "ldirectord")) return;
    const ld = this.nodes[vm].ld;
    const text = this.readConfig(vm);
    const old = ld.config;
    ld.configText = text;
    ld.config = parseLdirectordConfig(text);
    this.world.log(`${vm}: ldirectord: configuration reloaded`);
    const table = this.nodes[vm].table;
    for (const v of old.virtuals) {
      if (!ld.config.virtuals.some((n) => n.address === v.address && n.port === v.port && n.protocol === v.protocol)) {
        tryLvs(() => table.deleteService(v.protocol, v.address, v.port));
      }
    }
    for (const v of ld.config.virtuals) {
      const svc = table.findService(v.protocol, v.address, v.port);
      if (!svc) tryLvs(() => table.addService({ protocol: v.protocol, address: v.address, port: v.port, scheduler: v.scheduler, persistent: v.persistent }));
      else tryLvs(() => table.editService({ protocol: v.protocol, address: v.address, port: v.port, scheduler: v.scheduler, persistent: v.persistent }));
      const current = table.findService(v.protocol, v.address, v.port);
      if (!current) continue;
      for (const d of [...current.dests]) {
        if (!v.reals.some((r) => r.address === d.address && r.port === d.port)) tryLvs(() => table.deleteDest(v.protocol, v.address, v.port, d.address, d.port));
      }
      for (const r of v.reals) {
        const healthy = ld.healthy.get(realKey(v, r));
        if (healthy === undefined) continue;
        this.applyHealth(vm, v, r, healthy, true);
      }
    }
    ld.nextCheckAt = this.world.now();
  }

  private readConfig(vm: LbVm): string {
    try {
      return fs.readFileSync(this.world.resolvePath(vm, LDIRECTORD_CF), "utf8");
    } catch {
      return "";
    }
  }

  private ldStart(vm: LbVm): void {
    if (!this.world.serviceRunning(vm, "ldirectord")) return;
    const n = this.nodes[vm];
    n.ld.configText = this.readConfig(vm);
    n.ld.config = parseLdirectordConfig(n.ld.configText);
    n.ld.healthy.clear();
    n.ld.pid = this.world.rng.int(900, 30000);
    for (const v of n.ld.config.virtuals) {
      tryLvs(() => n.table.addService({ protocol: v.protocol, address: v.address, port: v.port, scheduler: v.scheduler, persistent: v.persistent }));
    }
    n.ld.nextCheckAt = this.world.now();
    this.ldPoll(vm);
  }

  private ldStop(vm: LbVm): void {
    const n = this.nodes[vm];
    // ldirectord removes the virtual services it manages when it stops
    for (const v of n.ld.config.virtuals) tryLvs(() => n.table.deleteService(v.protocol, v.address, v.port));
    n.ld.healthy.clear();
  }

  private ldPoll(vm: LbVm): void {
    if (!this.world.serviceRunning(vm, "ldirectord")) return;
    const n = this.nodes[vm];
    const now = this.world.now();
    if (n.ld.config.autoreload && this.readConfig(vm) !== n.ld.configText) this.reload(vm);
    if (now < n.ld.nextCheckAt) return;
    n.ld.nextCheckAt = now + n.ld.config.checkinterval * 1000;
    for (const v of n.ld.config.virtuals) {
      for (const r of v.reals) {
        const node = WEB_BY_ADDRESS.get(r.address);
        const reachable = node !== undefined && this.world.canReach(vm, node);
        const ok = reachable && node !== undefined && this.tiers.healthCheck(node);
        const configText = n.ld.configText;
        const apply = (): void => {
          if (!this.world.serviceRunning(vm, "ldirectord") || n.ld.configText !== configText) return;
          this.applyHealth(vm, v, r, ok, false);
        };
        // an unreachable host answers nothing: the check only fails when checktimeout runs out
        if (reachable || n.ld.healthy.get(realKey(v, r)) === undefined) apply();
        else this.world.scheduler.after(n.ld.config.checktimeout * 1000, apply);
      }
    }
  }

  private applyHealth(vm: LbVm, v: LdVirtual, r: LdReal, ok: boolean, force: boolean): void {
    const n = this.nodes[vm];
    const key = realKey(v, r);
    const before = n.ld.healthy.get(key);
    n.ld.healthy.set(key, ok);
    if (before === ok && !force) return;
    const svc = n.table.findService(v.protocol, v.address, v.port);
    if (!svc) return;
    const dest = n.table.findDest(svc, r.address, r.port);
    const quiescent = n.ld.config.quiescent;
    if (ok) {
      if (dest) tryLvs(() => n.table.editDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: r.weight, forward: r.forward }));
      else tryLvs(() => n.table.addDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: r.weight, forward: r.forward }));
      if (before === false || force) this.ldLog(vm, `Restored real server: ${r.address}:${r.port} (${v.address}:${v.port}) (Weight set to ${r.weight})`);
    } else if (quiescent) {
      if (dest) tryLvs(() => n.table.editDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: 0 }));
      else tryLvs(() => n.table.addDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: 0, forward: r.forward }));
      this.ldLog(vm, `Quiescent real server: ${r.address}:${r.port} mapped from ${r.address}:${r.port} ( x ${v.address}:${v.port}) (Weight set to 0)`);
    } else {
      if (dest) tryLvs(() => n.table.deleteDest(v.protocol, v.address, v.port, r.address, r.port));
      this.ldLog(vm, `Deleted real server: ${r.address}:${r.port} (${v.address}:${v.port})`);
    }
  }

  private ldLog(vm: LbVm, message: string): void {
    this.world.log(`${vm}: ldirectord: ${message}`);
    // ldirectord stamps with perl's scalar localtime, from the host clock (UTC on these VMs)
    const stamp = strftime("%a %b %e %H:%M:%S %Y", Date.now(), 0);
    try {
      const file = this.world.resolvePath(vm, "/var/log/ldirectord.log");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.appendFileSync(file, `[${stamp}|ldirectord.cf|${this.nodes[vm].ld.pid}] ${message}\n`);
    } catch {
      // a full or missing log directory never stops ldirectord
    }
  }

  truth(): unknown {
    const now = this.world.now();
    return {
      vipHolders: this.heartbeat.holders(),
      trafficTo: this.heartbeat.trafficTarget(),
      nodes: LBS.map((vm) => {
        const n = this.nodes[vm];
        const hb = this.heartbeat.nodes[vm];
        return {
          vm,
          up: this.world.isUp(vm),
          heartbeat: this.world.serviceRunning(vm, "heartbeat") ? (hb.holdsVip ? "active" : "standby") : "stopped",
          holdsVip: hb.holdsVip && this.world.isUp(vm),
          peerDead: hb.peerDead,
          ldirectord: this.world.serviceRunning(vm, "ldirectord"),
          services: n.table.services.map((s) => ({
            protocol: s.protocol,
            address: `${s.address}:${s.port}`,
            scheduler: s.scheduler,
            persistent: s.persistent,
            reals: s.dests.map((d) => ({ address: `${d.address}:${d.port}`, weight: d.weight, forward: d.forward, ...n.table.activeInactive(d, s, now), conns: d.stats.conns })),
          })),
          connections: n.table.conns.filter((c) => !c.template && c.expires > now).length,
          templates: n.table.conns.filter((c) => c.template && c.expires > now).length,
        };
      }),
    };
  }
}

export function isLb(vm: VmName): vm is LbVm {
  return vm === "lb1" || vm === "lb2";
}

function tryLvs(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof LvsError)) throw err;
  }
}

function writeFile(world: LabWorld, vm: VmName, p: string, text: string): void {
  const file = world.resolvePath(vm, p);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function haCf(world: LabWorld): string {
  return [
    "logfacility local0",
    "keepalive 1",
    `deadtime ${Math.round(world.settings.heartbeatDeadtimeMs / 1000)}`,
    "warntime 5",
    "initdead 30",
    "udpport 694",
    "bcast eth1",
    "auto_failback off",
    "node lb1",
    "node lb2",
    "",
  ].join("\n");
}
