import { describe, expect, it } from "vitest";
import { vipReturn } from "@/lib/cluster/preemption";
import type { BalancerState } from "@/lib/cluster/state";
import { balancerDrill, expectationsOf } from "@/lib/workflows/definitions/drill-balancer";
import { labClusterSpec } from "@/test/support/cluster-spec";
import { healthyCluster, lb } from "@/test/support/cluster-state";

// The plan of the balancer drill on keepalived, from the facts gather() would store (issue 9, defect 22).
const base = labClusterSpec();
const cluster = { ...base, balancer: { ...base.balancer, ha: "keepalived" as const } };
const params = { maxNoVipSeconds: 30, maxUnservedSeconds: 30 };

function pair(lb1Nopreempt: boolean): [BalancerState, BalancerState] {
  const s = healthyCluster();
  const set = (name: "lb1" | "lb2", priority: number, nopreempt: boolean) => {
    const b = lb(s, name);
    b.ha = { stack: "keepalived", running: true, peerStatus: null, detail: null, nodes: null, vrrp: { instance: "VI_1", state: null, since: null, priority, configured: { initialState: "BACKUP", priority, nopreempt, preemptDelay: 0, advertInt: 1 } } };
    return b;
  };
  return [set("lb1", 150, lb1Nopreempt), set("lb2", 100, false)];
}

function plan(lb1Nopreempt: boolean) {
  const [lb1, lb2] = pair(lb1Nopreempt);
  const back = vipReturn(cluster, lb1, lb2);
  const facts = { active: "lb1", standby: "lb2", server: "A", service: "keepalived" as const, vipReturn: back, marks: [], expectations: expectationsOf(params, "lb1", "lb2", back), overridden: [] };
  return {
    steps: balancerDrill.steps({ cluster, params, facts, runId: "r1" }),
    summary: Object.fromEntries(balancerDrill.summary({ cluster, params, facts })),
    warnings: balancerDrill.warnings(params, facts, { cluster, view: { state: healthyCluster(), findings: [], verdict: { redundant: true, servers: [] } }, drains: [], read: async () => null }),
    expectations: facts.expectations,
  };
}

describe("the balancer drill under keepalived", () => {
  it("stops and starts keepalived with Debian's service command, as sudoers allows", () => {
    const { steps } = plan(false);
    expect(steps.find((s) => s.key === "stop-ha")?.planned.map((c) => c.line)).toEqual(["sudo -n service keepalived stop"]);
    expect(steps.find((s) => s.key === "restore")?.planned.map((c) => c.line)).toEqual(["sudo -n service keepalived start"]);
  });

  it("says the restart pulls the VIP back (preemption), expects it, and warns of the second move", () => {
    const { steps, summary, warnings, expectations } = plan(false);
    expect(summary["when it starts again"]).toBe("keepalived preempts: lb1's priority 150 is above lb2's 100, so lb1 takes the VIP back about 3.4 s after it starts");
    expect(steps.find((s) => s.key === "restore")?.title).toBe("Start keepalived on lb1 again (it takes the VIP back from lb2: keepalived preempts)");
    expect(expectations.map((e) => [e.measure, e.bound])).toContainEqual(["vipBackSeconds", 9]);
    expect(warnings[1]).toMatch(/^Starting keepalived on lb1 again moves the VIP back to it .*a second move/);
  });

  it("with nopreempt, expects the VIP to stay on lb2 and says so", () => {
    const { steps, expectations, warnings } = plan(true);
    expect(steps.find((s) => s.key === "restore")?.title).toBe("Start keepalived on lb1 again (the VIP stays on lb2)");
    expect(expectations.map((e) => [e.measure, e.bound])).toContainEqual(["vipMovedAgain", 0]);
    expect(warnings).toHaveLength(1);
  });
});
