import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import type { TestLab } from "../__tests__/test-lab";
import type { LbVm } from "./types";

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());
const start = (): TestLab => {
  lab = testLab({ settings: { heartbeatDeadtimeMs: 10_000 } });
  lab.advance(1000);
  return lab;
};
const weights = (l: TestLab, lb: LbVm): Record<string, number> =>
  Object.fromEntries(l.sim.balancers.nodes[lb].table.services[0]?.dests.map((d) => [d.address, d.weight]) ?? []);

/** what the console sends to change a real server's weight: a new file next to the old one, then a rename */
async function setWeight(l: TestLab, lb: LbVm, web1Weight: number): Promise<{ stdout: string; stderr: string; code: number }> {
  const cat = await l.sh(lb, "cat /etc/ha.d/ldirectord.cf");
  const text = cat.stdout.replace(/^(\s*real=192\.168\.10\.11:80 gate) \d+$/m, `$1 ${web1Weight}`);
  return l.sh(lb, `sudo -n tee /etc/ha.d/ldirectord.cf.clusterdeck >/dev/null <<'EOF'\n${text}EOF\nsudo -n mv /etc/ha.d/ldirectord.cf.clusterdeck /etc/ha.d/ldirectord.cf`);
}

describe("ldirectord.cf weight edits (autoreload)", () => {
  it("applies weight 0 from the file at its next check, and restores it when the file says so", async () => {
    const l = start();
    expect(weights(l, "lb1")["192.168.10.11"]).toBe(1);
    const r = await setWeight(l, "lb1", 0);
    expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
    expect((await l.sh("lb1", "ls /etc/ha.d")).stdout).not.toContain("ldirectord.cf.clusterdeck");
    expect((await l.sh("lb1", "grep 'real=192.168.10.11' /etc/ha.d/ldirectord.cf")).stdout).toBe("\treal=192.168.10.11:80 gate 0\n");
    // ldirectord looks at its file once per checkinterval (5 s here), after checking the real servers
    l.advance(5000);
    expect(weights(l, "lb1")).toEqual({ "192.168.10.11": 0, "192.168.10.21": 1 });
    expect((await l.sh("lb1", "ipvsadm -Ln")).stdout).toMatch(/192\.168\.10\.11:80\s+Route\s+0\s/);
    // lb2 has its own file, which still says 1
    expect(weights(l, "lb2")["192.168.10.11"]).toBe(1);
    await setWeight(l, "lb1", 1);
    l.advance(5000);
    expect(weights(l, "lb1")["192.168.10.11"]).toBe(1);
  });

  it("a runtime ipvsadm -e -w 0 stays 0 while the file says 0, also across checks and a reboot", async () => {
    const l = start();
    await setWeight(l, "lb1", 0);
    expect((await l.sh("lb1", "sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0")).code).toBe(0);
    l.advance(30_000);
    expect(weights(l, "lb1")["192.168.10.11"]).toBe(0);
    // a health flap: quiesced while down, back to the file's 0 (not 1) when it passes again
    l.sim.faults.inject("service-stop", "web1:apache2");
    l.advance(10_000);
    l.sim.faults.clearMatching("service-stop", "web1:apache2");
    l.advance(10_000);
    expect(weights(l, "lb1")["192.168.10.11"]).toBe(0);
    // lb1 reboots: ldirectord rebuilds the table from the file
    const off = l.sim.faults.inject("vm-off", "lb1");
    l.advance(2000);
    expect(l.sim.balancers.nodes.lb1.table.services).toEqual([]);
    l.sim.faults.clear(off.id);
    l.advance(6000);
    expect(weights(l, "lb1")).toEqual({ "192.168.10.11": 0, "192.168.10.21": 1 });
  });

  it("after a heartbeat failover the new holder drains by its own file", async () => {
    const l = start();
    await setWeight(l, "lb1", 0);
    await setWeight(l, "lb2", 0);
    l.advance(5000);
    l.sim.faults.inject("vm-off", "lb1");
    l.advance(12_000);
    expect(l.sim.balancers.ha.trafficTarget()).toBe("lb2");
    expect(weights(l, "lb2")).toEqual({ "192.168.10.11": 0, "192.168.10.21": 1 });
  });
});
