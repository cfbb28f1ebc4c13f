import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import type { TestLab } from "../__tests__/test-lab";
import type { LbVm } from "./types";

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());

const fixture = (name: string): string => fs.readFileSync(path.join(import.meta.dirname, "..", "..", "lib", "probes", "__fixtures__", "keepalived", name), "utf8");
const holders = (l: TestLab): string => [...l.sim.balancers.ha.holders()].sort().join(",");
/** let the lab's shell finish the track and notify scripts the model started */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
async function start(edit?: (vm: LbVm, conf: string) => string): Promise<TestLab> {
  lab = testLab({ settings: { haStack: "keepalived" } });
  if (edit) {
    for (const vm of ["lb1", "lb2"] as const) {
      const file = lab.sim.world.resolvePath(vm, "/etc/keepalived/keepalived.conf");
      fs.writeFileSync(file, edit(vm, fs.readFileSync(file, "utf8")));
      await lab.sh(vm, "sudo -n systemctl restart keepalived");
    }
  }
  await walk(lab, 6_000);
  return lab;
}
/** step through model time, letting scripts run, and note when the VIP holders change (ms since the start of the walk) */
async function walk(l: TestLab, ms: number, step = 100): Promise<{ at: number; holders: string }[]> {
  const seen = [{ at: 0, holders: holders(l) }];
  for (let t = step; t <= ms; t += step) {
    l.advance(step);
    await settle();
    const h = holders(l);
    if (h !== seen[seen.length - 1]?.holders) seen.push({ at: t, holders: h });
  }
  return seen;
}
/** what the notify script docs/keepalived.md installs recorded last for VI_1, without its epoch */
const state = async (l: TestLab, vm: LbVm): Promise<string> => {
  await l.sim.balancers.keepalived?.notified(vm);
  return (await l.sh(vm, "cat /run/keepalived-state/INSTANCE-VI_1")).stdout.replace(/^\d+ /, "");
};
/** the lines of keepalived's data dump with their values blanked: the layout the console reads */
const layout = (text: string): string[] => text.split("\n").map((line) => line.replace(/ = .*$/, " =").replace(/\d+/g, "N"));

describe("keepalived 2.2.7 VRRP on lb1/lb2", () => {
  it("lb1 (priority 150) is MASTER, lb2 BACKUP; systemd says active on both; the notify script recorded both", async () => {
    const l = await start();
    expect(holders(l)).toBe("lb1");
    for (const vm of ["lb1", "lb2"] as const) expect(await l.sh(vm, "systemctl is-active keepalived")).toEqual({ stdout: "active\n", stderr: "", code: 0 });
    expect(await state(l, "lb1")).toBe("INSTANCE VI_1 MASTER 150\n");
    expect(await state(l, "lb2")).toBe("INSTANCE VI_1 BACKUP 100\n");
    expect((await l.sh("lb1", "ip -o -4 addr show eth0")).stdout).toContain("inet 203.0.113.10/24");
  });

  it("answers the console's keepalived-state probe as the captured pair did (pid file, /proc comm, the notify records)", async () => {
    const l = await start();
    const probe = `p=$(cat /run/keepalived.pid 2>/dev/null); if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = keepalived ]; then echo "keepalived running $p"; else echo "keepalived not running"; fi; cat /run/keepalived-state/* 2>/dev/null; true`;
    await l.sim.balancers.keepalived?.notified("lb1");
    const shape = (s: string): string => s.replace(/\d{4,}/g, "N");
    expect(shape((await l.sh("lb1", probe)).stdout)).toBe(shape(fixture("keepalived-state-probe-2.2.7-CAPTURED-master.txt")));
    expect(shape((await l.sh("lb2", probe)).stdout)).toBe(shape(fixture("keepalived-state-probe-2.2.7-CAPTURED-backup.txt")).replace("150", "100"));
    expect((await l.sh("lb1", "stat -c '%a %U' /run/keepalived-state /run/keepalived-state/INSTANCE-VI_1")).stdout).toBe("755 root\n644 root\n");
    l.sim.faults.inject("service-crash", "lb1:keepalived");
    expect(shape((await l.sh("lb1", probe)).stdout)).toBe(shape(fixture("keepalived-state-probe-2.2.7-CAPTURED-killed-9.txt")));
  });

  it("writes its data, JSON and stats dumps on its signals, root's alone, laid out as the real ones", async () => {
    const l = await start();
    expect(await l.sh("lb1", "keepalived --signum=DATA; keepalived --signum=JSON; keepalived --signum=STATS")).toEqual({ stdout: "10\n36\n12\n", stderr: "", code: 0 });
    const r = await l.sh("lb1", "sudo -n kill -USR1 $(cat /run/keepalived.pid) && sudo -n kill -s $(keepalived --signum=JSON) $(cat /run/keepalived.pid) && sudo -n kill -USR2 $(cat /run/keepalived.pid)");
    expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
    expect((await l.sh("lb1", "stat -c '%a %U' /tmp/keepalived.data /tmp/keepalived.json /tmp/keepalived.stats /tmp/keepalived_parent.data")).stdout).toBe("600 root\n600 root\n600 root\n600 root\n");
    expect((await l.sh("lb1", "cat /tmp/keepalived.data")).code).toBe(1);
    const data = (await l.sh("lb1", "sudo -n cat /tmp/keepalived.data")).stdout;
    expect(data).toContain("\n   State = MASTER\n");
    expect(layout(data)).toEqual(layout(fixture("keepalived.data-2.2.7-CAPTURED-master.txt")));
    const backup = (await l.sh("lb2", "sudo -n kill -USR1 $(cat /run/keepalived.pid) && sudo -n cat /tmp/keepalived.data")).stdout;
    expect(backup).toContain("\n   State = BACKUP\n   Master router = 192.168.10.10\n   Master priority = 150\n");
    expect(layout(backup)).toEqual(layout(fixture("keepalived.data-2.2.7-CAPTURED-backup.txt")));
    const json = JSON.parse((await l.sh("lb1", "sudo -n cat /tmp/keepalived.json")).stdout) as { data: Record<string, unknown>; stats: Record<string, unknown> }[];
    const real = JSON.parse(fixture("keepalived.json-2.2.7-CAPTURED-master.txt")) as typeof json;
    expect(Object.keys(json[0]?.data ?? {})).toEqual(Object.keys(real[0]?.data ?? {}));
    expect(Object.keys(json[0]?.stats ?? {})).toEqual(Object.keys(real[0]?.stats ?? {}));
    expect(json[0]?.data).toMatchObject({ iname: "VI_1", state: 2, base_priority: 150, nopreempt: false, vipset: true, vips: ["203.0.113.10/24 dev eth0 scope global set"] });
    expect(layout((await l.sh("lb1", "sudo -n cat /tmp/keepalived.stats")).stdout)).toEqual(layout(fixture("keepalived.stats-2.2.7-CAPTURED-master.txt")));
    expect((await l.sh("lb1", "sudo -n kill -USR1 99999")).stderr).toBe("/usr/bin/kill: (99999): No such process\n");
  });

  it("a stopped MASTER sends priority 0: the BACKUP has the VIP 0.9 s later; started again, lb1 preempts 3.6 s later", async () => {
    const l = await start();
    const before = l.sim.world.now();
    await l.sh("lb1", "sudo -n systemctl stop keepalived");
    expect(l.sim.world.now() - before).toBe(600);
    expect(await walk(l, 1_000)).toEqual([
      { at: 0, holders: "" },
      { at: 400, holders: "lb2" },
    ]);
    expect(await state(l, "lb1")).toBe("INSTANCE VI_1 STOP 150\n");
    expect(await state(l, "lb2")).toBe("INSTANCE VI_1 MASTER 100\n");
    await l.sh("lb1", "sudo -n systemctl start keepalived");
    expect(await walk(l, 6_000)).toEqual([
      { at: 0, holders: "lb2" },
      { at: 3_700, holders: "lb1" },
    ]);
    expect(await state(l, "lb1")).toBe("INSTANCE VI_1 MASTER 150\n");
    expect(await state(l, "lb2")).toBe("INSTANCE VI_1 BACKUP 100\n");
  });

  it("nopreempt keeps the VIP where it is when the old MASTER returns", async () => {
    const l = await start((vm, conf) => (vm === "lb1" ? conf.replace("state MASTER", "state BACKUP\n    nopreempt") : conf));
    expect(holders(l)).toBe("lb1");
    await l.sh("lb1", "sudo -n systemctl stop keepalived");
    await walk(l, 2_000);
    await l.sh("lb1", "sudo -n systemctl start keepalived");
    expect(await walk(l, 15_000)).toEqual([{ at: 0, holders: "lb2" }]);
    const data = (await l.sh("lb1", "sudo -n kill -USR1 $(cat /run/keepalived.pid) && sudo -n cat /tmp/keepalived.data")).stdout;
    expect(data).toContain("   Preempt = disabled\n");
  });

  it("preempt_delay 5 holds the preemption back: lb1 takes the VIP 8.6 s after its start", async () => {
    const l = await start((vm, conf) => (vm === "lb1" ? conf.replace("state MASTER", "state BACKUP\n    preempt_delay 5") : conf));
    await l.sh("lb1", "sudo -n systemctl stop keepalived");
    await walk(l, 2_000);
    await l.sh("lb1", "sudo -n systemctl start keepalived");
    expect(await walk(l, 12_000)).toEqual([
      { at: 0, holders: "lb2" },
      { at: 8_700, holders: "lb1" },
    ]);
  });

  it("a failed track script puts lb1 in FAULT: it gives the VIP up, systemd still says active, and it preempts again once healthy", async () => {
    const l = await start();
    await l.sh("lb1", "sudo -n systemctl stop ldirectord");
    const seen = await walk(l, 4_000);
    expect(seen.map((s) => s.holders)).toEqual(["lb1", "", "lb2"]);
    expect((seen[2]?.at ?? 0) - (seen[1]?.at ?? 0)).toBe(700);
    expect(await l.sh("lb1", "systemctl is-active keepalived")).toEqual({ stdout: "active\n", stderr: "", code: 0 });
    expect(await state(l, "lb1")).toBe("INSTANCE VI_1 FAULT 150\n");
    const data = (await l.sh("lb1", "sudo -n kill -USR1 $(cat /run/keepalived.pid) && sudo -n cat /tmp/keepalived.data")).stdout;
    expect(data).toContain("   State = FAULT\n   Flags: none\n   Wantstate = FAULT\n   Number of config faults = 0\n   Number of interface and track script faults = 1\n");
    expect(data).toContain("   Read timeout = DISABLED\n");
    expect(layout(data)).toEqual(layout(fixture("keepalived.data-2.2.7-CAPTURED-fault-track-script.txt")));
    const json = JSON.parse((await l.sh("lb1", "sudo -n kill -s 36 $(cat /run/keepalived.pid) && sudo -n cat /tmp/keepalived.json")).stdout) as { data: { state: number } }[];
    expect(json[0]?.data.state).toBe(3);
    await l.sh("lb1", "sudo -n systemctl start ldirectord");
    const back = await walk(l, 8_000);
    expect(back.map((s) => s.holders)).toEqual(["lb2", "lb1"]);
    expect(await state(l, "lb1")).toBe("INSTANCE VI_1 MASTER 150\n");
  });

  it("every keepalived process killed: the VIP stays on lb1 while lb2 takes it, so both hold it; a restart clears the stale one", async () => {
    const l = await start();
    l.sim.faults.inject("service-crash", "lb1:keepalived");
    expect((await l.sh("lb1", "systemctl is-active keepalived")).stdout).toBe("failed\n");
    const seen = await walk(l, 5_000);
    expect(seen.map((s) => s.holders)).toEqual(["lb1", "lb1,lb2"]);
    expect(seen[1]?.at).toBeGreaterThanOrEqual(2_600);
    expect(seen[1]?.at).toBeLessThanOrEqual(3_700);
    expect(l.sim.balancers.ha.trafficTarget()).toBe("lb2");
    await l.sh("lb1", "sudo -n systemctl start keepalived");
    expect(await walk(l, 5_000)).toEqual([
      { at: 0, holders: "lb1,lb2" },
      { at: 200, holders: "lb2" },
      { at: 3_700, holders: "lb1" },
    ]);
  });

  it("SIGKILL to the parent alone: the VRRP child still shuts down cleanly and hands the VIP over; systemd says failed", async () => {
    const l = await start();
    expect((await l.sh("lb1", "sudo -n kill -9 $(cat /run/keepalived.pid)")).code).toBe(0);
    expect((await l.sh("lb1", "systemctl is-active keepalived")).stdout).toBe("failed\n");
    const seen = await walk(l, 2_000);
    expect(seen.map((s) => s.holders)).toEqual(["", "lb2"]);
  });

  it("a cut link gives two MASTERs; when it heals the lower priority steps down at once, with no gap", async () => {
    const l = await start();
    const f = l.sim.faults.inject("link-cut", "");
    const split = await walk(l, 5_000);
    expect(split.map((s) => s.holders)).toEqual(["lb1", "lb1,lb2"]);
    l.sim.faults.clear(f.id);
    expect(await walk(l, 2_000)).toEqual([
      { at: 0, holders: "lb1,lb2" },
      { at: 100, holders: "lb1" },
    ]);
    expect(await state(l, "lb2")).toBe("INSTANCE VI_1 BACKUP 100\n");
  });

  it("keepalived -t reports what 2.2.7 reports for a bad file", async () => {
    const l = await start();
    await l.sh("lb1", "printf 'vrrp_instance X {\\n  state MASTR\\n  priority 300\\n bogus_kw 1\\n}\\n' | sudo -n tee /tmp/bad.conf >/dev/null");
    expect(await l.sh("lb1", "keepalived -t -f /tmp/bad.conf")).toEqual({
      stdout: "",
      stderr:
        "(/tmp/bad.conf: Line 2) (X) unknown state 'MASTR', defaulting to BACKUP\n(/tmp/bad.conf: Line 3) number '300' outside range [1, 255]\n(/tmp/bad.conf: Line 3) (X) Priority not valid! must be between 1 & 255. Using default 100\n(/tmp/bad.conf: Line 4) Unknown keyword 'bogus_kw'\n(X) the virtual router id must be set\n",
      code: 5,
    });
    expect(await l.sh("lb1", "keepalived --signum=BOGUS")).toEqual({ stdout: "", stderr: "Unknown sigfunc BOGUS\n", code: 1 });
    expect((await l.sh("lb1", "keepalived -t")).code).toBe(0);
  });
});
