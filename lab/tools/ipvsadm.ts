import { LvsError } from "../model/lvs";
import type { Forward, LvsTable } from "../model/lvs";
import type { ExecContext, ExecResult, LbVm, Tool } from "../model/types";
import type { CoreDeps } from "./deps";
import { listConnections, listTable, saveTable } from "./ipvsadm-format";
import { ok, result } from "./io";

type Cmd = "list" | "save" | "add-service" | "edit-service" | "delete-service" | "clear" | "add-server" | "edit-server" | "delete-server" | "zero" | "help" | "version";

interface Parsed {
  cmd: Cmd;
  service?: { protocol: "TCP" | "UDP"; address: string; port: number };
  real?: { address: string; port: number };
  scheduler?: string;
  persistent?: number;
  weight?: number;
  forward?: Forward;
  conns: boolean;
  stats: boolean;
  rate: boolean;
  exact: boolean;
  persistentConn: boolean;
}

const SHORT_CMD: Record<string, Cmd> = { L: "list", l: "list", S: "save", A: "add-service", E: "edit-service", D: "delete-service", C: "clear", a: "add-server", e: "edit-server", d: "delete-server", Z: "zero", h: "help" };
const LONG_CMD: Record<string, Cmd> = {
  list: "list", save: "save", "add-service": "add-service", "edit-service": "edit-service", "delete-service": "delete-service", clear: "clear",
  "add-server": "add-server", "edit-server": "edit-server", "delete-server": "delete-server", zero: "zero", help: "help", version: "version",
};

class UsageError extends Error {}

function addrPort(v: string, what: string): { address: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(v);
  if (!m || m[1] === undefined) throw new UsageError(`Illegal ${what} IP address[:port] specified`);
  return { address: m[1], port: m[2] === undefined ? 0 : Number(m[2]) };
}

function parse(args: string[]): Parsed {
  const p: Parsed = { cmd: "list", conns: false, stats: false, rate: false, exact: false, persistentConn: false };
  let cmd: Cmd | null = null;
  const setCmd = (c: Cmd): void => {
    if (cmd !== null && cmd !== c) throw new UsageError("Multiple commands specified");
    cmd = c;
  };
  const value = (i: number, name: string): string => {
    const v = args[i];
    if (v === undefined) throw new UsageError(`option ${name} requires an argument`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const applyOpt = (o: string, next: () => string, optional: () => string | undefined): void => {
      switch (o) {
        case "n":
        case "numeric":
          break;
        case "c":
        case "connection":
          p.conns = true;
          break;
        case "stats":
          p.stats = true;
          break;
        case "rate":
          p.rate = true;
          break;
        case "exact":
        case "X":
          p.exact = true;
          break;
        case "persistent-conn":
          p.persistentConn = true;
          break;
        case "sort":
        case "nosort":
          break;
        case "t":
        case "tcp-service":
          p.service = { protocol: "TCP", ...addrPort(next(), "virtual service") };
          break;
        case "u":
        case "udp-service":
          p.service = { protocol: "UDP", ...addrPort(next(), "virtual service") };
          break;
        case "r":
        case "real-server":
          p.real = addrPort(next(), "real server");
          break;
        case "s":
        case "scheduler":
          p.scheduler = next();
          break;
        case "p":
        case "persistent": {
          const v = optional();
          p.persistent = v === undefined ? 300 : Number(v);
          break;
        }
        case "w":
        case "weight": {
          const v = next();
          if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError("illegal weight specified");
          p.weight = Number(v);
          break;
        }
        case "g":
        case "gatewaying":
          p.forward = "Route";
          break;
        case "m":
        case "masquerading":
          p.forward = "Masq";
          break;
        case "i":
        case "ipip":
          p.forward = "Tunnel";
          break;
        default:
          throw new UsageError(`invalid option -- '${o}'`);
      }
    };
    if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
      const c = LONG_CMD[name];
      if (c) {
        setCmd(c);
        continue;
      }
      applyOpt(
        name,
        () => inline ?? value(++i, a),
        () => inline ?? (args[i + 1] !== undefined && /^\d+$/.test(args[i + 1] as string) ? args[++i] : undefined),
      );
      continue;
    }
    if (!a.startsWith("-") || a.length < 2) throw new UsageError(`unexpected argument ${a}`);
    for (let j = 1; j < a.length; j++) {
      const o = a[j] as string;
      const c = SHORT_CMD[o];
      if (c) {
        setCmd(c);
        continue;
      }
      const rest = a.slice(j + 1);
      let consumed = false;
      applyOpt(
        o,
        () => {
          consumed = true;
          return rest || value(++i, `-${o}`);
        },
        () => {
          if (rest && /^\d+$/.test(rest)) {
            consumed = true;
            return rest;
          }
          return args[i + 1] !== undefined && /^\d+$/.test(args[i + 1] as string) ? args[++i] : undefined;
        },
      );
      if (consumed) break;
    }
  }
  p.cmd = cmd ?? "list";
  return p;
}

const USAGE = "Usage:\n  ipvsadm -A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [--pe persistence_engine] [-b sched-flags]\n  ipvsadm -D virtual-service\n  ipvsadm -C\n  ipvsadm -R\n  ipvsadm -S [-n]\n  ipvsadm -a|e virtual-service -r server-address [options]\n  ipvsadm -d virtual-service -r server-address\n  ipvsadm -L|l [virtual-service] [options]\n  ipvsadm -Z [virtual-service]\n  ipvsadm --set tcp tcpfin udp\n  ipvsadm --start-daemon {master|backup} [daemon-options]\n  ipvsadm --stop-daemon {master|backup}\n  ipvsadm -h\n\n";

function run(table: LvsTable, p: Parsed, now: number): ExecResult {
  const needService = (): NonNullable<Parsed["service"]> => {
    if (!p.service) throw new UsageError("No service specified");
    return p.service;
  };
  const needReal = (): NonNullable<Parsed["real"]> => {
    if (!p.real) throw new UsageError("No destination specified");
    return p.real;
  };
  switch (p.cmd) {
    case "help":
      return ok(USAGE);
    case "version":
      return ok("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n");
    case "list": {
      if (p.conns) return ok(listConnections(table, now));
      const only = p.service ? table.findService(p.service.protocol, p.service.address, p.service.port) : undefined;
      if (p.service && !only) throw new LvsError("No such service");
      return ok(listTable(table, now, { stats: p.stats, rate: p.rate, exact: p.exact, persistentConn: p.persistentConn }, only));
    }
    case "save":
      return ok(saveTable(table));
    case "clear":
      table.clear();
      return ok("");
    case "zero":
      for (const s of table.services) {
        s.stats = { conns: 0, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0 };
        s.last = { ...s.stats };
        for (const d of s.dests) {
          d.stats = { conns: 0, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0 };
          d.last = { ...d.stats };
        }
      }
      return ok("");
    case "add-service": {
      const s = needService();
      table.addService({ ...s, scheduler: p.scheduler ?? "wlc", persistent: p.persistent ?? 0 });
      return ok("");
    }
    case "edit-service": {
      const s = needService();
      table.editService({ ...s, scheduler: p.scheduler, persistent: p.persistent });
      return ok("");
    }
    case "delete-service": {
      const s = needService();
      table.deleteService(s.protocol, s.address, s.port);
      return ok("");
    }
    case "add-server": {
      const s = needService();
      const r = needReal();
      table.addDest(s.protocol, s.address, s.port, { address: r.address, port: r.port || s.port, forward: p.forward ?? "Route", weight: p.weight ?? 1 });
      return ok("");
    }
    case "edit-server": {
      const s = needService();
      const r = needReal();
      table.editDest(s.protocol, s.address, s.port, { address: r.address, port: r.port || s.port, forward: p.forward, weight: p.weight });
      return ok("");
    }
    case "delete-server": {
      const s = needService();
      const r = needReal();
      table.deleteDest(s.protocol, s.address, s.port, r.address, r.port || s.port);
      return ok("");
    }
  }
}

/** ipvsadm against this balancer's own kernel table */
export function ipvsadmTool(deps: CoreDeps): Tool {
  return {
    roles: ["lb"],
    run: (ctx: ExecContext): ExecResult => {
      const vm = ctx.vm as LbVm;
      const table = deps.balancers.nodes[vm].table;
      try {
        const p = parse(ctx.argv.slice(1));
        const r = run(table, p, deps.world.now());
        if (p.cmd !== "list" && p.cmd !== "save" && p.cmd !== "help" && p.cmd !== "version") deps.world.log(`${vm}: ${ctx.argv.join(" ")}`);
        return r;
      } catch (e) {
        if (e instanceof UsageError) return result("", `${e.message}\n`, 2);
        if (e instanceof LvsError) {
          // with a missing virtual service the netlink path surfaces ENOMEM, so this is what operators see
          const message = e.message === "Service not defined" || e.message === "No such service" ? "Memory allocation problem" : e.message;
          return result("", `${message}\n`, 255);
        }
        throw e;
      }
    },
  };
}
