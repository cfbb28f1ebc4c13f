import { describe, expect, it } from "vitest";
import { findingsOf } from "@/lib/cluster/findings";
import type { ClusterState } from "@/lib/cluster/state";
import { INCIDENT_CLOSE_GRACE_MS, type IncidentChange, type TrackedIncident, involve, stepIncident } from "@/lib/timeline/incident-logic";
import { labClusterSpec } from "@/test/support/cluster-spec";
import { T0, channel, healthyCluster, silence } from "@/test/support/cluster-state";

const spec = labClusterSpec();

/** Feed states through the state machine as the tracker does (ids assigned on open), returning every change. */
function run(states: [seconds: number, state: ClusterState][], graceMs = INCIDENT_CLOSE_GRACE_MS) {
  let open: TrackedIncident | null = null;
  let nextId = 1;
  const changes: { at: number; change: IncidentChange; open: TrackedIncident | null }[] = [];
  const closed: (TrackedIncident & { closedAt: number })[] = [];
  for (const [seconds, state] of states) {
    const at = T0 + seconds * 1000;
    const change = stepIncident(open, at, findingsOf(state, spec), graceMs);
    if (change.kind === "open") open = { ...change.incident, id: nextId++ };
    else if (change.kind === "update" || change.kind === "grace") open = change.incident;
    else if (change.kind === "close") {
      closed.push({ ...change.incident, closedAt: change.closedAt });
      open = null;
    }
    changes.push({ at, change, open });
  }
  return { changes, closed, open, opened: nextId - 1 };
}

const healthy = () => healthyCluster();
const web1Off = () => silence(healthyCluster(), "web1");
const replicationBroken = (s = healthyCluster()) => {
  const c = channel(s);
  c.sqlRunning = "No";
  c.lastSqlErrno = 1062;
  c.lastSqlError = "Duplicate entry '42' for key 'PRIMARY'";
  return s;
};

describe("incidents from findings", () => {
  it("a healthy cluster opens nothing", () => {
    const { opened, changes } = run([[0, healthy()], [2, healthy()]]);
    expect(opened).toBe(0);
    expect(changes.map((c) => c.change.kind)).toEqual(["none", "none"]);
  });

  it("opens on the first critical finding, titled by it, with its tiers and hosts", () => {
    const { changes, open } = run([[0, healthy()], [2, web1Off()]]);
    expect(changes[1]?.change.kind).toBe("open");
    expect(open).toMatchObject({ openedAt: T0 + 2000, clearSince: null });
    expect(open?.title).toMatch(/^web1 is not answering/);
    expect(open?.tiers).toContain("web");
    expect(open?.hosts).toContain("web1");
    expect(open?.findings.every((f) => f.firstSeenAt === T0 + 2000)).toBe(true);
  });

  it("groups a second fault on another tier into the same open incident", () => {
    const { opened, open, changes } = run([[0, web1Off()], [2, web1Off()], [4, replicationBroken(web1Off())]]);
    expect(opened).toBe(1);
    expect(changes[2]?.change.kind).toBe("update");
    expect(open?.tiers).toEqual(expect.arrayContaining(["web", "database"]));
    expect(open?.hosts).toEqual(expect.arrayContaining(["web1", "db2"]));
    expect(open?.findings.find((f) => f.tier === "database")?.firstSeenAt).toBe(T0 + 4000);
  });

  it("closes only after the grace, dated when the last critical finding cleared", () => {
    const grace = 10_000;
    const { closed, changes } = run([[0, web1Off()], [2, healthy()], [6, healthy()], [12, healthy()]], grace);
    expect(changes.map((c) => c.change.kind)).toEqual(["open", "grace", "none", "close"]);
    expect(closed).toHaveLength(1);
    expect(closed[0]?.closedAt).toBe(T0 + 2000);
  });

  it("a finding that flaps within the grace stays one incident", () => {
    const states: [number, ClusterState][] = [];
    for (let i = 0; i < 10; i++) states.push([i * 2, i % 2 === 0 ? web1Off() : healthy()]);
    const { opened, open } = run(states, 5_000);
    expect(opened).toBe(1);
    expect(open).not.toBeNull();
  });

  it("a fault after the incident closed opens a new one", () => {
    const { opened, closed, open } = run([[0, web1Off()], [2, healthy()], [20, healthy()], [22, replicationBroken()]], 10_000);
    expect(closed).toHaveLength(1);
    expect(opened).toBe(2);
    expect(open?.tiers).toContain("database");
    expect(open?.tiers).not.toContain("web");
  });

  it("a warning alone never opens an incident", () => {
    const s = healthyCluster();
    s.web = s.web.map((w) => (w.name === "web1" ? { ...w, maintenance: true } : w));
    const findings = findingsOf(s, spec);
    expect(findings.some((f) => f.severity === "critical")).toBe(false);
    expect(stepIncident(null, T0, findings).kind).toBe("none");
  });
});

describe("involve: the union of tiers and hosts", () => {
  const base = { tiers: ["web"], hosts: ["web1"] };
  it.each([
    ["adds a tier and a host, in tier order and sorted", [{ tier: "host", hosts: ["db2"] }], ["host", "web"], ["db2", "web1"]],
    ["keeps each once", [{ tier: "web", hosts: ["web1", "web1"] }], ["web"], ["web1"]],
    ["ignores the console's own tiers and null or cluster-wide hosts", [{ tier: "workflow", hosts: [null, "cluster"] }, { tier: "operator", hosts: [] }], ["web"], ["web1"]],
    ["orders tiers as the cluster's", [{ tier: "database", hosts: [] }, { tier: "balancer", hosts: ["lb2"] }], ["balancer", "web", "database"], ["lb2", "web1"]],
  ])("%s", (_name, items, tiers, hosts) => {
    expect(involve(base, items)).toEqual({ tiers, hosts });
  });
});
