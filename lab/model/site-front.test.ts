import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import type { TestLab } from "../__tests__/test-lab";
import { createTiers } from "../tiers/index";
import { siteHost } from "../control/site-server";
import { CONSOLE_CLIENT, vipExchange } from "./site-front";
import type { SiteRequest } from "./types";

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());
const start = (): TestLab => {
  lab = testLab({ tiers: createTiers, settings: { heartbeatDeadtimeMs: 10_000 } });
  lab.advance(1000);
  return lab;
};

const get = (target = "/", client = CONSOLE_CLIENT, host = "203.0.113.10"): SiteRequest => ({ method: "GET", target, host, clientAddress: client });
const send = (l: TestLab, req: SiteRequest = get(), port = 41000) => vipExchange(l.sim.world, l.sim.balancers, l.sim.tiers, req, port);
const dest = (l: TestLab, address: string) => l.sim.balancers.nodes.lb1.table.services[0]?.dests.find((d) => d.address === address);

describe("the site through the VIP", () => {
  it("LVS schedules the request and the chosen node answers with Moodle's page, counted on both", () => {
    const l = start();
    const ex = send(l);
    expect(ex?.response.status).toBe(200);
    expect(ex?.response.body).toContain("ClusterDeck Moodle");
    const node = ex?.node ?? "web1";
    const address = l.sim.world.vm(node).clusterAddress;
    expect(dest(l, address)?.stats.conns).toBe(1);
    expect(dest(l, address)?.stats.inpkts).toBeGreaterThan(0);
    expect(dest(l, address)?.stats.outpkts).toBe(0);
    const table = l.sim.balancers.nodes.lb1.table;
    expect(table.conns.filter((c) => c.template && c.clientAddress === CONSOLE_CLIENT).map((c) => c.destAddress)).toEqual([address]);
    const web = (l.sim.tiers.truth().web as { nodes: Record<string, { accesses: number; statusCounts: Record<string, number> }> }).nodes[node];
    expect(web?.accesses).toBe(1);
    expect(web?.statusCounts).toEqual({ "200": 1 });
    ex?.close();
    expect(table.conns.find((c) => !c.template && c.clientAddress === CONSOLE_CLIENT)?.state).toBe("FIN_WAIT");
  });

  it("keeps the console pinned by persistence, even on a server drained to weight 0, while new clients avoid it", async () => {
    const l = start();
    const first = send(l)?.node;
    const address = l.sim.world.vm(first ?? "web1").clusterAddress;
    await l.sh("lb1", `ipvsadm -e -t 203.0.113.10:80 -r ${address}:80 -g -w 0`);
    expect(send(l)?.node).toBe(first);
    for (let i = 0; i < 5; i++) expect(send(l, get("/", `192.0.2.${10 + i}`))?.node).not.toBe(first);
  });

  it("passes path and query through and answers 404, 503 maintenance (the flag file's content), 200 with an upgrade pending", async () => {
    const l = start();
    expect(send(l, get("/nope.php?x=1"))?.response.status).toBe(404);
    const node = send(l)?.node ?? "web1";
    await l.sh("web1", "echo '<h1>Back soon</h1>' > /var/moodledata/climaintenance.html");
    const m = send(l, get("/login/index.php?lang=en"));
    expect(m?.response).toMatchObject({ status: 503, reason: "Moodle under maintenance", body: "<h1>Back soon</h1>\n" });
    expect(m?.response.headers).toContainEqual(["Retry-After", "300"]);
    await l.sh("web1", "rm /var/moodledata/climaintenance.html");
    const from = node === "web1" ? "/srv/releases/4.5.0/" : "web1:/srv/releases/4.5.0/";
    expect((await l.sh(node, `rsync -a --exclude=config.php ${from} /var/www/moodle/`)).code).toBe(0);
    expect(send(l)?.response.status).toBe(200);
  });

  it("sends a request for another host name to wwwroot (303), with no session", () => {
    const l = start();
    const r = send(l, get("/login/index.php?lang=en", CONSOLE_CLIENT, "moodle.example.org"))?.response;
    expect(r?.status).toBe(303);
    expect(r?.headers).toContainEqual(["Location", "http://203.0.113.10/login/index.php?lang=en"]);
    expect(r?.headers.some(([k]) => k === "Set-Cookie")).toBe(false);
    expect(send(l)?.response.headers.find(([k]) => k === "Set-Cookie")?.[1]).toMatch(/^MoodleSession=[0-9a-v]{26}; path=\/$/);
  });

  it("the HTTP front's own address stands for the VIP; another name is passed on", () => {
    const l = start();
    expect(siteHost("127.0.0.1:22280", 22280, l.sim)).toBe("203.0.113.10");
    expect(siteHost("localhost:22280", 22280, l.sim)).toBe("203.0.113.10");
    expect(siteHost("moodle.example.org", 22280, l.sim)).toBe("moodle.example.org");
    expect(siteHost(undefined, 22280, l.sim)).toBe("");
  });

  it("gets no answer when there is no usable real server or no VIP holder", () => {
    const l = start();
    l.sim.faults.inject("service-stop", "web1:apache2");
    l.sim.faults.inject("service-stop", "web2:apache2");
    l.advance(6000);
    expect(send(l, get("/", "192.0.2.99"))).toBeNull();
    l.sim.faults.clearMatching("service-stop", "web1:apache2");
    l.sim.faults.clearMatching("service-stop", "web2:apache2");
    l.advance(6000);
    expect(send(l)?.response.status).toBe(200);
    l.sim.faults.inject("vm-off", "lb1");
    l.advance(1000);
    expect(send(l)).toBeNull();
    l.advance(11_000);
    expect(send(l)?.response.status).toBe(200);
  });

  it("a pinned node that died without ldirectord noticing yet swallows the connection", () => {
    const l = start();
    const node = send(l)?.node ?? "web1";
    l.sim.faults.inject("vm-off", node);
    const before = l.sim.balancers.nodes.lb1.table.conns.length;
    expect(send(l)).toBeNull();
    expect(l.sim.balancers.nodes.lb1.table.conns.filter((c) => c.state === "SYN_RECV")).toHaveLength(1);
    expect(l.sim.balancers.nodes.lb1.table.conns.length).toBe(before + 1);
  });
});
