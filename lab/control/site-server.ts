import http from "node:http";
import type { Simulation } from "../model/simulation";
import { CONSOLE_CLIENT, vipExchange } from "../model/site-front";

/** the Moodle site as users reach it: every request is a new client connection to the VIP */
export function createSiteServer(sim: Simulation, clientAddress = CONSOLE_CLIENT): http.Server {
  return http.createServer((req, res) => {
    req.resume();
    sim.sync();
    const exchange = vipExchange(
      sim.world,
      sim.balancers,
      sim.tiers,
      { method: req.method ?? "GET", target: req.url ?? "/", host: req.headers.host ?? "", clientAddress },
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
    res.writeHead(response.status, response.reason, { ...Object.fromEntries(response.headers), "Content-Length": String(Buffer.byteLength(response.body)) });
    res.end(response.body);
  });
}
