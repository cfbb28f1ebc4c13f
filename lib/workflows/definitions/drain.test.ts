import { describe, expect, it } from "vitest";
import { ldirectordConfigOf } from "@/lib/cluster/derive";
import { findingsOf } from "@/lib/cluster/findings";
import type { ClusterState, RealServerState } from "@/lib/cluster/state";
import { verdictOf } from "@/lib/cluster/verdict";
import { ClusterSpec } from "@/lib/inventory/schema";
import { parseLdirectordConfig } from "@/lib/probes/ldirectord-cf";
import { valueOf } from "@/lib/probes/test-support";
import type { DrainRecord, LiveReader, StepDef } from "@/lib/workflows/definition";
import { drainWorkflow, undrainWorkflow } from "@/lib/workflows/definitions/drain";
import { LAYOUT, healthyCluster } from "@/test/support/cluster-state";

// A Moodle site on ports 80 and 443, as ldirectord loaded it in the issue: web1 on both, weights 100 and 50.
const cluster = ClusterSpec.parse({
  id: "lab",
  servers: [{ name: "A" }, { name: "B" }],
  hosts: LAYOUT.map(([name, role, server, clusterAddress]) => ({ name, role, server, address: "127.0.0.1", clusterAddress, auth: { agent: true } })),
  balancer: { vip: "203.0.113.10", ports: [80, 443] },
});

const LDIRECTORD_CF = `checktimeout=3
autoreload=yes
quiescent=yes

virtual=203.0.113.10:http
\treal=192.168.10.11:80 gate 100 # web1, rack 3
\treal=192.168.10.21:80 gate 100
\tpersistent=300

virtual=203.0.113.10:443
\treal=192.168.10.11:443 gate 50
\treal=192.168.10.21:443 gate 50
`;

function twoPorts(text = LDIRECTORD_CF): ClusterState {
  const s = healthyCluster();
  for (const b of s.balancers) {
    const first = b.services[0];
    if (!first) throw new Error("no service");
    const https = (r: RealServerState): RealServerState => ({ ...r, port: 443, weight: 50 });
    for (const r of first.realServers) r.weight = 100;
    b.services.push({ ...first, port: 443, realServers: first.realServers.map(https) });
    b.config = ldirectordConfigOf(valueOf(parseLdirectordConfig(text)), "203.0.113.10", 80);
  }
  return s;
}

function reader(state: ClusterState, drains: DrainRecord[] = []): LiveReader {
  return {
    cluster,
    view: { state, findings: findingsOf(state, cluster), verdict: verdictOf(state, cluster) },
    drains,
    async read() {
      return null;
    },
  };
}

const lines = (step: StepDef | undefined, which: "planned" | "plannedUndo" = "planned") => (step?.[which] ?? []).map((c) => `${c.host}: ${c.line}`);

describe("drain on a two-port site (issue 9, defect 20)", () => {
  it("takes the node out of every virtual service on both balancers, running and in ldirectord.cf", async () => {
    const live = reader(twoPorts());
    const facts = await drainWorkflow.gather({ host: "web1", threshold: 0 }, live);
    expect(drainWorkflow.guards({ host: "web1", threshold: 0 }, facts, live).filter((g) => !g.ok)).toEqual([]);
    const steps = drainWorkflow.steps({ cluster, params: { host: "web1", threshold: 0 }, facts, runId: "r1" });
    expect(lines(steps[0])).toEqual([
      "lb1: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0",
      "lb1: sudo -n ipvsadm -e -t 203.0.113.10:443 -r 192.168.10.11:443 -g -w 0",
      "lb2: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0",
      "lb2: sudo -n ipvsadm -e -t 203.0.113.10:443 -r 192.168.10.11:443 -g -w 0",
    ]);
    // the rollback puts each port's own weight back
    expect(lines(steps[0], "plannedUndo")).toEqual([
      "lb1: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 100",
      "lb1: sudo -n ipvsadm -e -t 203.0.113.10:443 -r 192.168.10.11:443 -g -w 50",
      "lb2: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 100",
      "lb2: sudo -n ipvsadm -e -t 203.0.113.10:443 -r 192.168.10.11:443 -g -w 50",
    ]);
    expect(steps[1]?.planned.map((c) => [c.host, c.name])).toEqual([["lb1", "ldirectord-cf-drain"], ["lb2", "ldirectord-cf-drain"]]);
    expect(steps[1]?.plannedUndo?.map((c) => [c.host, c.name])).toEqual([["lb1", "ldirectord-cf-undrain"], ["lb2", "ldirectord-cf-undrain"]]);
    expect(facts.balancers[0]?.configLines?.map((l) => [l.port, l.weight, l.drain.why])).toEqual([
      [80, 100, "line 6: weight 100 to 0"],
      [443, 50, "line 11: weight 50 to 0"],
    ]);
  });

  it("sends no file content: the edit is a sed script of the node's address, and nothing of ldirectord.cf travels", async () => {
    const live = reader(twoPorts(LDIRECTORD_CF.replace("checktimeout=3", 'checktimeout=3\n# a secret that must not travel: passwd="s3cret"')));
    const facts = await drainWorkflow.gather({ host: "web1", threshold: 0 }, live);
    const steps = drainWorkflow.steps({ cluster, params: { host: "web1", threshold: 0 }, facts, runId: "r1" });
    const sent = steps.flatMap((s) => [...s.planned, ...(s.plannedUndo ?? [])]).map((c) => c.line);
    expect(sent.join("\n")).not.toContain("s3cret");
    expect(sent.join("\n")).not.toContain("<<");
    expect(steps[1]?.planned[0]?.line).toMatch(/^sudo -n sed -i --follow-symlinks -E -e '.*192\\\.168\\\.10\\\.11.*' -e '.*' \/etc\/ha\.d\/ldirectord\.cf$/);
  });

  it("reads an ldirectord.cf with an inline comment after real= instead of refusing the drain for a wrong reason (defect 23)", async () => {
    const live = reader(twoPorts());
    const facts = await drainWorkflow.gather({ host: "web1", threshold: 0 }, live);
    expect(drainWorkflow.guards({ host: "web1", threshold: 0 }, facts, live).find((g) => g.id === "node-in-pool")).toMatchObject({ ok: true });
  });

  it("refuses to drain while ldirectord would refuse ldirectord.cf, and says where", async () => {
    const broken = LDIRECTORD_CF.replace("\treal=192.168.10.21:80 gate 100\n", "\n\treal=192.168.10.21:80 gate 100\n");
    const live = reader(twoPorts(broken));
    const facts = await drainWorkflow.gather({ host: "web1", threshold: 0 }, live);
    expect(drainWorkflow.guards({ host: "web1", threshold: 0 }, facts, live).find((g) => g.id === "ldirectord-reads-config")).toEqual({
      id: "ldirectord-reads-config",
      ok: false,
      message: expect.stringMatching(/^ldirectord refuses ldirectord\.cf on lb1 \(line 8: Unknown command.*\), lb2 \(line 8: .*fix the file first/),
      overridable: false,
    });
  });

  it("refuses a node the drain cannot edit in ldirectord.cf (part of a range), naming the line", async () => {
    const ranged = LDIRECTORD_CF.replace("\treal=192.168.10.11:443 gate 50\n\treal=192.168.10.21:443 gate 50\n", "\treal=192.168.10.11->192.168.10.21:443 gate 50\n");
    const live = reader(twoPorts(ranged));
    const facts = await drainWorkflow.gather({ host: "web1", threshold: 0 }, live);
    expect(drainWorkflow.guards({ host: "web1", threshold: 0 }, facts, live).find((g) => g.id === "node-weight")?.message).toBe(
      "ldirectord.cf cannot be edited for web1: lb1: line 11 is a range (192.168.10.11->192.168.10.21): write the node on a line of its own; lb2: line 11 is a range (192.168.10.11->192.168.10.21): write the node on a line of its own",
    );
  });

  it("undrains each port to the weight the drain recorded", async () => {
    const drained = twoPorts(LDIRECTORD_CF.replace("gate 100 # web1, rack 3", "gate 0 # web1, rack 3 #clusterdeck-drained-weight=100").replace("\treal=192.168.10.11:443 gate 50", "\treal=192.168.10.11:443 gate 0 #clusterdeck-drained-weight=50"));
    for (const b of drained.balancers) for (const v of b.services) for (const r of v.realServers) if (r.host === "web1") r.weight = 0;
    const record: DrainRecord = { host: "web1", runId: "r0", since: 0, previousWeights: { "lb1 port 80": 100, "lb1 port 443": 50, "lb2 port 80": 100, "lb2 port 443": 50 } };
    const live = reader(drained, [record]);
    const facts = await undrainWorkflow.gather({ host: "web1" }, live);
    const steps = undrainWorkflow.steps({ cluster, params: { host: "web1" }, facts, runId: "r2" });
    expect(lines(steps[0])).toEqual([
      "lb1: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 100",
      "lb1: sudo -n ipvsadm -e -t 203.0.113.10:443 -r 192.168.10.11:443 -g -w 50",
      "lb2: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 100",
      "lb2: sudo -n ipvsadm -e -t 203.0.113.10:443 -r 192.168.10.11:443 -g -w 50",
    ]);
    expect(steps[1]?.planned.map((c) => c.name)).toEqual(["ldirectord-cf-undrain", "ldirectord-cf-undrain"]);
    // without the record, the marks in ldirectord.cf say the same
    const unrecorded = await undrainWorkflow.gather({ host: "web1" }, reader(drained));
    expect(unrecorded.weights).toEqual({ "lb1 port 80": 100, "lb1 port 443": 50, "lb2 port 80": 100, "lb2 port 443": 50 });
  });
});
