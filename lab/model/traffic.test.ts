import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import type { TestLab } from "../__tests__/test-lab";

const labs: TestLab[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) l.cleanup();
});
const make = (seed: number): TestLab => {
  const l = testLab({ seed, traffic: {} });
  labs.push(l);
  return l;
};

describe("synthetic users", () => {
  it("stay around 20-60 online and move through the active balancer's table", () => {
    const l = make(42);
    const counts: number[] = [];
    for (let i = 0; i < 12; i++) {
      l.advance(5 * 60_000);
      counts.push(l.sim.traffic?.userCount() ?? 0);
    }
    for (const c of counts) {
      expect(c).toBeGreaterThanOrEqual(20);
      expect(c).toBeLessThanOrEqual(60);
    }
    const table = l.sim.balancers.nodes.lb1.table;
    expect(table.conns.filter((c) => c.template).length).toBeGreaterThan(10);
    expect(table.services[0]?.stats.conns).toBeGreaterThan(500);
    expect(l.sim.balancers.nodes.lb2.table.conns).toHaveLength(0);
    expect(l.sim.traffic?.totals.errors).toBe(0);
  });

  it("are deterministic for a seed", () => {
    const a = make(42);
    const b = make(42);
    const c = make(43);
    for (const l of [a, b, c]) l.advance(20 * 60_000);
    expect(a.sim.traffic?.totals).toEqual(b.sim.traffic?.totals);
    expect(a.sim.balancers.nodes.lb1.table.conns).toEqual(b.sim.balancers.nodes.lb1.table.conns);
    expect(a.sim.traffic?.totals).not.toEqual(c.sim.traffic?.totals);
  });

  it("follow the VIP to lb2 after a failover, and fail while nobody holds it", () => {
    const l = make(5);
    l.advance(60_000);
    l.sim.faults.inject("vm-off", "lb1");
    l.advance(5_000);
    const errorsDuringGap = l.sim.traffic?.totals.errors ?? 0;
    l.advance(120_000);
    expect(errorsDuringGap).toBeGreaterThan(0);
    expect(l.sim.balancers.nodes.lb2.table.conns.length).toBeGreaterThan(0);
    const before = l.sim.traffic?.totals.errors ?? 0;
    l.advance(60_000);
    expect(l.sim.traffic?.totals.errors).toBe(before);
  });

  it("load on the web nodes follows the traffic", () => {
    const l = make(9);
    l.advance(15 * 60_000);
    const [web] = l.sim.load.load("web1");
    const [lb] = l.sim.load.load("lb2");
    expect(web).toBeGreaterThan(lb);
  });
});
