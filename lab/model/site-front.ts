import type { Balancers } from "./balancer";
import { WEB_BY_ADDRESS } from "./balancer";
import type { SiteRequest, SiteResponse, Tiers, WebVm, World } from "./types";

/** the console's own address as the balancers see it: one fixed client, so persistence pins it like a real user */
export const CONSOLE_CLIENT = "198.51.100.250";

export interface SiteExchange {
  node: WebVm;
  response: SiteResponse;
  /** the client closed the connection: the director's entry moves to FIN_WAIT */
  close(): void;
}

/**
 * One client connection to the VIP: the VIP holder's IPVS table schedules it (templates first, weight 0 gets
 * no new clients) and the chosen web node answers. null = no answer at all (no holder, no usable real server,
 * node unreachable or refusing), which the client sees as a timeout or a reset.
 */
export function vipExchange(world: World, balancers: Balancers, tiers: Tiers, req: SiteRequest, clientPort: number): SiteExchange | null {
  const now = world.now();
  const lb = balancers.ha.trafficTarget();
  const table = lb ? balancers.nodes[lb].table : null;
  const svc = table?.findService("TCP", world.settings.vip, world.settings.vipPort);
  const dest = table && svc ? table.schedule(svc, req.clientAddress, now) : null;
  if (!lb || !table || !svc || !dest) return null;
  const node = WEB_BY_ADDRESS.get(dest.address);
  const response = node && world.canReach(lb, node) ? (tiers.siteRequest?.(node, req) ?? null) : null;
  if (!node || !response) {
    // only the SYN (and its retries) crossed the director; the answer, if any, went straight to the client
    table.openConn(svc, dest, req.clientAddress, clientPort, now, "SYN_RECV");
    table.count(svc, dest, 3, 180, 0, 0);
    return null;
  }
  const conn = table.openConn(svc, dest, req.clientAddress, clientPort, now);
  const inBytes = 6 * 52 + req.target.length + req.host.length + 120;
  const outBytes = Buffer.byteLength(response.body) + 300;
  const outPkts = Math.max(2, Math.ceil(outBytes / 1448) + 2);
  table.count(svc, dest, 6, inBytes, outPkts, outBytes);
  return {
    node,
    response,
    close() {
      if (conn.state === "ESTABLISHED") table.setState(conn, "FIN_WAIT", world.now());
    },
  };
}
