import fs from "node:fs";
import path from "node:path";
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
const holders = (l: TestLab): LbVm[] => [...l.sim.balancers.ha.holders()].sort();
const weights = (l: TestLab, lb: LbVm): Record<string, number> =>
  Object.fromEntries(l.sim.balancers.nodes[lb].table.services[0]?.dests.map((d) => [d.address, d.weight]) ?? []);
const fixture = (name: string): string => fs.readFileSync(path.join(import.meta.dirname, "..", "..", "lib", "probes", "__fixtures__", "heartbeat", name), "utf8");
/** step through model time and note when the set of VIP holders changes (ms since the start of the walk) */
function walk(l: TestLab, ms: number, step = 100): { at: number; holders: string }[] {
  const seen: { at: number; holders: string }[] = [{ at: 0, holders: holders(l).join(",") }];
  for (let t = step; t <= ms; t += step) {
    l.advance(step);
    const h = holders(l).join(",");
    if (h !== seen[seen.length - 1]?.holders) seen.push({ at: t, holders: h });
  }
  return seen;
}

describe("heartbeat 3.0.6 failover, in the figures measured on the real one", () => {
  it("lb1 holds the VIP at start; each node holds its own haresources group", async () => {
    const l = start();
    expect(holders(l)).toEqual(["lb1"]);
    expect((await l.sh("lb1", "cl_status rscstatus")).stdout).toBe(fixture("cl_status-rscstatus-3.0.6-CAPTURED-lb1-local.txt"));
    expect((await l.sh("lb2", "cl_status rscstatus")).stdout).toBe(fixture("cl_status-rscstatus-3.0.6-CAPTURED-lb2-local.txt"));
  });

  it("lb1 powered off: lb2 declares it dead after the deadtime and has the VIP 1.5 s later", () => {
    const l = start();
    l.sim.faults.inject("vm-off", "lb1");
    expect(walk(l, 14_000)).toEqual([
      { at: 0, holders: "" },
      { at: 11_500, holders: "lb2" },
    ]);
    expect(l.sim.balancers.ha.trafficTarget()).toBe("lb2");
  });

  it("does not fail back when lb1 returns (auto_failback off): lb1 holds none, lb2 all", async () => {
    const l = start();
    const f = l.sim.faults.inject("vm-off", "lb1");
    l.advance(12_000);
    l.sim.faults.clear(f.id);
    l.advance(30_000);
    expect(holders(l)).toEqual(["lb2"]);
    expect((await l.sh("lb1", "cl_status rscstatus")).stdout).toBe(fixture("cl_status-rscstatus-3.0.6-CAPTURED-none.txt"));
    expect((await l.sh("lb2", "cl_status rscstatus")).stdout).toBe(fixture("cl_status-rscstatus-3.0.6-CAPTURED-all.txt"));
    expect((await l.sh("lb2", "cl_status nodestatus lb1")).stdout).toBe("active\n");
  });

  it("a clean stop takes seconds: the VIP leaves lb1 at 0.8 s, lb2 has it at 2.4 s, heartbeat exits at 5.1 s", async () => {
    const l = start();
    l.sim.world.setService("lb1", "heartbeat", false);
    expect((await l.sh("lb1", "cl_status hbstatus")).stdout).toBe(fixture("cl_status-hbstatus-3.0.6-CAPTURED-stopping.txt"));
    expect(walk(l, 4_000)).toEqual([
      { at: 0, holders: "lb1" },
      { at: 800, holders: "" },
      { at: 2_400, holders: "lb2" },
    ]);
    expect((await l.sh("lb2", "cl_status rscstatus")).stdout).toBe("all\n");
    expect((await l.sh("lb1", "cl_status hbstatus")).code).toBe(0);
    l.advance(1_200);
    expect(await l.sh("lb1", "cl_status hbstatus")).toEqual({ stdout: fixture("cl_status-hbstatus-3.0.6-CAPTURED-stopped-exit1.txt"), stderr: "", code: 1 });
    // the peer still calls it active until a deadtime has passed without a heartbeat from it
    expect((await l.sh("lb2", "cl_status nodestatus lb1")).stdout).toBe("active\n");
    l.advance(10_000);
    expect(await l.sh("lb2", "cl_status nodestatus lb1")).toEqual({ stdout: fixture("cl_status-nodestatus-3.0.6-CAPTURED-dead-exit1.txt"), stderr: "", code: 1 });
    expect((await l.sh("lb2", "cl_status hbstatus -v")).stdout).toBe(`Heartbeat is running on this machine.\n${fixture("cl_status-hbstatus-v-3.0.6-CAPTURED-lb2-peer-stopped.txt")}`);
  });

  it("systemctl stop heartbeat returns when heartbeat has exited, with the VIP already on the peer", async () => {
    const l = start();
    const before = l.sim.world.now();
    expect(await l.sh("lb1", "sudo -n systemctl stop heartbeat")).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(l.sim.world.now() - before).toBe(5_100);
    expect(holders(l)).toEqual(["lb2"]);
    expect((await l.sh("lb1", "systemctl is-active heartbeat")).stdout).toBe("inactive\n");
  });

  it("a killed heartbeat leaves the VIP on lb1 while lb2 takes it after the deadtime: two holders, systemd says failed", async () => {
    const l = start();
    l.sim.faults.inject("service-crash", "lb1:heartbeat");
    expect(await l.sh("lb1", "cl_status hbstatus")).toEqual({ stdout: fixture("cl_status-hbstatus-3.0.6-CAPTURED-killed-exit1.txt"), stderr: "", code: 1 });
    expect(await l.sh("lb1", "systemctl is-active heartbeat")).toEqual({ stdout: "failed\n", stderr: "", code: 3 });
    expect(walk(l, 14_000)).toEqual([
      { at: 0, holders: "lb1" },
      { at: 11_500, holders: "lb1,lb2" },
    ]);
    expect(l.sim.balancers.ha.trafficTarget()).toBe("lb2");
    expect((await l.sh("lb1", "ip -o -4 addr show eth0")).stdout).toContain("203.0.113.10/24");
    // started again, heartbeat joins without taking anything back: the stale address stays on eth0
    await l.sh("lb1", "sudo -n systemctl start heartbeat");
    l.advance(5_000);
    expect(holders(l)).toEqual(["lb1", "lb2"]);
    expect((await l.sh("lb1", "cl_status rscstatus")).stdout).toBe("none\n");
  });

  it("a healed split brain: both restart and give the VIP up, nobody holds it for ~27 s, then lb1 takes it back", async () => {
    const l = start();
    const f = l.sim.faults.inject("link-cut", "");
    expect(walk(l, 12_000)).toEqual([
      { at: 0, holders: "lb1" },
      { at: 11_500, holders: "lb1,lb2" },
    ]);
    expect(l.sim.balancers.ha.trafficTarget()).toBe("lb2");
    // each side can only reach its own web node, so each quiesces the other
    l.advance(10_000);
    expect(weights(l, "lb1")).toEqual({ "192.168.10.11": 1, "192.168.10.21": 0 });
    expect(weights(l, "lb2")).toEqual({ "192.168.10.11": 0, "192.168.10.21": 1 });
    l.sim.faults.clear(f.id);
    const seen = walk(l, 40_000);
    expect(seen).toEqual([
      { at: 0, holders: "lb1,lb2" },
      { at: 4_100, holders: "lb1" },
      { at: 5_600, holders: "" },
      { at: 33_100, holders: "lb1" },
    ]);
    // measured on the real pair with deadtime 10: 27.5 and 28.5 s without a holder, lb1 back 33.1 s after the heal
    l.advance(10_000);
    expect(weights(l, "lb2")).toEqual({ "192.168.10.11": 1, "192.168.10.21": 1 });
  });

  it("while it restarts after the partition heartbeat answers as stopped, though its unit stays active", async () => {
    const l = start();
    const f = l.sim.faults.inject("link-cut", "");
    l.advance(12_000);
    l.sim.faults.clear(f.id);
    l.advance(8_000);
    expect((await l.sh("lb1", "cl_status hbstatus")).code).toBe(1);
    expect((await l.sh("lb1", "systemctl is-active heartbeat")).stdout).toBe("active\n");
    l.advance(13_000);
    expect((await l.sh("lb1", "cl_status hbstatus")).code).toBe(0);
    expect((await l.sh("lb1", "cl_status rscstatus")).stdout).toBe("transition\n");
  });

  it("hb_standby hands the VIP to a live peer, hb_takeover takes it back", async () => {
    const l = start();
    expect((await l.sh("lb1", "/usr/share/heartbeat/hb_standby")).stdout).toBe("Going standby [all].\n");
    l.advance(2_500);
    expect(holders(l)).toEqual(["lb2"]);
    await l.sh("lb1", "/usr/share/heartbeat/hb_takeover");
    l.advance(2_500);
    expect(holders(l)).toEqual(["lb1"]);
  });
});

describe("cl_status prints what heartbeat 3.0.6's prints", () => {
  const shapeStderr = (s: string): string => s.replace(/^\w{3} \d{2} \d{2}:\d{2}:\d{2} (lb\d) cl_status: \[\d+\]:/gm, "STAMP $1 cl_status: [PID]:");
  it.each([
    ["lb1", "cl_status hbstatus", "cl_status-hbstatus-3.0.6-CAPTURED-running", 0],
    ["lb1", "cl_status listnodes", "cl_status-listnodes-3.0.6-CAPTURED", 0],
    ["lb1", "cl_status listnodes -m", "cl_status-listnodes-m-3.0.6-CAPTURED", 0],
    ["lb1", "cl_status nodestatus lb2", "cl_status-nodestatus-3.0.6-CAPTURED-active", 0],
    ["lb1", "cl_status nodestatus -m lb2", "cl_status-nodestatus-m-3.0.6-CAPTURED-active", 0],
    ["lb1", "cl_status nodestatus lb9", "cl_status-nodestatus-3.0.6-CAPTURED-unknown-node-exit11", 11],
    ["lb1", "cl_status rscstatus -m", "cl_status-rscstatus-m-3.0.6-CAPTURED-local", 0],
    ["lb1", "cl_status hblinkstatus lb2 eth1", "cl_status-hblinkstatus-3.0.6-CAPTURED-up", 0],
    ["lb1", "cl_status hblinkstatus lb1 eth1", "cl_status-hblinkstatus-3.0.6-CAPTURED-self-dead-exit1", 1],
    ["lb1", "cl_status listhblinks lb2", "cl_status-listhblinks-3.0.6-CAPTURED", 0],
    ["lb1", "cl_status hbparameter -p deadtime", "cl_status-hbparameter-p-deadtime-3.0.6-CAPTURED", 0],
    ["lb1", "cl_status nodetype lb2", "cl_status-nodetype-3.0.6-CAPTURED", 0],
    ["lb1", "cl_status foo", "cl_status-3.0.6-CAPTURED-invalid-sub-command-exit11", 11],
    ["lb1", "cl_status", "cl_status-3.0.6-CAPTURED-usage", 0],
  ] as const)("%s: %s", async (vm, command, base, code) => {
    const l = start();
    const r = await l.sh(vm, command);
    const read = (suffix: string): string => {
      const file = path.join(import.meta.dirname, "..", "..", "lib", "probes", "__fixtures__", "heartbeat", `${base}${suffix}.txt`);
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    };
    expect({ stdout: r.stdout, stderr: shapeStderr(r.stderr), code: r.code }).toEqual({ stdout: read(""), stderr: shapeStderr(read("-stderr")), code });
  });

  it("hbstatus -v on either node, and every other sub-command on a stopped one", async () => {
    const l = start();
    expect((await l.sh("lb1", "cl_status hbstatus -v")).stdout).toBe(`Heartbeat is running on this machine.\n${fixture("cl_status-hbstatus-v-3.0.6-CAPTURED-lb1-both-active.txt")}`);
    expect((await l.sh("lb2", "cl_status hbstatus -v")).stdout).toBe(`Heartbeat is running on this machine.\n${fixture("cl_status-hbstatus-v-3.0.6-CAPTURED-lb2-both-active.txt")}`);
    await l.sh("lb1", "sudo -n systemctl stop heartbeat");
    expect(await l.sh("lb1", "cl_status hbstatus -v")).toEqual({ stdout: fixture("cl_status-hbstatus-v-3.0.6-CAPTURED-stopped-exit1.txt"), stderr: "", code: 1 });
    const r = await l.sh("lb1", "cl_status listnodes");
    expect({ ...r, stderr: shapeStderr(r.stderr) }).toEqual({ stdout: "", stderr: shapeStderr(fixture("cl_status-listnodes-3.0.6-CAPTURED-stopped-exit1-stderr.txt")), code: 1 });
  });
});

describe("fault propagation", () => {
  it("server A off: lb2 takes the VIP after the deadtime and its ldirectord quiesces web1", async () => {
    const l = start();
    l.sim.faults.inject("server-off", "A");
    for (const vm of ["lb1", "web1", "fs1", "db1"] as const) expect(l.sim.world.isUp(vm)).toBe(false);
    l.advance(12_000);
    expect(holders(l)).toEqual(["lb2"]);
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
    expect((await l.sh("lb1", "sudo -n cat /var/log/ldirectord.log")).stdout).toMatch(/^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\|ldirectord\|\d+\] Quiescent real server: 192\.168\.10\.21:80 \(203\.0\.113\.10:80\) \(Weight set to 0\)$/m);
    l.sim.faults.clear(f.id);
    l.advance(6_000);
    expect(weights(l, "lb1")["192.168.10.21"]).toBe(1);
  });

  it("an operator's ipvsadm -e weight stays until ldirectord changes that server", async () => {
    const l = start();
    expect((await l.sh("lb1", "sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0")).code).toBe(0);
    l.advance(30_000);
    expect(weights(l, "lb1")["192.168.10.11"]).toBe(0);
    await l.sh("web1", "sudo -n systemctl stop apache2");
    l.advance(6_000);
    await l.sh("web1", "sudo -n systemctl start apache2");
    l.advance(6_000);
    expect(weights(l, "lb1")["192.168.10.11"]).toBe(1);
  });

  it("ldirectord re-reads an edited ldirectord.cf at its next check", async () => {
    const l = start();
    const cf = (await l.sh("lb2", "cat /etc/ha.d/ldirectord.cf")).stdout.replace("real=192.168.10.21:80 gate 1", "real=192.168.10.21:80 gate 0");
    await l.sh("lb2", `sudo -n tee /etc/ha.d/ldirectord.cf >/dev/null <<'EOF'\n${cf}EOF`);
    l.advance(5_000);
    expect(weights(l, "lb2")["192.168.10.21"]).toBe(0);
    expect(weights(l, "lb1")["192.168.10.21"]).toBe(1);
  });

  it("ipvsadm errors: a missing service and a bad option", async () => {
    const l = start();
    expect(await l.sh("lb1", "sudo -n ipvsadm -e -t 203.0.113.99:80 -r 192.168.10.11:80 -w 0")).toEqual({ stdout: "", stderr: "Memory allocation problem\n", code: 255 });
    expect((await l.sh("lb1", "sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.99:80 -w 0")).stderr).toBe("No such destination\n");
    expect((await l.sh("lb1", "sudo -n ipvsadm -Q")).code).toBe(2);
  });

  it("rejects bad fault targets", () => {
    const l = start();
    expect(() => l.sim.faults.inject("vm-off", "web9")).toThrow(/needs a VM name/);
    expect(() => l.sim.faults.inject("server-off", "C")).toThrow(/A or B/);
    expect(() => l.sim.faults.inject("service-stop", "web1")).toThrow(/<vm>:<service>/);
    expect(() => l.sim.faults.inject("service-crash", "lb1")).toThrow(/service-crash needs <vm>:<service>/);
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
