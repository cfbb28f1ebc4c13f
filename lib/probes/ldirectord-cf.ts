import { needInt, toInt } from "@/lib/probes/numbers";
import { shellQuote } from "@/lib/ssh/quote";
import { cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export type LdirectordMethod = "gate" | "masq" | "ipip";

export interface LdirectordReal {
  /** address or host name as written (ldirectord also accepts ranges like 10.0.0.2->10.0.0.7) */
  address: string;
  /** null when absent or written as a service name ("http") */
  port: number | null;
  method: LdirectordMethod;
  /** ldirectord's default weight is 1 */
  weight: number;
  /** per-real-server check request/receive strings, when given */
  request: string | null;
  receive: string | null;
  ipv6: boolean;
}

export interface LdirectordVirtual {
  /** address:port, or a firewall mark number */
  virtual: string;
  address: string | null;
  port: number | null;
  fwmark: number | null;
  ipv6: boolean;
  protocol: string | null;
  scheduler: string | null;
  /** persistence timeout in seconds; null when not persistent */
  persistent: number | null;
  netmask: string | null;
  checktype: string | null;
  checkport: number | null;
  service: string | null;
  request: string | null;
  receive: string | null;
  /** per-virtual override of the global setting, null when not set here */
  quiescent: boolean | null;
  fallback: string | null;
  reals: LdirectordReal[];
  /** every directive in the block as written (last one wins, as in ldirectord) */
  options: Record<string, string>;
}

export interface LdirectordConfig {
  global: Record<string, string>;
  /** quiescent=yes keeps a failed real server in the table with weight 0 instead of removing it; null = not set */
  quiescent: boolean | null;
  autoreload: boolean | null;
  checkinterval: number | null;
  checktimeout: number | null;
  fallback: string | null;
  virtuals: LdirectordVirtual[];
}

export interface LdirectordConfigParams {
  /** path of ldirectord.cf (from the inventory) */
  path: string;
}

const METHODS: readonly string[] = ["gate", "masq", "ipip"];

function isMethod(word: string): word is LdirectordMethod {
  return METHODS.includes(word);
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, "$1");
}

function yesNo(value: string | undefined, what: string): boolean | null {
  if (value === undefined) return null;
  if (value === "yes") return true;
  if (value === "no") return false;
  return cannotRead(`${what} must be yes or no, not ${JSON.stringify(value)}`);
}

/** "1.2.3.4:80", "[2001:db8::1]:80", "host:http" or just an address */
function hostPort(value: string): { address: string; port: number | null; ipv6: boolean } {
  const v6 = /^\[([^\]]+)\](?::(\S+))?$/.exec(value);
  if (v6) return { address: v6[1] ?? "", port: v6[2] === undefined ? null : toInt(v6[2]), ipv6: true };
  const [address = "", port] = value.split(/:+/);
  return { address, port: port === undefined ? null : toInt(port), ipv6: false };
}

function real(value: string, ipv6: boolean): LdirectordReal {
  const m = /^(\S+)\s+(\S+)(?:\s+(\d+))?(?:\s+"([^"]*)"\s*,?\s*"([^"]*)")?\s*$/.exec(value) ??
    cannotRead(`real= needs "address[:port] method [weight]": ${quoteLine(value)}`);
  const [, where = "", method = "", weight, request, receive] = m;
  if (!isMethod(method)) cannotRead(`unknown forwarding method ${JSON.stringify(method)} in real=${value}`);
  const { address, port } = hostPort(where);
  return {
    address,
    port,
    method,
    weight: weight === undefined ? 1 : needInt(weight, "real server weight"),
    request: request ?? null,
    receive: receive ?? null,
    ipv6,
  };
}

function virtual(value: string, ipv6: boolean, options: Map<string, string>, reals: LdirectordReal[]): LdirectordVirtual {
  const fwmark = toInt(value);
  const where = fwmark === null ? hostPort(value) : { address: null, port: null, ipv6 };
  const opt = (key: string): string | null => {
    const v = options.get(key);
    return v === undefined ? null : unquote(v);
  };
  const persistent = opt("persistent");
  const checkport = opt("checkport");
  return {
    virtual: value,
    address: where.address,
    port: where.port,
    fwmark,
    ipv6: ipv6 || where.ipv6,
    protocol: opt("protocol") ?? (fwmark === null ? null : "fwm"),
    scheduler: opt("scheduler"),
    persistent: persistent === null ? null : needInt(persistent, "persistent"),
    netmask: opt("netmask"),
    checktype: opt("checktype"),
    checkport: checkport === null ? null : needInt(checkport, "checkport"),
    service: opt("service"),
    request: opt("request"),
    receive: opt("receive"),
    quiescent: yesNo(opt("quiescent") ?? undefined, "quiescent"),
    fallback: opt("fallback") ?? opt("fallback6"),
    reals,
    options: Object.fromEntries(options),
  };
}

export function parseLdirectordConfig(stdout: string): Parsed<LdirectordConfig> {
  return readOutput(stdout, (text) => {
    const global = new Map<string, string>();
    const virtuals: LdirectordVirtual[] = [];
    let block: { value: string; ipv6: boolean; options: Map<string, string>; reals: LdirectordReal[] } | null = null;
    const close = (): void => {
      if (block) virtuals.push(virtual(block.value, block.ipv6, block.options, block.reals));
      block = null;
    };
    for (const raw of text.split("\n")) {
      const line = raw.replace(/\s+$/, "");
      if (line.trim() === "" || line.trim().startsWith("#")) continue;
      const m = /^(\s*)([A-Za-z][\w]*)\s*=\s*(.*)$/.exec(line) ?? cannotRead(`not a "key=value" line: ${quoteLine(line)}`);
      const [, indent = "", key = "", value = ""] = m;
      if (key === "virtual" || key === "virtual6") {
        close();
        block = { value: value.trim(), ipv6: key === "virtual6", options: new Map(), reals: [] };
      } else if (indent !== "" && block !== null) {
        const current: { options: Map<string, string>; reals: LdirectordReal[] } = block;
        if (key === "real" || key === "real6") current.reals.push(real(value, key === "real6"));
        else current.options.set(key, value.trim());
      } else if (indent === "") {
        close();
        global.set(key, value.trim());
      } else {
        cannotRead(`indented directive outside a virtual block: ${quoteLine(line)}`);
      }
    }
    close();
    const number = (key: string): number | null => (global.has(key) ? needInt(global.get(key), key) : null);
    const fallback = global.get("fallback");
    return {
      global: Object.fromEntries(global),
      quiescent: yesNo(global.get("quiescent"), "quiescent"),
      autoreload: yesNo(global.get("autoreload"), "autoreload"),
      checkinterval: number("checkinterval"),
      checktimeout: number("checktimeout"),
      fallback: fallback === undefined ? null : unquote(fallback),
      virtuals,
    };
  });
}

export const ldirectordCfProbe: Probe<LdirectordConfig, LdirectordConfigParams> = {
  name: "ldirectord-cf",
  roles: ["lb"],
  readOnly: true,
  command: ({ path }) => `cat ${shellQuote(path)}`,
  parse: parseLdirectordConfig,
};
