import { describe, expect, it } from "vitest";
import { vipReturn } from "@/lib/cluster/preemption";
import type { BalancerState, VrrpView } from "@/lib/cluster/state";
import { labClusterSpec } from "@/test/support/cluster-spec";
import { healthyCluster, lb } from "@/test/support/cluster-state";

const heartbeat = labClusterSpec();
const keepalived = { ...heartbeat, balancer: { ...heartbeat.balancer, ha: "keepalived" as const } };

type Conf = NonNullable<VrrpView["configured"]>;
function balancer(name: "lb1" | "lb2", configured: Partial<Conf> | null): BalancerState {
  const b = lb(healthyCluster(), name);
  const conf = configured === null ? null : { initialState: "BACKUP" as const, priority: 100, nopreempt: false, preemptDelay: 0, advertInt: 1, ...configured };
  b.ha = { stack: "keepalived", running: true, peerStatus: null, detail: null, nodes: null, vrrp: { instance: "VI_1", state: null, since: null, priority: conf?.priority ?? null, configured: conf } };
  return b;
}

// keepalived.conf(5) 2.2.7 and what the real keepalived did here (test/conformance/balancer.conf.test.ts)
describe("where the VIP goes when a balancer comes back", () => {
  it("keepalived preempts by default: the higher priority takes the VIP back after 3 × advert_int + skew", () => {
    expect(vipReturn(keepalived, balancer("lb1", { priority: 150 }), balancer("lb2", { priority: 100 }))).toEqual({
      returnsTo: "lb1",
      afterSeconds: 3.4,
      known: true,
      why: "keepalived preempts: lb1's priority 150 is above lb2's 100, so lb1 takes the VIP back about 3.4 s after it starts",
    });
    expect(vipReturn(keepalived, balancer("lb1", { priority: 150, preemptDelay: 30, advertInt: 2 }), balancer("lb2", {})).afterSeconds).toBe(36.4);
  });

  it("nopreempt keeps the VIP where it went, but not with an initial state MASTER (keepalived clears it)", () => {
    expect(vipReturn(keepalived, balancer("lb1", { priority: 150, nopreempt: true }), balancer("lb2", {}))).toMatchObject({ returnsTo: null, known: true, why: "lb1 has nopreempt (initial state BACKUP): the VIP stays on lb2 despite lb1's priority 150" });
    expect(vipReturn(keepalived, balancer("lb1", { priority: 150, nopreempt: true, initialState: "MASTER" }), balancer("lb2", {}))).toMatchObject({
      returnsTo: "lb1",
      afterSeconds: 1,
      why: expect.stringContaining("its nopreempt does nothing with initial state MASTER"),
    });
  });

  it("a lower or equal priority leaves the VIP where it is; equal priorities with initial MASTER go to the higher address", () => {
    expect(vipReturn(keepalived, balancer("lb1", { priority: 90 }), balancer("lb2", {}))).toMatchObject({ returnsTo: null, known: true, why: "lb1's priority 90 is below lb2's 100: the VIP stays on lb2" });
    expect(vipReturn(keepalived, balancer("lb1", {}), balancer("lb2", {}))).toMatchObject({ returnsTo: null, known: true });
    // lb2 (192.168.10.20) above lb1 (192.168.10.10)
    expect(vipReturn(keepalived, balancer("lb2", { initialState: "MASTER" }), balancer("lb1", {}))).toMatchObject({ returnsTo: "lb2" });
    expect(vipReturn(keepalived, balancer("lb1", { initialState: "MASTER" }), balancer("lb2", {}))).toMatchObject({ returnsTo: null });
  });

  it("says it does not know when keepalived.conf is unread, or the stack decides elsewhere", () => {
    expect(vipReturn(keepalived, balancer("lb1", null), balancer("lb2", {}))).toMatchObject({ returnsTo: null, known: false, why: expect.stringContaining("keepalived.conf could not be read on lb1") });
    expect(vipReturn(heartbeat, lb(healthyCluster(), "lb1"), lb(healthyCluster(), "lb2"))).toMatchObject({ known: false, why: expect.stringContaining("auto_failback") });
  });
});
