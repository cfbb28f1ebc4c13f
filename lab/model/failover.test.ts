import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import type { TestLab } from "../__tests__/test-lab";

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());
const start = (): TestLab => {
  lab = testLab({ settings: { heartbeatDeadtimeMs: 10_000 } });
  lab.advance(1000);
  return lab;
};
const weights = (l: TestLab, lb: "lb1" | "lb2"): Record<string, number> =>
  Object.fromEntries(l.sim.balancers.nodes[lb].table.services[0]?.dests.map((d) => [d.address, d.weight]) ?? []);

describe("heartbeat failover", () => {
  it("lb1 holds the VIP at start, lb2 stands by", () => {
    const l = start();
    expect(l.sim.balancers.heartbeat.holders()).toEqual(["lb1"]);
  });

  it("lb2 takes the VIP only once the deadtime has passed after lb1 dies", () => {
    const l = start();
    l.sim.faults.inject("vm-off", "lb1");
    l.advance(9_000);
    expect(l.sim.balancers.heartbeat.holders()).toEqual([]);
    l.advance(1_500);
    expect(l.sim.balancers.heartbeat.holders()).toEqual(["lb2"]);
    expect(l.sim.balancers.heartbeat.trafficTarget()).toBe("lb2");
  });

  it("does not fail back when lb1 returns (auto_failback off)", () => {
    const l = start();
    const f = l.sim.faults.inject("vm-off", "lb1");
    l.advance(11_000);
    l.sim.faults.clear(f.id);
    l.advance(30_000);
    expect(l.sim.balancers.heartbeat.holders()).toEqual(["lb2"]);
  });

  it("a clean heartbeat stop hands the VIP over at once", async () => {
    const l = start();
    await l.sh("lb1", "systemctl stop heartbeat");
    expect(l.sim.balancers.heartbeat.holders()).toEqual(["lb2"]);
  });

  it("hb_standby moves the VIP to a live peer", async () => {
    const l = start();
    expect((await l.sh("lb1", "/usr/share/heartbeat/hb_standby")).stdout).toBe("Going standby [all].\n");
    expect(l.sim.balancers.heartbeat.holders()).toEqual(["lb2"]);
    await l.sh("lb1", "/usr/share/heartbeat/hb_takeover");
    expect(l.sim.balancers.heartbeat.holders()).toEqual(["lb1"]);
  });

  it("a cut link gives split brain, and the later taker gives up when it heals", () => {
    const l = start();
    const f = l.sim.faults.inject("link-cut", "");
    l.advance(11_000);
    expect(l.sim.balancers.heartbeat.holders().sort()).toEqual(["lb1", "lb2"]);
    expect(l.sim.balancers.heartbeat.trafficTarget()).toBe("lb2");
    // each side can only reach its own web node, so each quiesces the other
    l.advance(10_000);
    expect(weights(l, "lb1")).toEqual({ "192.168.10.11": 1, "192.168.10.21": 0 });
    expect(weights(l, "lb2")).toEqual({ "192.168.10.11": 0, "192.168.10.21": 1 });
    l.sim.faults.clear(f.id);
    l.advance(2_000);
    expect(l.sim.balancers.heartbeat.holders()).toEqual(["lb1"]);
    l.advance(10_000);
    expect(weights(l, "lb2")).toEqual({ "192.168.10.11": 1, "192.168.10.21": 1 });
  });
});

describe("fault propagation", () => {
  it("server A off: lb2 takes the VIP after the deadtime and its ldirectord quiesces web1", async () => {
    const l = start();
    l.sim.faults.inject("server-off", "A");
    for (const vm of ["lb1", "web1", "fs1", "db1"] as const) expect(l.sim.world.isUp(vm)).toBe(false);
    l.advance(11_000);
    expect(l.sim.balancers.heartbeat.holders()).toEqual(["lb2"]);
    l.advance(10_000);
    expect(weights(l, "lb2")).toEqual({ "192.168.10.11": 0, "192.168.10.21": 1 });
    expect((await l.sh("lb2", "ipvsadm -Ln")).stdout).toMatch(/192\.168\.10\.11:80 +Route +0 /);
    expect((await l.sh("lb2", "cl_status nodestatus lb1")).stdout).toBe("dead\n");
    expect((await l.sh("lb2", "ip -o -4 addr show eth0")).stdout).toContain("203.0.113.10/24");
  });

  it("apache stopped on web2: both balancers quiesce it at the next check, and restore it after", async () => {
    const l = start();
    const f = l.sim.faults.inject("service-stop", "web2:apache2");
    l.advance(6_000);
    expect(weights(l, "lb1")["192.168.10.21"]).toBe(0);
    expect(weights(l, "lb2")["192.168.10.21"]).toBe(0);
    expect((await l.sh("lb1", "cat /var/log/ldirectord.log")).stdout).toContain("Quiescent real server: 192.168.10.21:80");
    l.sim.faults.clear(f.id);
    l.advance(6_000);
    expect(weights(l, "lb1")["192.168.10.21"]).toBe(1);
  });

  it("an operator's ipvsadm -e weight stays until ldirectord changes that server", async () => {
    const l = start();
    expect((await l.sh("lb1", "ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0")).code).toBe(0);
    l.advance(30_000);
    expect(weights(l, "lb1")["192.168.10.11"]).toBe(0);
    await l.sh("web1", "systemctl stop apache2");
    l.advance(6_000);
    await l.sh("web1", "systemctl start apache2");
    l.advance(6_000);
    expect(weights(l, "lb1")["192.168.10.11"]).toBe(1);
  });

  it("ldirectord re-reads an edited ldirectord.cf", async () => {
    const l = start();
    const cf = (await l.sh("lb2", "cat /etc/ha.d/ldirectord.cf")).stdout.replace("real=192.168.10.21:80 gate 1", "real=192.168.10.21:80 gate 0");
    await l.sh("lb2", `sudo -n tee /etc/ha.d/ldirectord.cf >/dev/null <<'EOF'\n${cf}EOF`);
    l.advance(2_000);
    expect(weights(l, "lb2")["192.168.10.21"]).toBe(0);
    expect(weights(l, "lb1")["192.168.10.21"]).toBe(1);
  });

  it("ipvsadm errors: a missing service and a bad option", async () => {
    const l = start();
    expect(await l.sh("lb1", "ipvsadm -e -t 203.0.113.99:80 -r 192.168.10.11:80 -w 0")).toEqual({ stdout: "", stderr: "Memory allocation problem\n", code: 255 });
    expect((await l.sh("lb1", "ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.99:80 -w 0")).stderr).toBe("No such destination\n");
    expect((await l.sh("lb1", "ipvsadm -Q")).code).toBe(2);
  });

  it("rejects bad fault targets", () => {
    const l = start();
    expect(() => l.sim.faults.inject("vm-off", "web9")).toThrow(/needs a VM name/);
    expect(() => l.sim.faults.inject("server-off", "C")).toThrow(/A or B/);
    expect(() => l.sim.faults.inject("service-stop", "web1")).toThrow(/<vm>:<service>/);
    expect(() => l.sim.faults.inject("service-stop", "web1:nosuch")).toThrow(/no service/);
    expect(() => l.sim.faults.inject("replica-slow", "web1")).toThrow(/db1 or db2/);
  });

  it("a VM comes back with its services and a fresh uptime", async () => {
    const l = start();
    const f = l.sim.faults.inject("vm-off", "web1");
    l.advance(120_000);
    l.sim.faults.clear(f.id);
    l.advance(60_000);
    expect((await l.sh("web1", "uptime")).stdout).toMatch(/ up 1 min, /);
    expect((await l.sh("web1", "systemctl is-active apache2")).stdout).toBe("active\n");
  });
});
