import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import type { TestLab } from "../__tests__/test-lab";
import { parseLdirectordConfig } from "./ldirectord-config";

const DIR = path.join(import.meta.dirname, "..", "..", "lib", "probes", "__fixtures__", "ldirectord");
const read = (name: string): string => fs.readFileSync(path.join(DIR, name), "utf8");
const captured = (c: string): string | null => {
  const f = path.join(DIR, `ldirectord-4.12-status-CAPTURED-case-${c}-stderr.txt`);
  return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : null;
};

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());
const start = (settings: Parameters<typeof testLab>[0] = {}): TestLab => {
  lab = testLab(settings);
  lab.advance(1000);
  return lab;
};
const weights = (l: TestLab, lb: "lb1" | "lb2", port = 80): Record<string, number> =>
  Object.fromEntries(l.sim.balancers.nodes[lb].table.services.find((s) => s.port === port)?.dests.map((d) => [d.address, d.weight]) ?? []);

describe("ldirectord.cf read as ldirectord 4.12 reads it", () => {
  // every case was run through Debian 12's /usr/sbin/ldirectord (`ldirectord <file> status`): accepted (exit 3) or refused (exit 2, stderr captured)
  it.each([
    ["A-baseline"],
    ["B-inline-comment-real"],
    ["C-service-name"],
    ["D-blank-line-in-block"],
    ["E-two-space-indent"],
    ["F-comment-line-in-block"],
    ["H-global-inline-comment"],
    ["I-global-trailing-space"],
    ["J-three-space-indent"],
    ["L-real-service-name"],
    ["N-crlf"],
    ["O-spaces-around-equals"],
    ["Q-real-no-method"],
    ["Q2-real-no-weight"],
    ["R-real-spaces-equals"],
    ["S-eight-spaces"],
    ["T-trailing-tab"],
    ["U-weight-0"],
    ["V-two-ports"],
    ["W-inline-comment-persistent"],
    ["X-inline-comment-quoted"],
    ["Y-inline-comment-virtual"],
    ["Z-hash-in-quoted"],
  ])("case %s", (c) => {
    const r = parseLdirectordConfig(read(`ldirectord.cf-4.12-case-${c}.txt`));
    const real = captured(c);
    if (real === null) {
      expect(r.error).toBeNull();
      expect(r.virtuals.length).toBeGreaterThan(0);
      return;
    }
    expect(`Error [PID] reading file /etc/ha.d/ldirectord.cf at line ${r.error?.line}: ${r.error?.message}\n`).toBe(real.replace(/^Error \[\d+\]/, "Error [PID]"));
  });

  it("takes what the accepted cases mean: ports by service name, inline comments dropped, weight 1 by default", () => {
    const virtuals = (c: string): { port: number; reals: { address: string; port: number; weight: number }[] }[] =>
      parseLdirectordConfig(read(`ldirectord.cf-4.12-case-${c}.txt`)).virtuals.map((v) => ({ port: v.port, reals: v.reals.map((r) => ({ address: r.address, port: r.port, weight: r.weight })) }));
    const both = [
      { address: "192.168.10.11", port: 80, weight: 1 },
      { address: "192.168.10.21", port: 80, weight: 1 },
    ];
    expect(virtuals("C-service-name")).toEqual([{ port: 80, reals: both }]);
    expect(virtuals("B-inline-comment-real")).toEqual([{ port: 80, reals: both }]);
    expect(virtuals("L-real-service-name")).toEqual([{ port: 80, reals: both }]);
    expect(virtuals("Q2-real-no-weight")).toEqual([{ port: 80, reals: both }]);
    expect(virtuals("U-weight-0")[0]?.reals[0]).toEqual({ address: "192.168.10.11", port: 80, weight: 0 });
    expect(virtuals("V-two-ports").map((v) => v.port)).toEqual([80, 443]);
    expect(parseLdirectordConfig(read("ldirectord.cf-4.12-case-W-inline-comment-persistent.txt")).virtuals[0]?.persistent).toBe(300);
  });

  it("keeps the globals read before an error (a failed reload resets the rest to ldirectord's defaults)", () => {
    const crlf = parseLdirectordConfig(read("ldirectord.cf-4.12-case-N-crlf.txt"));
    expect(crlf.error?.line).toBe(4);
    expect(crlf.globals).toMatchObject({ checktimeout: 3, checkinterval: 5, autoreload: false, logfile: "/var/log/ldirectord.log", quiescent: false });
    const blank = parseLdirectordConfig(read("ldirectord.cf-4.12-case-D-blank-line-in-block.txt"));
    expect(blank.globals).toMatchObject({ autoreload: true, quiescent: true });
  });

  it.each([
    ["", 0],
    ["virtual=1\n\treal=192.168.10.11 gate 3\n\tprotocol=fwm\n", 0],
    ["virtual6=[2001:db8::5]:80\n\treal6=[2001:db8::11]:80 ipip 2\n", 0],
    ["virtual=203.0.113.10:80\n\treal=192.168.10.11:80 gate\nvirtual=203.0.113.10:80\n\treal=192.168.10.21:80 gate\n", 4],
    ["virtual=203.0.113.10:nosuchservice\n\treal=192.168.10.11:80 gate\n", 1],
    ["\u0000\u0001garbage\n", 1],
    [`${"x".repeat(100_000)}\n`, 1],
    ["virtual=203.0.113.10:80\n\t\t\n\treal=192.168.10.11:80 gate\n", 2],
  ])("garbage and edge input %#", (text, errorLine) => {
    const r = parseLdirectordConfig(text);
    expect(r.error?.line ?? 0).toBe(errorLine);
  });
});

describe("the lab's ldirectord behaves as 4.12 does with its file", () => {
  it("refuses a bad file on reload: logs the error, keeps its table, and resets the globals read before it", async () => {
    const l = start();
    const good = (await l.sh("lb1", "cat /etc/ha.d/ldirectord.cf")).stdout;
    await l.sh("lb1", `sudo -n tee /etc/ha.d/ldirectord.cf >/dev/null <<'EOF'\n${good.replace("\treal=192.168.10.21:80 gate 1\n", "\n\treal=192.168.10.21:80 gate 0\n")}EOF`);
    l.advance(5_000);
    expect(weights(l, "lb1")).toEqual({ "192.168.10.11": 1, "192.168.10.21": 1 });
    const log = (await l.sh("lb1", "sudo -n tail -n 4 /var/log/ldirectord.log")).stdout;
    expect(log).toMatch(/\|ldirectord\|\d+\] Configuration file '\/etc\/ha\.d\/ldirectord\.cf' has changed on disk\n/);
    expect(log).toMatch(/\|ldirectord\|\d+\] {2}- reread new configuration\n/);
    expect(log).toMatch(/\|ldirectord\|(\d+)\] Error \[\1\] reading file \/etc\/ha\.d\/ldirectord\.cf at line 12: Unknown command \treal=192\.168\.10\.21:80 gate 0\n \n$/);
    // fixed again: the next check applies it
    await l.sh("lb1", `sudo -n tee /etc/ha.d/ldirectord.cf >/dev/null <<'EOF'\n${good.replace("real=192.168.10.21:80 gate 1", "real=192.168.10.21:80 gate 0")}EOF`);
    l.advance(5_000);
    expect(weights(l, "lb1")).toEqual({ "192.168.10.11": 1, "192.168.10.21": 0 });
    expect((await l.sh("lb1", "sudo -n tail -n 1 /var/log/ldirectord.log")).stdout).toMatch(/Restored real server: 192\.168\.10\.21:80 \(203\.0\.113\.10:80\) \(Weight set to 0\)\n$/);
  });

  it("an error before autoreload= turns autoreload off: later edits are ignored until a reload", async () => {
    const l = start();
    const good = (await l.sh("lb1", "cat /etc/ha.d/ldirectord.cf")).stdout;
    // saved with Windows line ends, as an editor on a workstation might
    fs.writeFileSync(l.sim.world.resolvePath("lb1", "/etc/ha.d/ldirectord.cf"), good.replace(/\n/g, "\r\n"));
    l.advance(5_000);
    await l.sh("lb1", `sudo -n tee /etc/ha.d/ldirectord.cf >/dev/null <<'EOF'\n${good.replace("real=192.168.10.21:80 gate 1", "real=192.168.10.21:80 gate 0")}EOF`);
    l.advance(15_000);
    expect(weights(l, "lb1")["192.168.10.21"]).toBe(1);
    expect((await l.sh("lb1", "sudo -n tail -n 2 /var/log/ldirectord.log")).stdout).toMatch(/has changed on disk\n.* - ignore new configuration\n$/);
    expect((await l.sh("lb1", "sudo -n systemctl reload ldirectord")).code).toBe(0);
    expect(weights(l, "lb1")["192.168.10.21"]).toBe(0);
  });

  it("`ldirectord reload` reads the file first: a bad one answers its error, exit 2, and takes the daemon's pid file with it", async () => {
    const l = start();
    expect(await l.sh("lb1", "sudo -n ldirectord status")).toEqual({ stdout: "", stderr: expect.stringMatching(/^ldirectord for \/etc\/ha\.d\/ldirectord\.cf is running with pid: \d+\n$/), code: 0 });
    // with a config argument ldirectord looks for /var/run/ldirectord.ldirectord.cf.pid, not the daemon's
    expect(await l.sh("lb1", "sudo -n ldirectord /etc/ha.d/ldirectord.cf status")).toEqual({ stdout: "ldirectord is stopped for /etc/ha.d/ldirectord.cf\n", stderr: "", code: 3 });
    await l.sh("lb1", `sudo -n tee /etc/ha.d/ldirectord.cf >/dev/null <<'EOF'\n${read("ldirectord.cf-4.12-case-E-two-space-indent.txt")}EOF`);
    const r = await l.sh("lb1", "sudo -n ldirectord reload");
    expect({ ...r, stderr: r.stderr.replace(/\[\d+\]/, "[PID]") }).toEqual({ stdout: "", stderr: (captured("E-two-space-indent") ?? "").replace(/\[\d+\]/, "[PID]"), code: 2 });
    expect((await l.sh("lb1", "ls /run")).stdout).not.toContain("ldirectord.ldirectord.pid");
    await l.sh("lb1", `sudo -n tee /etc/ha.d/ldirectord.cf >/dev/null <<'EOF'\n${read("ldirectord.cf-4.12-case-A-baseline.txt")}EOF`);
    expect(await l.sh("lb1", "sudo -n ldirectord status")).toEqual({ stdout: "ldirectord is stopped for /etc/ha.d/ldirectord.cf\n", stderr: "", code: 3 });
    expect((await l.sh("lb1", "systemctl is-active ldirectord")).stdout).toBe("active\n");
  });

  it("will not start with a bad file: systemd reports the unit failed", async () => {
    const l = start();
    await l.sh("lb2", `sudo -n tee /etc/ha.d/ldirectord.cf >/dev/null <<'EOF'\n${read("ldirectord.cf-4.12-case-H-global-inline-comment.txt")}EOF`);
    await l.sh("lb2", "sudo -n systemctl stop ldirectord");
    expect(l.sim.balancers.nodes.lb2.table.services).toEqual([]);
    const r = await l.sh("lb2", "sudo -n systemctl start ldirectord");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Job for ldirectord.service failed");
    expect((await l.sh("lb2", "systemctl is-active ldirectord")).stdout).toBe("failed\n");
  });

  it("logs its start as 4.12 does: real servers added, quiesced until their first check, then restored", async () => {
    const l = start();
    await l.sh("lb1", "sudo -n systemctl restart ldirectord");
    const log = (await l.sh("lb1", "sudo -n cat /var/log/ldirectord.log")).stdout.replace(/^\[[^\]]+\] /gm, "");
    expect(log).toContain(
      [
        "Invoking ldirectord invoked as: /usr/sbin/ldirectord start ",
        "Starting Linux Director v1.186-ha as daemon",
        "Added virtual server: 203.0.113.10:80",
        "Added real server: 192.168.10.11:80 (203.0.113.10:80) (Weight set to 1)",
        "Quiescent real server: 192.168.10.11:80 (203.0.113.10:80) (Weight set to 0)",
        "Added real server: 192.168.10.21:80 (203.0.113.10:80) (Weight set to 1)",
        "Quiescent real server: 192.168.10.21:80 (203.0.113.10:80) (Weight set to 0)",
        "Resetting soft failure count: 192.168.10.11:80 (tcp:203.0.113.10:80)",
        "Restored real server: 192.168.10.11:80 (203.0.113.10:80) (Weight set to 1)",
      ].join("\n"),
    );
    expect(log).toContain("Purged real server (stop): 192.168.10.21:80 (203.0.113.10:80)\nPurged virtual server (stop): 203.0.113.10:80\nLinux Director Daemon terminated on signal: TERM\n");
  });
});

describe("a VIP with several ports", () => {
  it("has one virtual service and one ldirectord.cf block per port, so a drain of :80 alone shows in the truth", async () => {
    const l = start({ settings: { ports: [80, 443] } });
    expect((await l.sh("lb1", "grep ^virtual= /etc/ha.d/ldirectord.cf")).stdout).toBe("virtual=203.0.113.10:80\nvirtual=203.0.113.10:443\n");
    expect((await l.sh("lb1", "sudo -n ipvsadm -Ln")).stdout).toMatch(/TCP {2}203\.0\.113\.10:80 wlc persistent 300\n(.*\n){2}TCP {2}203\.0\.113\.10:443 wlc persistent 300\n/);
    await l.sh("lb1", "sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0");
    expect(weights(l, "lb1", 80)["192.168.10.11"]).toBe(0);
    expect(weights(l, "lb1", 443)["192.168.10.11"]).toBe(1);
    const truth = l.sim.balancers.truth() as { nodes: { vm: string; services: { address: string; reals: { address: string; weight: number }[] }[] }[] };
    const lb1 = truth.nodes.find((n) => n.vm === "lb1");
    expect(lb1?.services.map((s) => [s.address, s.reals.find((r) => r.address.startsWith("192.168.10.11"))?.weight])).toEqual([
      ["203.0.113.10:80", 0],
      ["203.0.113.10:443", 1],
    ]);
  });
});

// Issue 10, hole 2: the lab's ldirectord rereads its file every check interval on the lab's event loop; its
// reading of real= lines backtracked (\s+(\d+) over a run of tabs): a megabyte of such lines took minutes.
describe("the lab's ldirectord.cf reader on hostile lines", () => {
  const MB = 1 << 20;
  const timed = <T>(f: () => T): { value: T; ms: number } => {
    const started = performance.now();
    const value = f();
    return { value, ms: performance.now() - started };
  };
  const megabyteOf = (line: string): string => `virtual=192.168.10.100:80\n${`${line}\n`.repeat(Math.ceil(MB / (line.length + 1)))}`;

  it.each([
    ["tabs after the method", `    real=192.168.10.11:80 gate${"\t".repeat(4000)}`],
    ["digits for an address", `    real=${"0".repeat(4000)}`],
    ["spaces and a quote", `    real=192.168.10.11:80 gate 1${' "'.repeat(2000)}`],
    ["a directive's spaces", `    checkcount${" ".repeat(4000)}= x`],
  ])("reads a megabyte of real= lines of %s within a budget", (_name, line) => {
    const { value, ms } = timed(() => parseLdirectordConfig(megabyteOf(line)));
    expect(ms).toBeLessThan(2_000);
    expect(value.virtuals.length + (value.error === null ? 0 : 1)).toBeGreaterThan(0);
  });

  it("reads a 256 KiB line within a budget, and refuses it as ldirectord would a line it cannot read", () => {
    const { value, ms } = timed(() => parseLdirectordConfig(`virtual=192.168.10.100:80\n    real=192.168.10.11:80 gate${"\t".repeat(256 * 1024)}x\n`));
    expect(ms).toBeLessThan(2_000);
    expect(value.error).toMatchObject({ line: 2 });
  });
});
