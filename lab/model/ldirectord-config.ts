import type { Forward } from "./lvs";
import type { LabSettings } from "./types";

export interface LdReal {
  address: string;
  port: number;
  forward: Forward;
  weight: number;
}

export interface LdVirtual {
  address: string;
  port: number;
  protocol: "TCP" | "UDP";
  scheduler: string;
  persistent: number;
  reals: LdReal[];
  checktype: string;
  request: string;
  receive: string;
}

export interface LdConfig {
  checkinterval: number;
  checktimeout: number;
  quiescent: boolean;
  autoreload: boolean;
  virtuals: LdVirtual[];
}

export const LDIRECTORD_CF = "/etc/ha.d/ldirectord.cf";

export function ldirectordConfigText(settings: LabSettings, reals: readonly string[]): string {
  return [
    "# Global Directives",
    "checktimeout=3",
    "checkinterval=5",
    "autoreload=yes",
    'logfile="/var/log/ldirectord.log"',
    "quiescent=yes",
    "",
    "# Moodle over HTTP, direct routing to the web nodes",
    `virtual=${settings.vip}:${settings.vipPort}`,
    ...reals.map((r) => `\treal=${r}:80 gate 1`),
    "\tservice=http",
    `\tscheduler=${settings.scheduler}`,
    `\tpersistent=${settings.persistenceSeconds}`,
    "\tprotocol=tcp",
    "\tchecktype=negotiate",
    "\tcheckport=80",
    '\trequest="login/index.php"',
    '\treceive="Moodle"',
    "",
  ].join("\n");
}

const FORWARDS: Record<string, Forward> = { gate: "Route", masq: "Masq", ipip: "Tunnel" };

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function hostPort(v: string): { address: string; port: number } | null {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(v.trim());
  if (!m || m[1] === undefined) return null;
  return { address: m[1], port: m[2] === undefined ? 0 : Number(m[2]) };
}

/** what ldirectord makes of its config; lines it does not understand are ignored, as it warns and carries on */
export function parseLdirectordConfig(text: string): LdConfig {
  const cfg: LdConfig = { checkinterval: 10, checktimeout: 5, quiescent: true, autoreload: false, virtuals: [] };
  let current: LdVirtual | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "");
    if (line.trim() === "") continue;
    const indented = /^\s/.test(line);
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (!indented) current = null;
    if (key === "virtual") {
      const hp = hostPort(value);
      if (!hp) continue;
      current = { ...hp, protocol: "TCP", scheduler: "wrr", persistent: 0, reals: [], checktype: "negotiate", request: "", receive: "" };
      cfg.virtuals.push(current);
      continue;
    }
    if (current && indented) {
      if (key === "real") {
        const [target, method, weight] = value.split(/\s+/);
        const hp = hostPort(target ?? "");
        if (!hp) continue;
        current.reals.push({
          address: hp.address,
          port: hp.port || current.port,
          forward: FORWARDS[method ?? "gate"] ?? "Route",
          weight: weight === undefined ? 1 : Number(weight) || 0,
        });
      } else if (key === "scheduler") current.scheduler = value;
      else if (key === "persistent") current.persistent = Number(value) || 0;
      else if (key === "protocol") current.protocol = value.toLowerCase() === "udp" ? "UDP" : "TCP";
      else if (key === "checktype") current.checktype = value;
      else if (key === "request") current.request = unquote(value);
      else if (key === "receive") current.receive = unquote(value);
      continue;
    }
    if (key === "checkinterval") cfg.checkinterval = Number(value) || cfg.checkinterval;
    else if (key === "checktimeout") cfg.checktimeout = Number(value) || cfg.checktimeout;
    else if (key === "quiescent") cfg.quiescent = value === "yes";
    else if (key === "autoreload") cfg.autoreload = value === "yes";
  }
  return cfg;
}
