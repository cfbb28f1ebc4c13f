import type { LbVm, World } from "./types";

export const LBS: readonly LbVm[] = ["lb1", "lb2"];
export const peerOf = (vm: LbVm): LbVm => (vm === "lb1" ? "lb2" : "lb1");

/** what owns the VIP on the balancers: heartbeat (haresources) or keepalived (VRRP); the rest of the lab sees only this */
export interface HaStack {
  readonly kind: "heartbeat" | "keepalived";
  /** the service that runs it on lb1/lb2 */
  readonly service: string;
  /** powered-on balancers with the VIP configured on eth0 (what `ip addr` shows there), stale copies included */
  holders(): LbVm[];
  /** the holder the router sends the VIP's traffic to: the one whose gratuitous ARP it heard last */
  trafficTarget(): LbVm | null;
  /** model time a clean stop begun now on `vm` finishes (when `systemctl stop` returns), or null when it is already down */
  stopDoneAt(vm: LbVm): number | null;
  /** JSON-able state for /truth, per node */
  truth(vm: LbVm): Record<string, unknown>;
}

/** powered-on balancers whose node has the VIP up on eth0 (both stacks keep it so) */
export function vipHolders(world: Pick<World, "isUp">, nodes: Record<LbVm, { vipUp: boolean }>): LbVm[] {
  return LBS.filter((vm) => nodes[vm].vipUp && world.isUp(vm));
}

/** where the router sends the VIP's traffic: the holder whose gratuitous ARP it heard last, else the first */
export function routedTo(holders: readonly LbVm[], arpOwner: LbVm | null): LbVm | null {
  if (arpOwner && holders.includes(arpOwner)) return arpOwner;
  return holders[0] ?? null;
}
