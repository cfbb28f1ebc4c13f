import fs from "node:fs";
import path from "node:path";
import { strftime } from "../tools/clock-format";
import { LBS } from "./ha-stack";
import type { HaStack } from "./ha-stack";
import { Heartbeat } from "./heartbeat";
import { Keepalived } from "./keepalived";
import type { ScriptRunner } from "./keepalived";
import { KEEPALIVED_CONF, KEEPALIVED_NOTIFY, keepalivedConfText, keepalivedNotifyText } from "./keepalived-config";
import { configErrorText, LD_DEFAULTS, LDIRECTORD_CF, ldirectordConfigText, parseLdirectordConfig } from "./ldirectord-config";
import type { LdConfig, LdGlobals, LdReal, LdVirtual } from "./ldirectord-config";
import { LvsError, LvsTable } from "./lvs";
import { VM_INFO } from "./settings";
import type { LabWorld } from "./world";
import type { LbVm, Tiers, VmName, WebVm } from "./types";

/** the pid file `ldirectord start` (systemd's ExecStart) writes: /var/run/ldirectord.<name>.pid, <name> "ldirectord" without a config argument */
export const LD_PIDFILE = "/run/ldirectord.ldirectord.pid";
export const LD_VERSION = "Linux Director v1.186-ha";

interface LdState {
  pid: number;
  /** the file's text when ldirectord last read it (autoreload compares against it) */
  seenText: string;
  globals: LdGlobals;
  /** the virtual services it manages: the last good read (a bad reload keeps them) */
  virtuals: LdVirtual[];
  /** last check result per "vip:port/rip:port" */
  healthy: Map<string, boolean>;
  nextCheckAt: number;
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

/** both balancers: the HA stack and the VIP, each one's IPVS table, and ldirectord keeping it in line with health */
export class Balancers {
  /** heartbeat or keepalived, as the lab's settings say */
  readonly ha: HaStack;
  readonly heartbeat: Heartbeat | null = null;
  readonly keepalived: Keepalived | null = null;
  readonly nodes: Record<LbVm, BalancerNode>;

  constructor(
    private readonly world: LabWorld,
    private readonly tiers: Tiers,
  ) {
    const reals = [VM_INFO.web1.clusterAddress, VM_INFO.web2.clusterAddress];
    for (const vm of LBS) {
      writeFile(world, vm, LDIRECTORD_CF, ldirectordConfigText(world.settings, reals), 0o644);
      if (world.settings.haStack === "keepalived") {
        writeFile(world, vm, KEEPALIVED_CONF, keepalivedConfText(world.settings, vm), 0o644);
        writeFile(world, vm, KEEPALIVED_NOTIFY, keepalivedNotifyText(), 0o755);
      } else {
        writeFile(world, vm, "/etc/ha.d/ha.cf", haCf(world), 0o644);
        writeFile(world, vm, "/etc/ha.d/haresources", `lb1 IPaddr2::${world.settings.vip}/24/eth0\n`, 0o644);
        writeFile(world, vm, "/etc/ha.d/authkeys", "auth 1\n1 sha1 clusterdeck-lab\n", 0o600);
      }
    }
    const node = (vm: LbVm): BalancerNode => ({
      vm,
      table: new LvsTable(),
      ld: { pid: 0, seenText: "", globals: { ...LD_DEFAULTS }, virtuals: [], healthy: new Map(), nextCheckAt: 0 },
    });
    this.nodes = { lb1: node("lb1"), lb2: node("lb2") };
    if (world.settings.haStack === "keepalived") {
      this.keepalived = new Keepalived(world);
      this.keepalived.settle();
      this.ha = this.keepalived;
    } else {
      this.heartbeat = new Heartbeat(world);
      this.ha = this.heartbeat;
    }
    for (const vm of LBS) this.ldStart(vm, true);

    world.onPower((vm, up) => {
      if (!isLb(vm)) return;
      if (up) this.ldStart(vm, false);
      else {
        this.nodes[vm].table.clear();
        this.nodes[vm].ld.healthy.clear();
      }
    });
    world.onServiceChange((vm, service, running, how) => {
      if (!isLb(vm) || service !== "ldirectord") return;
      if (running) this.ldStart(vm, false);
      else this.ldStop(vm, how === "crash");
    });
    world.scheduler.every(1000, () => {
      for (const vm of LBS) this.ldPoll(vm);
      for (const vm of LBS) this.nodes[vm].table.sweep(world.now());
    });
    world.scheduler.every(2000, () => {
      for (const vm of LBS) this.nodes[vm].table.estimate(2000);
    });
  }

  /** how track and notify scripts run (the lab's shell, as root); set once the tools exist */
  set scriptRunner(runner: ScriptRunner) {
    this.keepalived?.attach(runner);
  }

  /** the daemons' processes on a balancer, for /proc/<pid>/comm and cmdline (the console checks a pid file's process by them) */
  processes(vm: LbVm): { pid: number; comm: string; cmdline: string[] }[] {
    const out: { pid: number; comm: string; cmdline: string[] }[] = [];
    if (this.world.serviceRunning(vm, "ldirectord")) out.push({ pid: this.nodes[vm].ld.pid, comm: "ldirectord", cmdline: ["/usr/bin/perl", "-w", "/usr/sbin/ldirectord", "start"] });
    const ka = this.keepalived?.nodes[vm];
    if (ka && this.keepalived?.running(vm)) {
      out.push({ pid: ka.parentPid, comm: "keepalived", cmdline: ["/usr/sbin/keepalived", "--dont-fork"] });
      out.push({ pid: ka.vrrpPid, comm: "keepalived", cmdline: ["/usr/sbin/keepalived", "--dont-fork"] });
    }
    return out;
  }

  /** read ldirectord.cf as ldirectord would, names resolved through the balancer's /etc/hosts */
  readConfig(vm: LbVm, file = LDIRECTORD_CF): { text: string; config: LdConfig } | null {
    let text: string;
    try {
      text = fs.readFileSync(this.world.resolvePath(vm, file), "utf8");
    } catch {
      return null;
    }
    return { text, config: parseLdirectordConfig(text, (name) => this.resolveHost(vm, name)) };
  }

  private resolveHost(vm: LbVm, name: string): string | null {
    let hosts: string;
    try {
      hosts = fs.readFileSync(this.world.resolvePath(vm, "/etc/hosts"), "utf8");
    } catch {
      return null;
    }
    for (const line of hosts.split("\n")) {
      const [addr, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
      if (addr && names.includes(name)) return addr;
    }
    return null;
  }

  /** SIGHUP (`ldirectord reload`, `systemctl reload ldirectord`): read the file again */
  reload(vm: LbVm): void {
    if (!this.world.serviceRunning(vm, "ldirectord")) return;
    this.ldLog(vm, "Reloading Linux Director Daemon config on signal");
    this.reread(vm);
  }

  /** reread_config: a good file replaces the managed services; a bad one logs its error and keeps them, with the globals reset as far as the read got */
  private reread(vm: LbVm): void {
    const n = this.nodes[vm];
    const read = this.readConfig(vm);
    n.ld.seenText = read?.text ?? "";
    const config = read?.config ?? null;
    if (!config) {
      this.ldLog(vm, `Warning [${n.ld.pid}]: can not open file ${LDIRECTORD_CF} for checking`);
      return;
    }
    n.ld.globals = config.globals;
    for (const w of config.warnings) this.ldLog(vm, `Warning [${n.ld.pid}] reading file ${LDIRECTORD_CF} at line ${w.line}: ${w.message}`);
    if (config.error) {
      this.ldLog(vm, configErrorText(n.ld.pid, LDIRECTORD_CF, config.error));
      return;
    }
    const old = n.ld.virtuals;
    n.ld.virtuals = config.virtuals;
    const table = n.table;
    for (const v of old) {
      const still = config.virtuals.find((x) => x.address === v.address && x.port === v.port && x.protocol === v.protocol);
      if (!still) {
        for (const r of v.reals) tryLvs(() => table.deleteDest(v.protocol, v.address, v.port, r.address, r.port));
        tryLvs(() => table.deleteService(v.protocol, v.address, v.port));
        this.ldLog(vm, `Deleted virtual server: ${v.address}:${v.port}`);
      }
    }
    for (const v of config.virtuals) {
      const spec = { protocol: v.protocol, address: v.address, port: v.port, scheduler: v.scheduler, persistent: v.persistent ?? 0 };
      if (table.findService(v.protocol, v.address, v.port)) {
        tryLvs(() => table.editService(spec));
        this.ldLog(vm, `Changed virtual server: ${v.address}:${v.port}`);
      } else {
        tryLvs(() => table.addService(spec));
        this.ldLog(vm, `Added virtual server: ${v.address}:${v.port}`);
      }
      const svc = table.findService(v.protocol, v.address, v.port);
      if (!svc) continue;
      for (const d of [...svc.dests]) {
        if (!v.reals.some((r) => r.address === d.address && r.port === d.port)) {
          tryLvs(() => table.deleteDest(v.protocol, v.address, v.port, d.address, d.port));
          this.ldLog(vm, `Deleted real server: ${d.address}:${d.port} (${v.address}:${v.port})`);
        }
      }
      for (const r of v.reals) {
        const healthy = n.ld.healthy.get(realKey(v, r));
        const dest = table.findDest(svc, r.address, r.port);
        const want = healthy === false ? (n.ld.globals.quiescent ? 0 : null) : r.weight;
        if (want === null) continue;
        if (!dest) {
          tryLvs(() => table.addDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: want, forward: r.forward }));
          this.ldLog(vm, `Added real server: ${r.address}:${r.port} (${v.address}:${v.port}) (Weight set to ${want})`);
        } else if (dest.weight !== want || dest.forward !== r.forward) {
          tryLvs(() => table.editDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: want, forward: r.forward }));
          this.ldLog(vm, `Restored real server: ${r.address}:${r.port} (${v.address}:${v.port}) (Weight set to ${want})`);
        }
      }
    }
  }

  /** ldirectord starting (boot or systemctl): a config error stops it (systemd: failed), else it builds its services, real servers quiesced until their first check */
  private ldStart(vm: LbVm, quietly: boolean): void {
    if (!this.world.serviceRunning(vm, "ldirectord")) return;
    const n = this.nodes[vm];
    n.ld.pid = this.world.rng.int(900, 30000);
    n.ld.healthy.clear();
    const read = this.readConfig(vm);
    if (!read || read.config.error) {
      const why = read?.config.error ? configErrorText(n.ld.pid, LDIRECTORD_CF, read.config.error) : `Config file ${LDIRECTORD_CF} not found`;
      this.world.log(`${vm}: ldirectord: ${why.split("\n")[0] ?? why}`);
      this.world.setService(vm, "ldirectord", false, "crash");
      return;
    }
    n.ld.seenText = read.text;
    n.ld.globals = read.config.globals;
    n.ld.virtuals = read.config.virtuals;
    writeFile(this.world, vm, LD_PIDFILE, `${n.ld.pid}\n`, 0o644);
    if (!quietly) {
      this.ldLog(vm, "Invoking ldirectord invoked as: /usr/sbin/ldirectord start ", n.ld.pid - 3);
      this.ldLog(vm, `Starting ${LD_VERSION} as daemon`, n.ld.pid - 3);
    }
    for (const v of n.ld.virtuals) {
      tryLvs(() => n.table.addService({ protocol: v.protocol, address: v.address, port: v.port, scheduler: v.scheduler, persistent: v.persistent ?? 0 }));
      if (!quietly) this.ldLog(vm, `Added virtual server: ${v.address}:${v.port}`);
      for (const r of v.reals) {
        tryLvs(() => n.table.addDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: r.weight, forward: r.forward }));
        if (quietly) continue;
        this.ldLog(vm, `Added real server: ${r.address}:${r.port} (${v.address}:${v.port}) (Weight set to ${r.weight})`);
        if (n.ld.globals.quiescent) {
          tryLvs(() => n.table.editDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: 0 }));
          this.ldLog(vm, `Quiescent real server: ${r.address}:${r.port} (${v.address}:${v.port}) (Weight set to 0)`);
        }
      }
    }
    n.ld.nextCheckAt = this.world.now();
    if (quietly) for (const v of n.ld.virtuals) for (const r of v.reals) n.ld.healthy.set(realKey(v, r), true);
    this.ldPoll(vm);
  }

  /** ldirectord stopping: with cleanstop (the default) it purges the services it manages; killed, it leaves the table as it was */
  private ldStop(vm: LbVm, killed: boolean): void {
    const n = this.nodes[vm];
    n.ld.healthy.clear();
    removeFile(this.world, vm, LD_PIDFILE, killed);
    if (killed) return;
    for (const v of n.ld.virtuals) {
      if (n.ld.globals.cleanstop) {
        for (const r of v.reals) {
          tryLvs(() => n.table.deleteDest(v.protocol, v.address, v.port, r.address, r.port));
          this.ldLog(vm, `Purged real server (stop): ${r.address}:${r.port} (${v.address}:${v.port})`);
        }
      }
      tryLvs(() => n.table.deleteService(v.protocol, v.address, v.port));
      this.ldLog(vm, `Purged virtual server (stop): ${v.address}:${v.port}`);
    }
    this.ldLog(vm, "Linux Director Daemon terminated on signal: TERM");
  }

  /** one turn of ldirectord's main loop (fork=no): check every real server, then the file, then sleep checkinterval */
  private ldPoll(vm: LbVm): void {
    if (!this.world.serviceRunning(vm, "ldirectord")) return;
    const n = this.nodes[vm];
    const now = this.world.now();
    if (now < n.ld.nextCheckAt) return;
    n.ld.nextCheckAt = now + n.ld.globals.checkinterval * 1000;
    const timeout = (n.ld.globals.checktimeout > 0 ? n.ld.globals.checktimeout : 5) * 1000;
    for (const v of n.ld.virtuals) {
      for (const r of v.reals) {
        const node = WEB_BY_ADDRESS.get(r.address);
        const reachable = node !== undefined && this.world.canReach(vm, node);
        const ok = reachable && node !== undefined && this.tiers.healthCheck(node);
        const pid = n.ld.pid;
        const apply = (): void => {
          if (!this.world.serviceRunning(vm, "ldirectord") || n.ld.pid !== pid || !n.ld.virtuals.includes(v)) return;
          this.applyHealth(vm, v, r, ok);
        };
        // an unreachable host answers nothing: the check only fails when checktimeout runs out
        if (reachable || n.ld.healthy.get(realKey(v, r)) === undefined) apply();
        else this.world.scheduler.after(timeout, apply);
      }
    }
    const text = this.readConfig(vm)?.text ?? "";
    if (text !== n.ld.seenText) {
      this.ldLog(vm, `Configuration file '${LDIRECTORD_CF}' has changed on disk`);
      if (n.ld.globals.autoreload) {
        this.ldLog(vm, " - reread new configuration");
        this.reread(vm);
        n.ld.nextCheckAt = now;
      } else {
        this.ldLog(vm, " - ignore new configuration");
        n.ld.seenText = text;
      }
    }
  }

  private applyHealth(vm: LbVm, v: LdVirtual, r: LdReal, ok: boolean): void {
    const n = this.nodes[vm];
    const key = realKey(v, r);
    const before = n.ld.healthy.get(key);
    n.ld.healthy.set(key, ok);
    const svc = n.table.findService(v.protocol, v.address, v.port);
    if (!svc) return;
    const dest = n.table.findDest(svc, r.address, r.port);
    if (ok) {
      if (before === true && dest) return;
      if (before === undefined || before === false) this.ldLog(vm, `Resetting soft failure count: ${r.address}:${r.port} (${v.protocol.toLowerCase()}:${v.address}:${v.port})`);
      if (dest) tryLvs(() => n.table.editDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: r.weight, forward: r.forward }));
      else tryLvs(() => n.table.addDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: r.weight, forward: r.forward }));
      this.ldLog(vm, `Restored real server: ${r.address}:${r.port} (${v.address}:${v.port}) (Weight set to ${r.weight})`);
      return;
    }
    if (before === false) return;
    if (n.ld.globals.quiescent) {
      if (dest) tryLvs(() => n.table.editDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: 0 }));
      else tryLvs(() => n.table.addDest(v.protocol, v.address, v.port, { address: r.address, port: r.port, weight: 0, forward: r.forward }));
      this.ldLog(vm, `Quiescent real server: ${r.address}:${r.port} (${v.address}:${v.port}) (Weight set to 0)`);
    } else {
      if (dest) tryLvs(() => n.table.deleteDest(v.protocol, v.address, v.port, r.address, r.port));
      this.ldLog(vm, `Deleted real server: ${r.address}:${r.port} (${v.address}:${v.port})`);
    }
  }

  /** a line in ldirectord's log file: `[<ctime>|ldirectord|<pid>] message` (perl's scalar localtime; the VMs run UTC) */
  ldLog(vm: LbVm, message: string, pid = this.nodes[vm].ld.pid, name = "ldirectord"): void {
    this.world.log(`${vm}: ldirectord: ${message.split("\n")[0] ?? message}`);
    const stamp = strftime("%a %b %e %H:%M:%S %Y", Date.now() + this.world.clockOffsetMs(vm), 0);
    try {
      const file = this.world.resolvePath(vm, this.nodes[vm].ld.globals.logfile);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.appendFileSync(file, `[${stamp}|${name}|${pid}] ${message}${message.endsWith("\n") ? "" : "\n"}`);
    } catch {
      // a full or missing log directory never stops ldirectord
    }
  }

  truth(): unknown {
    const now = this.world.now();
    return {
      stack: this.ha.kind,
      vipHolders: this.ha.holders(),
      trafficTo: this.ha.trafficTarget(),
      nodes: LBS.map((vm) => {
        const n = this.nodes[vm];
        return {
          vm,
          up: this.world.isUp(vm),
          ...this.ha.truth(vm),
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

function writeFile(world: LabWorld, vm: VmName, p: string, text: string, mode: number): void {
  const file = world.resolvePath(vm, p);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  world.access.setup(file, "root", "root", mode);
}

function removeFile(world: LabWorld, vm: VmName, p: string, keep: boolean): void {
  if (keep) return;
  try {
    fs.rmSync(world.resolvePath(vm, p), { force: true });
  } catch {
    // already gone
  }
}

function haCf(world: LabWorld): string {
  return [
    "logfacility local0",
    "keepalive 1",
    `deadtime ${Math.round(world.settings.heartbeatDeadtimeMs / 1000)}`,
    "warntime 5",
    "initdead 30",
    "udpport 694",
    `ucast eth1 ${VM_INFO.lb1.clusterAddress}`,
    `ucast eth1 ${VM_INFO.lb2.clusterAddress}`,
    "auto_failback off",
    "node lb1",
    "node lb2",
    "",
  ].join("\n");
}
