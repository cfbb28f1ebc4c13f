import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BalancerPanel } from "@/components/balancer-panel";
import { PoolTable } from "@/components/pool-table";
import type { BalancerState } from "@/lib/cluster/state";
import { healthyCluster, lb } from "@/test/support/cluster-state";

// The balancer page's panels as rendered HTML: each balancer's own view of the HA pair (issue 9, defect 21).
const text = (html: string) => html.replace(/<[^>]+>/g, " ").replaceAll("&#x27;", "'").replace(/\s+/g, " ");

function keepalived(b: BalancerState, state: "MASTER" | "BACKUP" | "FAULT", priority: number): BalancerState {
  b.ha = {
    stack: "keepalived",
    running: true,
    peerStatus: null,
    detail: state,
    nodes: null,
    vrrp: { instance: "VI_1", state, since: Date.UTC(2026, 11, 3, 12, 0, 5), priority, configured: { initialState: "BACKUP", priority, nopreempt: false, preemptDelay: 0, advertInt: 1 } },
  };
  return b;
}

const panel = (balancer: BalancerState, peer?: BalancerState) =>
  text(renderToStaticMarkup(createElement(BalancerPanel, { balancer, peer, takenAt: 0, webHosts: [], vipContested: false })));

describe("the balancer page", () => {
  it("shows each balancer's keepalived state, its configuration, and what a restart of the VIP holder does", () => {
    const s = healthyCluster();
    const lb1 = keepalived(lb(s, "lb1"), "MASTER", 150);
    const lb2 = keepalived(lb(s, "lb2"), "FAULT", 100);
    expect(panel(lb1, lb2)).toContain("VRRP VI_1 MASTER since 12:00:05 UTC · priority 150");
    expect(panel(lb1, lb2)).toContain("keepalived.conf initial BACKUP, priority 150, preempts, advert 1 s");
    expect(panel(lb1, lb2)).toContain("if lb1 restarts keepalived preempts: lb1's priority 150 is above lb2's 100, so lb1 takes the VIP back about 3.4 s after it starts");
    expect(panel(lb2, lb1)).toContain("VRRP VI_1 FAULT");
    expect(panel(lb2, lb1)).not.toContain("if lb2 restarts");
  });

  it("shows heartbeat's view of the pair from each balancer, and an ldirectord.cf ldirectord refuses", () => {
    const s = healthyCluster();
    const lb2 = lb(s, "lb2");
    lb2.ha = { ...lb2.ha, peerStatus: "dead", nodes: [{ name: "lb2", status: "active" }, { name: "lb1", status: "dead" }] };
    if (lb2.config) lb2.config.refusedAt = { line: 12, text: "\treal=192.168.10.21:80 gate 1", reason: "Unknown command" };
    expect(panel(lb2)).toContain("the pair as lb2 sees it lb2 active · lb1 dead");
    expect(panel(lb2)).toContain("ldirectord refuses this ldirectord.cf at line 12: Unknown command");
  });

  it("lists every port's real servers, on the page and in the overview's pool", () => {
    const s = healthyCluster();
    const lb1 = lb(s, "lb1");
    const first = lb1.services[0];
    if (!first) throw new Error("no service");
    lb1.services.push({ ...first, port: 443, realServers: first.realServers.map((r) => ({ ...r, port: 443 })) });
    expect(panel(lb1)).toContain("virtual services TCP 203.0.113.10:80, TCP 203.0.113.10:443");
    expect(panel(lb1)).toContain("192.168.10.11:443");
    const pool = text(renderToStaticMarkup(createElement(PoolTable, { balancer: lb1, takenAt: 0 })));
    expect(pool).toContain("203.0.113.10:80, 443");
    expect(pool).toContain("heartbeat running");
    expect(pool).toContain("192.168.10.21:443");
  });
});
