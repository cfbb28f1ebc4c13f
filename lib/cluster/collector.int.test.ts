import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterCollector } from "@/lib/cluster/collector";
import { stateOf } from "@/lib/cluster/derive";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { type TestLab, pollUntil, startTestLab } from "@/test/support/lab";

// The console's collector against the lab over real SSH, held against the lab's own /truth.

let t: TestLab;
let cluster: ClusterSpec;
let collector: ClusterCollector;
const control = (method: string, route: string, body?: unknown) => t.control(method, route, body);
const until = pollUntil;

beforeAll(async () => {
  t = await startTestLab({ seed: 42, speed: 5 });
  ({ cluster, collector } = t);
});

afterAll(async () => {
  await t?.stop();
});

describe("collector against the lab", () => {
  it("reads all eight VMs through their pinned host keys", async () => {
    const snap = await collector.pollOnce();
    expect(snap.hosts.map((h) => h.name).sort()).toEqual(["db1", "db2", "fs1", "fs2", "lb1", "lb2", "web1", "web2"]);
    for (const h of snap.hosts) {
      expect(h.reachable, `${h.name}: ${h.error}`).toBe(true);
      for (const [probe, reading] of Object.entries(h.readings)) {
        expect(reading.result.ok, `${h.name} ${probe}: ${JSON.stringify(reading.result)}`).toBe(true);
      }
    }
  });

  it("sees the VIP and the pool where the lab's truth has them", async () => {
    type Truth = {
      balancers: {
        vipHolders: string[];
        nodes: { vm: string; services: { address: string; reals: { address: string; weight: number }[] }[] }[];
      };
    };
    const truth = (await control("GET", "/truth")) as Truth;
    const view = stateOf(cluster, await collector.pollOnce());
    expect(view.vipHolders).toEqual(truth.balancers.vipHolders);
    const active = view.balancers.find((b) => b.holdsVip);
    expect(active?.service).toMatchObject({ address: cluster.balancer.vip, port: 80, scheduler: "wlc", persistent: 300 });
    expect(active?.realServers.map((r) => r.host)).toEqual(["web1", "web2"]);
    for (const pool of view.balancers) {
      const node = truth.balancers.nodes.find((n) => n.vm === pool.name);
      const reals = node?.services.find((s) => s.address === `${cluster.balancer.vip}:80`)?.reals ?? [];
      expect(pool.realServers.map((r) => [`${r.address}:${r.port}`, r.weight])).toEqual(reals.map((r) => [r.address, r.weight]));
    }
  });

  it("marks a powered-off VM as not answering, keeps the others, and sees it come back", async () => {
    await control("POST", "/faults", { kind: "vm-off", target: "web1" });
    try {
      const down = await until(
        () => collector.pollOnce(),
        (s) => s.hosts.find((h) => h.name === "web1")?.reachable === false,
        20_000,
      );
      const web1 = down.hosts.find((h) => h.name === "web1");
      expect(web1?.reachable).toBe(false);
      expect(web1?.error).toBeTruthy();
      expect(web1?.readings.loadavg?.result.ok).toBe(true);
      expect(down.hosts.filter((h) => h.name !== "web1").every((h) => h.reachable)).toBe(true);
    } finally {
      await control("POST", "/faults/clear", { kind: "vm-off", target: "web1" });
    }
    const back = await until(
      () => collector.pollOnce(),
      (s) => s.hosts.find((h) => h.name === "web1")?.reachable === true,
      30_000,
    );
    expect(back.hosts.find((h) => h.name === "web1")?.reachable).toBe(true);
  });

  it("shows a frozen VM as late as soon as its answer is overdue, before the exec timeout calls it not answering", async () => {
    const running = new ClusterCollector(cluster, t.pool);
    const seen: { late: boolean; reachable: boolean }[] = [];
    const off = running.onSnapshot((s) => {
      const web1 = s.hosts.find((h) => h.name === "web1");
      if (web1) seen.push({ late: web1.late ?? false, reachable: web1.reachable });
    });
    running.start();
    try {
      await until(async () => running.snapshot(), (s) => s.hosts.every((h) => h.reachable && !h.late), 20_000);
      seen.length = 0;
      // a powered-off lab VM keeps its TCP connections open and silent, as a frozen VM does
      await control("POST", "/faults", { kind: "vm-off", target: "web1" });
      await until(async () => seen, (s) => s.some((x) => !x.reachable), 30_000);
      const firstLate = seen.findIndex((x) => x.late && x.reachable);
      const firstDown = seen.findIndex((x) => !x.reachable);
      expect(firstLate, JSON.stringify(seen)).toBeGreaterThanOrEqual(0);
      expect(firstLate).toBeLessThan(firstDown);
      expect(seen[firstDown]?.late).toBe(false);
    } finally {
      off();
      running.stop();
      await control("POST", "/faults/clear", { kind: "vm-off", target: "web1" });
    }
    await until(() => collector.pollOnce(), (s) => s.hosts.find((h) => h.name === "web1")?.reachable === true, 30_000);
  });
});
