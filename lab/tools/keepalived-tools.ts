import fs from "node:fs";
import path from "node:path";
import { KEEPALIVED_CONF, parseKeepalivedConf } from "../model/keepalived-config";
import type { Keepalived } from "../model/keepalived";
import { DUMP_FILES, KEEPALIVED_SIGNALS, parentData, vrrpData, vrrpJson, vrrpStats } from "../model/keepalived-dump";
import type { DumpView } from "../model/keepalived-dump";
import { LB_PUBLIC, VM_INFO } from "../model/settings";
import type { ExecContext, ExecResult, LbVm, Tool, VmName } from "../model/types";
import type { CoreDeps } from "./deps";
import { ok, result } from "./io";

const VERSION = `Keepalived v2.2.7 (01/16,2022)

Copyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>

Built with kernel headers for Linux 5.19.11
Running on Linux 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)
Distro: Debian GNU/Linux 12 (bookworm)

configure options: --build=x86_64-linux-gnu --prefix=/usr --includedir=\${prefix}/include --mandir=\${prefix}/share/man --infodir=\${prefix}/share/info --sysconfdir=/etc --localstatedir=/var --disable-option-checking --disable-silent-rules --libdir=\${prefix}/lib/x86_64-linux-gnu --runstatedir=/run --disable-maintainer-mode --disable-dependency-tracking --enable-snmp --enable-sha1 --enable-snmp-rfcv2 --enable-snmp-rfcv3 --enable-dbus --enable-json --enable-bfd --enable-regex --with-init=systemd build_alias=x86_64-linux-gnu CFLAGS=-g -O2 -ffile-prefix-map=/build/keepalived-m8ENAG/keepalived-2.2.7=. -fstack-protector-strong -Wformat -Werror=format-security LDFLAGS=-Wl,-z,relro CPPFLAGS=-Wdate-time -D_FORTIFY_SOURCE=2

Config options:  NFTABLES LVS REGEX VRRP VRRP_AUTH VRRP_VMAC JSON BFD OLD_CHKSUM_COMPAT SNMP_V3_FOR_V2 SNMP_VRRP SNMP_CHECKER SNMP_RFCV2 SNMP_RFCV3 DBUS INIT=systemd SYSTEMD_NOTIFY

`;

const SIG = { HUP: 1, INT: 2, KILL: 9, TERM: 15 } as const;
/** signal names and numbers as procps' kill takes them */
const SIGNALS: Readonly<Record<string, number>> = { ...SIG, QUIT: 3, USR1: 10, USR2: 12, CONT: 18, STOP: 19, RTMIN: 34 };

function signalNumber(spec: string): number | null {
  if (/^\d+$/.test(spec)) return Number(spec);
  const name = spec.toUpperCase().replace(/^SIG/, "");
  const rt = /^RTMIN\+(\d+)$/.exec(name);
  if (rt) return 34 + Number(rt[1]);
  return SIGNALS[name] ?? null;
}

/** what `ip addr` shows for the balancer's NICs, as keepalived's dump lists them */
function nics(vm: LbVm): DumpView["nics"] {
  const mac = (nic: number): string => {
    const n = vm === "lb1" ? 10 : 20;
    return `52:54:00:${n.toString(16).padStart(2, "0")}:0${nic}:${(0x10 + nic).toString(16)}`;
  };
  return [
    { name: "eth0", index: 2, address: LB_PUBLIC[vm], mac: mac(0), linkLocal: "(none)" },
    { name: "eth1", index: 3, address: VM_INFO[vm].clusterAddress, mac: mac(1), linkLocal: "(none)" },
  ];
}

function writeRootFile(deps: CoreDeps, vm: VmName, p: string, text: string): void {
  const real = deps.world.resolvePath(vm, p);
  fs.mkdirSync(path.dirname(real), { recursive: true });
  fs.writeFileSync(real, text);
  // keepalived's umask is 0177: its dumps are root's alone
  deps.world.access.setup(real, "root", "root", 0o600);
}

/** keepalived's answer to a signal: dumps written under /tmp, a reload, a stop, or death */
export function signalKeepalived(deps: CoreDeps, ka: Keepalived, vm: LbVm, which: "parent" | "child", sig: number): void {
  const n = ka.nodes[vm];
  const view = (): DumpView => ({
    node: n,
    effectivePriority: ka.priority(n),
    masterDownUs: ka.masterDownMs(n) * 1000,
    wall: (t) => Date.now() + deps.world.clockOffsetMs(vm) - (deps.world.now() - t),
    now: deps.world.now(),
    faults: ka.faulty(n) ? 1 : 0,
    nics: nics(vm),
  });
  const routerId = n.cfg?.routerId || vm;
  switch (sig) {
    case KEEPALIVED_SIGNALS.DATA:
      if (which === "parent") writeRootFile(deps, vm, DUMP_FILES.parentData, parentData(routerId));
      writeRootFile(deps, vm, DUMP_FILES.data, vrrpData(view()));
      deps.world.log(`${vm}: keepalived: Printing VRRP data for process(${n.vrrpPid}) on signal`);
      return;
    case KEEPALIVED_SIGNALS.JSON:
      writeRootFile(deps, vm, DUMP_FILES.json, vrrpJson(view()));
      return;
    case KEEPALIVED_SIGNALS.STATS:
      writeRootFile(deps, vm, DUMP_FILES.stats, vrrpStats(n));
      return;
    case KEEPALIVED_SIGNALS.STATS_CLEAR:
      writeRootFile(deps, vm, DUMP_FILES.stats, vrrpStats(n));
      n.stats = { advertSent: 0, advertRcvd: 0, becomeMaster: 0, releaseMaster: 0, priZeroSent: 0, priZeroRcvd: 0 };
      return;
    case SIG.HUP:
      ka.reload(vm);
      return;
    case SIG.TERM:
    case SIG.INT:
      if (which === "parent") deps.world.setService(vm, "keepalived", false);
      else ka.childKilled(vm);
      return;
    case SIG.KILL:
      if (which === "parent") {
        ka.parentKilled(vm);
        deps.world.setService(vm, "keepalived", false, "crash");
      } else ka.childKilled(vm);
      return;
  }
}

/** procps' kill, for the daemons the lab models (keepalived's two processes) */
function kill(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const args = ctx.argv.slice(1);
  let sig: number = SIG.TERM;
  const pids: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-s" || a === "--signal" || a === "-n") {
      const s = signalNumber(args[++i] ?? "");
      if (s === null) return result("", `/usr/bin/kill: unknown signal: ${args[i] ?? ""}\n`, 1);
      sig = s;
    } else if (a.startsWith("-") && a.length > 1 && pids.length === 0) {
      const s = signalNumber(a.slice(1));
      if (s === null) return result("", `/usr/bin/kill: invalid argument ${a.slice(1, 2)}\n`, 1);
      sig = s;
    } else pids.push(a);
  }
  if (pids.length === 0) return result("", "\nUsage:\n kill [options] <pid> [...]\n", 1);
  const ka = deps.balancers.keepalived;
  const vm = ctx.vm;
  let err = "";
  for (const p of pids) {
    const n = ka && (vm === "lb1" || vm === "lb2") ? ka.nodes[vm] : null;
    const running = n && ka ? ka.running(n.vm) && n.proc === "up" : false;
    const which = running && n && Number(p) === n.parentPid ? "parent" : running && n && Number(p) === n.vrrpPid ? "child" : null;
    if (!ka || !n || which === null) {
      err += `/usr/bin/kill: (${p}): No such process\n`;
      continue;
    }
    if (sig !== 0) signalKeepalived(deps, ka, n.vm, which, sig);
  }
  return result("", err, err ? 1 : 0);
}

/** the keepalived binary: `--signum=NAME`, `-v`, `-t` (config test) */
function keepalivedTool(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const args = ctx.argv.slice(1);
  const signum = args.find((a) => a.startsWith("--signum="));
  if (signum !== undefined) {
    const name = signum.slice("--signum=".length);
    const n = Object.entries(KEEPALIVED_SIGNALS).find(([k]) => k === name)?.[1];
    return n === undefined ? result("", `Unknown sigfunc ${name}\n`, 1) : ok(`${n}\n`);
  }
  if (args.includes("-v") || args.includes("--version")) return result("", VERSION, 0);
  const fi = args.findIndex((a) => a === "-f" || a.startsWith("--use-file"));
  const opt = fi >= 0 ? (args[fi] ?? "") : "";
  const file = (opt.includes("=") ? opt.split("=")[1] : fi >= 0 ? args[fi + 1] : undefined) ?? KEEPALIVED_CONF;
  if (args.some((a) => a === "-t" || a.startsWith("--config-test"))) {
    let text: string;
    try {
      text = deps.files.read(ctx.vm, file, ctx.user ?? "root");
    } catch {
      return result("", `Configuration file '${file}' does not exist\n`, 1);
    }
    const cfg = parseKeepalivedConf(text, file);
    return result("", cfg.problems.map((p) => `${p}\n`).join(""), cfg.fatal ? 5 : cfg.problems.length ? 4 : 0);
  }
  // run as a daemon: systemd's unit would be the one to start it
  if (!deps.world.serviceRunning(ctx.vm, "keepalived")) deps.world.setService(ctx.vm, "keepalived", true);
  return ok("");
}

export function keepalivedTools(deps: CoreDeps): Record<string, Tool> {
  return {
    keepalived: { roles: ["lb"], run: (ctx) => keepalivedTool(ctx, deps) },
    kill: { roles: "all", run: (ctx) => kill(ctx, deps) },
  };
}
