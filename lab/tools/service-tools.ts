import { isLb } from "../model/balancer";
import type { ExecContext, ExecResult, Tool, VmName } from "../model/types";
import { strftime } from "./clock-format";
import type { CoreDeps } from "./deps";
import { ok, result } from "./io";

const ALIASES: Record<string, string> = { "nfs-server": "nfs-kernel-server", mysqld: "mysql", mariadb: "mysql", sshd: "ssh" };

const DESCRIPTIONS: Record<string, { description: string; unitFile: string; main: string }> = {
  apache2: { description: "The Apache HTTP Server", unitFile: "/lib/systemd/system/apache2.service", main: "apache2" },
  "php8.2-fpm": { description: "The PHP 8.2 FastCGI Process Manager", unitFile: "/lib/systemd/system/php8.2-fpm.service", main: "php-fpm8.2" },
  mysql: { description: "MySQL Community Server", unitFile: "/lib/systemd/system/mysql.service", main: "mysqld" },
  heartbeat: { description: "Heartbeat High Availability Cluster Communication and Membership", unitFile: "/lib/systemd/system/heartbeat.service", main: "heartbeat" },
  keepalived: { description: "Keepalive Daemon (LVS and VRRP)", unitFile: "/lib/systemd/system/keepalived.service", main: "keepalived" },
  ldirectord: { description: "Monitor and administer real servers in a LVS cluster of load balanced virtual servers", unitFile: "/lib/systemd/system/ldirectord.service", main: "/usr/bin/perl" },
  "nfs-kernel-server": { description: "NFS server and services", unitFile: "/lib/systemd/system/nfs-server.service", main: "" },
  drbd: { description: "DRBD -- please disable. Unless you are NOT using a cluster manager.", unitFile: "/lib/systemd/system/drbd.service", main: "" },
  ssh: { description: "OpenBSD Secure Shell server", unitFile: "/lib/systemd/system/ssh.service", main: "sshd" },
  cron: { description: "Regular background program processing daemon", unitFile: "/lib/systemd/system/cron.service", main: "cron" },
  rsyslog: { description: "System Logging Service", unitFile: "/lib/systemd/system/rsyslog.service", main: "rsyslogd" },
};

function unitName(raw: string): string {
  const base = raw.replace(/\.service$/, "");
  return ALIASES[base] ?? base;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor(s / 3600) % 24;
  const m = Math.floor(s / 60) % 60;
  if (d) return `${d} day${d === 1 ? "" : "s"} ${h}h ago`;
  if (h) return `${h}h ${m}min ago`;
  if (m) return `${m}min ${s % 60}s ago`;
  return `${s}s ago`;
}

function statusText(deps: CoreDeps, vm: VmName, unit: string): { text: string; code: number } {
  const w = deps.world;
  const info = DESCRIPTIONS[unit] ?? { description: unit, unitFile: `/lib/systemd/system/${unit}.service`, main: unit };
  const running = w.serviceRunning(vm, unit);
  const failed = w.serviceFailed(vm, unit);
  const killed = failed && !w.serviceBroken(vm, unit);
  const since = w.serviceSince(vm, unit);
  const stamp = strftime("%a %Y-%m-%d %H:%M:%S UTC", Date.now() - (w.now() - since), 0);
  const state = running ? "active (running)" : failed ? `failed (Result: ${killed ? "signal" : "exit-code"})` : "inactive (dead)";
  const dot = running ? "●" : failed ? "×" : "○";
  let text = `${dot} ${unit}.service - ${info.description}\n     Loaded: loaded (${info.unitFile}; enabled; preset: enabled)\n     Active: ${state} since ${stamp}; ${ago(w.now() - since)}\n`;
  if (running && info.main) {
    text += `   Main PID: ${1000 + (unit.length * 97) % 3000} (${info.main.split("/").pop()})\n      Tasks: ${unit === "apache2" ? 55 : 4} (limit: 4644)\n     Memory: ${unit === "mysql" ? "1.2G" : "24.6M"}\n        CPU: ${Math.round((w.now() - since) / 600_000)}.${String(Math.round(w.now() / 7) % 1000).padStart(3, "0")}s\n     CGroup: /system.slice/${unit}.service\n`;
  }
  if (failed && killed) text += `   Main PID: ${1000 + (unit.length * 97) % 3000} (code=killed, signal=KILL)\n`;
  else if (failed) text += `    Process: ${2000 + unit.length} ExecStart=/usr/sbin/${unit} (code=exited, status=1/FAILURE)\n`;
  return { text, code: running ? 0 : 3 };
}

/** a clean stop of the HA daemon takes seconds (heartbeat hands its resources over first): systemctl returns when it has exited */
async function stopped(deps: CoreDeps, vm: VmName): Promise<void> {
  const ha = deps.balancers.ha;
  if (!isLb(vm)) return;
  const done = ha.stopDoneAt(vm);
  if (done !== null) await deps.world.modelWait(done);
}

async function control(deps: CoreDeps, vm: VmName, verb: string, unit: string): Promise<ExecResult> {
  const isHa = unit === deps.balancers.ha.service;
  const w = deps.world;
  if (!w.serviceKnown(vm, unit)) return result("", `Failed to ${verb} ${unit}.service: Unit ${unit}.service not found.\n`, 5);
  const start = (): ExecResult | null => {
    w.setService(vm, unit, true);
    if (!w.serviceRunning(vm, unit)) {
      return result("", `Job for ${unit}.service failed because the control process exited with error code.\nSee "systemctl status ${unit}.service" and "journalctl -xeu ${unit}.service" for details.\n`, 1);
    }
    return null;
  };
  const restarted = (): ExecResult => {
    deps.tiers.onServiceControl?.(vm, unit, "restart");
    return ok("");
  };
  switch (verb) {
    case "start":
      return start() ?? ok("");
    case "stop":
      w.setService(vm, unit, false);
      if (isHa) await stopped(deps, vm);
      return ok("");
    case "restart":
    case "force-reload":
      w.setService(vm, unit, false);
      if (isHa) await stopped(deps, vm);
      return start() ?? restarted();
    case "try-restart":
      if (!w.serviceRunning(vm, unit)) return ok("");
      w.setService(vm, unit, false);
      if (isHa) await stopped(deps, vm);
      return start() ?? restarted();
    case "reload":
    case "reload-or-restart":
      if (!w.serviceRunning(vm, unit)) {
        if (verb === "reload-or-restart") return start() ?? restarted();
        return result("", `${unit}.service is not active, cannot reload.\n`, 1);
      }
      if (unit === "heartbeat") return result("", `Failed to reload ${unit}.service: Job type reload is not applicable for unit ${unit}.service.\n`, 1);
      if (unit === "ldirectord" && isLb(vm)) deps.balancers.reload(vm);
      if (unit === "keepalived" && isLb(vm)) deps.balancers.keepalived?.reload(vm);
      deps.tiers.onServiceControl?.(vm, unit, "reload");
      return ok("");
  }
  return result("", `Unknown command verb ${verb}.\n`, 1);
}

async function systemctl(ctx: ExecContext, deps: CoreDeps): Promise<ExecResult> {
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith("-"));
  const quiet = ctx.argv.includes("--quiet") || ctx.argv.includes("-q");
  const [verb, ...rawUnits] = args;
  const units = rawUnits.map(unitName);
  const w = deps.world;
  if (verb === undefined) return result("", "Too few arguments.\n", 1);
  switch (verb) {
    case "is-active": {
      if (units.length === 0) return result("", "Too few arguments.\n", 1);
      const out = units
        .map((u) => (w.serviceRunning(ctx.vm, u) ? "active" : w.serviceKnown(ctx.vm, u) && w.serviceFailed(ctx.vm, u) ? "failed" : "inactive"))
        .map((s) => `${s}\n`)
        .join("");
      // systemd answers 0 when at least one of the units is active
      const code = units.some((u) => w.serviceRunning(ctx.vm, u)) ? 0 : 3;
      return result(quiet ? "" : out, "", code);
    }
    case "is-failed": {
      const failed = units.map((u) => w.serviceKnown(ctx.vm, u) && w.serviceFailed(ctx.vm, u));
      return result(quiet ? "" : failed.map((f, i) => (f ? "failed" : w.serviceRunning(ctx.vm, units[i] ?? "") ? "active" : "inactive")).join("\n") + "\n", "", failed.some(Boolean) ? 0 : 1);
    }
    case "is-enabled": {
      const known = units.map((u) => w.serviceKnown(ctx.vm, u));
      if (known.some((k) => !k)) return result("", `Failed to get unit file state for ${units[known.indexOf(false)]}.service: No such file or directory\n`, 1);
      return result(quiet ? "" : units.map(() => "enabled\n").join(""), "", 0);
    }
    case "status": {
      let out = "";
      let code = 0;
      let err = "";
      for (const u of units) {
        if (!w.serviceKnown(ctx.vm, u)) {
          err += `Unit ${u}.service could not be found.\n`;
          code = 4;
          continue;
        }
        const s = statusText(deps, ctx.vm, u);
        out += (out ? "\n" : "") + s.text;
        if (s.code !== 0 && code === 0) code = s.code;
      }
      return result(out, err, code);
    }
    case "start":
    case "stop":
    case "restart":
    case "reload":
    case "try-restart":
    case "force-reload":
    case "reload-or-restart": {
      for (const u of units) {
        const r = await control(deps, ctx.vm, verb, u);
        if (r.code !== 0) return r;
      }
      return ok("");
    }
    case "daemon-reload":
      return ok("");
    case "show": {
      const u = units[0];
      if (u === undefined) return ok("");
      const running = w.serviceRunning(ctx.vm, u);
      return ok(`ActiveState=${running ? "active" : w.serviceFailed(ctx.vm, u) ? "failed" : "inactive"}\nSubState=${running ? "running" : "dead"}\nLoadState=${w.serviceKnown(ctx.vm, u) ? "loaded" : "not-found"}\n`);
    }
  }
  return result("", `Unknown command verb ${verb}.\n`, 1);
}

/** Debian's `service`: with systemd running it hands every unit that has a systemd unit file to systemctl (/usr/sbin/service) */
function service(ctx: ExecContext, deps: CoreDeps): ExecResult | Promise<ExecResult> {
  const [rawUnit, verb] = ctx.argv.slice(1);
  if (rawUnit === undefined || verb === undefined) return result("", "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n", 1);
  const unit = unitName(rawUnit);
  if (!deps.world.serviceKnown(ctx.vm, unit)) return result("", `${rawUnit}: unrecognized service\n`, 1);
  return systemctl({ ...ctx, argv: ["systemctl", verb, unit] }, deps);
}

export function serviceTools(deps: CoreDeps): Record<string, Tool> {
  return {
    systemctl: { roles: "all", run: (ctx) => systemctl(ctx, deps) },
    service: { roles: "all", run: (ctx) => service(ctx, deps) },
  };
}
