import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import type { ServerName } from "../../../model/types";

/** a VM that gets its own network namespace with its cluster address (the real backend's db and web nodes) */
export interface NsHost {
  vm: string;
  server: ServerName;
  address: string;
}

function ip(args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function tryIp(args: string[]): void {
  try {
    ip(args);
  } catch {
    // already gone or never made: cleanup is best effort
  }
}

/**
 * The cluster's private network for real daemons: one namespace per VM holding its address on `eth1`,
 * a namespace `net` with a bridge per physical server, and a veth pair between the bridges that is the
 * link between the servers. Cutting the link or powering a VM off takes an interface down, so packets
 * vanish as on a real network (no refusal, no reset), and every address is the one the inventory names.
 */
export class LabNetwork {
  readonly prefix: string;
  private readonly hosts = new Map<string, NsHost>();

  constructor(key: string) {
    // namespace names stay short and unique per lab directory; a stale set from a crashed run is replaced
    this.prefix = `cd${crypto.createHash("sha1").update(key).digest("hex").slice(0, 6)}`;
  }

  ns(vm: string): string {
    return `${this.prefix}-${vm}`;
  }

  private get net(): string {
    return `${this.prefix}-net`;
  }

  /** create the namespaces, bridges and links; throws when `ip netns` is not allowed (not root) */
  create(hosts: readonly NsHost[]): void {
    this.destroy(hosts.map((h) => h.vm));
    ip(["netns", "add", this.net]);
    for (const br of ["brA", "brB"]) {
      ip(["-n", this.net, "link", "add", br, "type", "bridge"]);
      ip(["-n", this.net, "link", "set", br, "up"]);
    }
    ip(["-n", this.net, "link", "add", "linkA", "type", "veth", "peer", "name", "linkB"]);
    ip(["-n", this.net, "link", "set", "linkA", "master", "brA", "up"]);
    ip(["-n", this.net, "link", "set", "linkB", "master", "brB", "up"]);
    for (const h of hosts) {
      this.hosts.set(h.vm, h);
      const ns = this.ns(h.vm);
      ip(["netns", "add", ns]);
      ip(["-n", ns, "link", "set", "lo", "up"]);
      ip(["-n", this.net, "link", "add", h.vm, "type", "veth", "peer", "name", "eth1", "netns", ns]);
      ip(["-n", this.net, "link", "set", h.vm, "master", `br${h.server}`, "up"]);
      ip(["-n", ns, "addr", "add", `${h.address}/24`, "dev", "eth1"]);
      ip(["-n", ns, "link", "set", "eth1", "up"]);
    }
  }

  /** the link between the physical servers */
  setLink(up: boolean): void {
    ip(["-n", this.net, "link", "set", "linkA", up ? "up" : "down"]);
  }

  /** a VM's network: down when it is powered off */
  setHost(vm: string, up: boolean): void {
    if (!this.hosts.has(vm)) return;
    ip(["-n", this.net, "link", "set", vm, up ? "up" : "down"]);
  }

  /** argv that runs a command inside the VM's namespace */
  exec(vm: string, argv: readonly string[]): string[] {
    return ["ip", "netns", "exec", this.ns(vm), ...argv];
  }

  destroy(vms: readonly string[] = [...this.hosts.keys()]): void {
    for (const vm of vms) tryIp(["netns", "del", this.ns(vm)]);
    tryIp(["netns", "del", this.net]);
    this.hosts.clear();
  }
}
