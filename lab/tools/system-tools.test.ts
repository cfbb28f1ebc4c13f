import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";

const fixture = (name: string): string => fs.readFileSync(path.join(import.meta.dirname, "..", "__fixtures__", name), "utf8");
const lab = testLab();
afterAll(() => lab.cleanup());

/** replace every number and address so two outputs can be compared by shape */
const shape = (s: string): string =>
  s
    .replace(/fe80::[0-9a-f:]+\/64/g, "LL")
    .replace(/\d+\.\d+\.\d+\.\d+/g, "IP")
    .replace(/\b(enp1s0|eth0)\b/g, "IF")
    .replace(/ noprefixroute/g, "")
    .replace(/\d+/g, "N");

describe("host commands look like the real ones", () => {
  it("ip -o addr show: the VIP is a secondary address on the holder's eth0", async () => {
    const r = await lab.sh("lb1", "ip -o addr show");
    const lines = r.stdout.trimEnd().split("\n");
    const real = fixture("ip-o-addr-show-vip-secondary.txt").trimEnd().split("\n");
    // same line shapes as the capture for lo and the public interface (2 inet + inet6)
    expect(lines.slice(0, 5).map(shape)).toEqual(real.map(shape));
    expect(r.stdout).toContain("inet 203.0.113.10/24 brd 203.0.113.255 scope global secondary eth0\\");
    expect((await lab.sh("lb2", "ip -o -4 addr show")).stdout).not.toContain("203.0.113.10");
    expect((await lab.sh("lb1", "ip -o -4 addr show")).stdout.split("\n").filter(Boolean)).toHaveLength(4);
  });

  it("/proc/meminfo has the kernel's keys, order and columns", async () => {
    const r = await lab.sh("db1", "cat /proc/meminfo");
    const keys = (s: string): string[] => s.trimEnd().split("\n").map((l) => l.split(":")[0] ?? "");
    expect(keys(r.stdout)).toEqual(keys(fixture("proc-meminfo-jc-linux-proc.txt")));
    for (const line of r.stdout.trimEnd().split("\n")) {
      expect(line).toMatch(/^[A-Za-z0-9_()]+:\s+\d+( kB)?$/);
      expect(line.replace(/ kB$/, "").length).toBeGreaterThanOrEqual(24);
    }
    expect(r.stdout).toMatch(/^MemTotal: {7}16393240 kB$/m);
    expect(r.stdout).toMatch(/^HardwareCorrupted: {5}0 kB$/m);
  });

  it("uptime prints procps' line", async () => {
    const r = await lab.sh("web1", "uptime");
    expect(r.stdout).toMatch(/^ \d\d:\d\d:\d\d up (\d+ days?, )?(\d+ min|[ \d]\d:\d\d), {2}1 user, {2}load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\n$/);
    // procps pads hours with %2d, so "up 2 days,  4:50" has two spaces where the capture's 19:32 has one
    const realShape = (s: string): string => s.replace(/\d/g, "N").replace(/N+/g, "N").replace(/ users?/, " U").replace(/days?/, "D").replace(/, +N:N,/, ", N:N,");
    expect(realShape(r.stdout)).toBe(realShape(fixture("uptime-jc-ubuntu1804-days.txt")));
  });

  it("/proc/loadavg and /proc/uptime", async () => {
    expect((await lab.sh("web2", "cat /proc/loadavg")).stdout).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\/\d+ \d+\n$/);
    expect((await lab.sh("web2", "cat /proc/uptime")).stdout).toMatch(/^\d+\.\d\d \d+\.\d\d\n$/);
  });

  it("df -P uses POSIX headers, aligned columns, and shows a full disk", async () => {
    const r = await lab.sh("db1", "df -P");
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^Filesystem +1024-blocks +Used +Available +Capacity +Mounted on$/);
    expect(rows.find((l) => l.endsWith(" /"))).toMatch(/^\/dev\/vda1 +\d+ +\d+ +\d+ +\d+% \/$/);
    const widths = new Set([header, ...rows].map((l) => (l ?? "").indexOf("%") >= 0 ? (l ?? "").lastIndexOf("% ") : -1).filter((x) => x > 0));
    expect(widths.size).toBe(1);
    lab.sim.world.setDiskFull("db1", true);
    const full = await lab.sh("db1", "df -P /var/lib/mysql");
    lab.sim.world.setDiskFull("db1", false);
    expect(full.stdout).toMatch(/\/dev\/vdb1 +\d+ +\d+ +0 +100% \/var\/lib\/mysql\n$/);
  });

  it("date prints wall-clock time whatever the model speed", async () => {
    const before = Date.now() / 1000;
    const r = await lab.sh("fs1", "date +%s.%N; date -u +%Y; date");
    const [epoch, year, full] = r.stdout.trimEnd().split("\n");
    expect(Math.abs(Number(epoch) - before)).toBeLessThan(2);
    expect(epoch).toMatch(/^\d+\.\d{9}$/);
    expect(year).toBe(String(new Date().getUTCFullYear()));
    expect(full).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}$/);
  });

  it("systemctl reports and changes services; a service-stop fault makes start fail", async () => {
    expect(await lab.sh("web1", "systemctl is-active apache2")).toEqual({ stdout: "active\n", stderr: "", code: 0 });
    await lab.sh("web1", "systemctl stop apache2");
    expect(await lab.sh("web1", "systemctl is-active apache2")).toEqual({ stdout: "inactive\n", stderr: "", code: 3 });
    expect((await lab.sh("web1", "systemctl start apache2; systemctl is-active apache2")).stdout).toBe("active\n");
    const f = lab.sim.faults.inject("service-stop", "web1:apache2");
    const r = await lab.sh("web1", "systemctl start apache2");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Job for apache2.service failed");
    expect((await lab.sh("web1", "systemctl is-active apache2")).stdout).toBe("failed\n");
    lab.sim.faults.clear(f.id);
    expect((await lab.sh("web1", "systemctl is-active apache2")).code).toBe(0);
    expect((await lab.sh("web1", "systemctl status nosuch")).code).toBe(4);
  });

  it("cl_status and crm_mon answer from heartbeat's view", async () => {
    expect((await lab.sh("lb1", "cl_status hbstatus")).stdout).toBe("Heartbeat is running on this machine.\n");
    // heartbeat 3.0.6 lists the nodes in reverse ha.cf order; each holds its own haresources group (captured: lib/probes/__fixtures__/heartbeat)
    expect((await lab.sh("lb1", "cl_status listnodes")).stdout).toBe("lb2\nlb1\n");
    expect((await lab.sh("lb1", "cl_status rscstatus")).stdout).toBe("local\n");
    expect((await lab.sh("lb2", "cl_status rscstatus")).stdout).toBe("local\n");
    expect((await lab.sh("lb2", "cl_status nodestatus lb1")).stdout).toBe("active\n");
    const xml = (await lab.sh("lb2", "crm_mon --output-as=xml -1")).stdout;
    const real = fixture("crm_mon-regression-basic.xml.txt");
    for (const tag of ["<pacemaker-result ", "<summary>", "<current_dc ", "<nodes_configured ", "<nodes>", "<resources>", '<status code="0" message="OK"/>']) {
      expect(real).toContain(tag);
      expect(xml).toContain(tag);
    }
    expect(xml).toMatch(/<resource id="vip" resource_agent="ocf:heartbeat:IPaddr2" role="Started"[^>]*>\n\s+<node name="lb1" id="1" cached="true"\/>/);
    await lab.sh("lb1", "systemctl stop heartbeat");
    expect((await lab.sh("lb1", "cl_status hbstatus")).code).toBe(1);
    expect((await lab.sh("lb1", "cl_status rscstatus")).stderr).toContain("Cannot signon with heartbeat");
    await lab.sh("lb1", "systemctl start heartbeat");
  });

  it("ldirectord status prints its own line", async () => {
    expect(await lab.sh("lb1", "ldirectord status")).toEqual({ stdout: "", stderr: expect.stringMatching(/^ldirectord for \/etc\/ha\.d\/ldirectord\.cf is running with pid: \d+\n$/), code: 0 });
    expect((await lab.sh("lb1", "cat /etc/ha.d/ldirectord.cf")).stdout).toContain("\treal=192.168.10.21:80 gate 1\n");
  });
});
