import { describe, expect, it } from "vitest";
import { probePlan } from "@/lib/cluster/plan";
import { hostCommands } from "@/lib/commands/registry";
import { fixture } from "@/lib/probes/test-support";
import { labClusterSpec } from "@/test/support/cluster-spec";

// The balancer probes, as the collector plans them: which exit codes carry an answer, checked against the real
// tools (issue 9, defect 19) and the HA stack choosing the probes.
const base = labClusterSpec();
const lb1 = base.hosts.find((h) => h.name === "lb1");
if (!lb1) throw new Error("no lb1");
const plan = (ha: "heartbeat" | "keepalived" | "pacemaker") => probePlan({ ...base, balancer: { ...base.balancer, ha } }, lb1);
const byName = (name: string) => hostCommands.find((c) => c.name === name);

describe("balancer probes", () => {
  it("reads cl_status's exit 1 as an answer: heartbeat 3.0.6 prints 'Heartbeat is stopped' with it", () => {
    const cl = plan("heartbeat").find((p) => p.name === "cl-status");
    expect(cl).toMatchObject({ command: "sudo -n cl_status hbstatus -v", okExitCodes: [0, 1] });
    expect(cl?.parse(fixture("heartbeat", "cl_status-hbstatus-v-3.0.6-CAPTURED-crashed-exit1.txt"))).toMatchObject({ ok: true, value: { state: "stopped" } });
  });

  it("reads crm_mon's XML on its failure codes too (it says why in <status>)", () => {
    expect(plan("pacemaker").find((p) => p.name === "crm-mon-xml")?.okExitCodes).toEqual([0, 1, 69, 102]);
  });

  it("reads keepalived's own state and configuration where the pair runs keepalived, and heartbeat's where it runs heartbeat", () => {
    expect(plan("keepalived").map((p) => p.name)).toEqual(expect.arrayContaining(["keepalived-state", "keepalived-conf", "ldirectord-cf"]));
    expect(plan("keepalived").map((p) => p.name)).not.toContain("cl-status");
    expect(plan("heartbeat").map((p) => p.name)).not.toContain("keepalived-state");
    const state = plan("keepalived").find((p) => p.name === "keepalived-state");
    // the probe ends in `true`: any exit but 0 means the shell itself failed
    expect(state).toMatchObject({ okExitCodes: [0], command: expect.stringMatching(/; true$/) });
    expect(plan("keepalived").find((p) => p.name === "keepalived-conf")?.command).toBe("sudo -n /usr/bin/cat /etc/keepalived/keepalived.conf");
  });

  it("reads ldirectord.cf through sudo (it may be 0600 with passwd=), exit 0 only (cat's 1 is a missing file)", () => {
    expect(byName("ldirectord-cf")).toMatchObject({ sudo: true, okExitCodes: [0] });
    expect(plan("heartbeat").find((p) => p.name === "ldirectord-cf")?.command).toBe("sudo -n /usr/bin/cat /etc/ha.d/ldirectord.cf");
  });

  it("takes ipvsadm's non-zero exits as failures: without IPVS it prints nothing on stdout (Can't initialize ipvs, exit 2)", () => {
    for (const name of ["ipvsadm", "ipvsadm-stats", "ipvsadm-rate", "ipvsadm-conns"]) expect(byName(name)?.okExitCodes, name).toEqual([0]);
  });
});
