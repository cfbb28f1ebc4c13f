import http from "node:http";
import type { Simulation } from "../model/simulation";
import { CONSOLE_CLIENT, vipExchange } from "../model/site-front";

/**
 * The Host a client of the front really means: the front's own loopback address stands for the VIP
 * (users type the site's address, which is the VIP's); any other name is passed on as sent, so
 * Moodle redirects it to wwwroot as it would.
 */
export function siteHost(hostHeader: string | undefined, frontPort: number, sim: Simulation): string {
  const host = (hostHeader ?? "").trim().toLowerCase();
  const front = [`127.0.0.1:${frontPort}`, `localhost:${frontPort}`, `[::1]:${frontPort}`];
  if (!front.includes(host)) return hostHeader ?? "";
  const { vip, vipPort } = sim.world.settings;
  return vipPort === 80 ? vip : `${vip}:${vipPort}`;
}

/** the Moodle site as users reach it: every request is a new client connection to the VIP */
export function createSiteServer(sim: Simulation, clientAddress = CONSOLE_CLIENT): http.Server {
  return http.createServer((req, res) => {
    req.resume();
    sim.sync();
    const exchange = vipExchange(
      sim.world,
      sim.balancers,
      sim.tiers,
      { method: req.method ?? "GET", target: req.url ?? "/", host: siteHost(req.headers.host, req.socket.localPort ?? 0, sim), clientAddress },
      req.socket.remotePort ?? 40000,
    );
    if (!exchange) {
      req.socket.destroy();
      return;
    }
    const { response } = exchange;
    res.on("close", () => exchange.close());
    // one request per connection, so each one is scheduled by LVS as the traffic model's page views are
    res.shouldKeepAlive = false;
    res.sendDate = false;
    // repeated headers (two Cache-Control lines, as Moodle sends them) stay separate lines
    const headers: string[] = response.headers.filter(([k]) => !["connection", "content-length", "transfer-encoding"].includes(k.toLowerCase())).flat();
    res.writeHead(response.status, response.reason, [...headers, "Content-Length", String(Buffer.byteLength(response.body))]);
    res.end(response.body);
  });
}
