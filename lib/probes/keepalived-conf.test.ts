import { describe, expect, it } from "vitest";
import { keepalivedConfProbe, parseKeepalivedConfig, withoutSecrets } from "@/lib/probes/keepalived-conf";
import { hostileLines, slowestOf, slowestParse } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("keepalived-conf", () => {
  it("reads the configured file", () => {
    expect(keepalivedConfProbe.command({ path: "/etc/keepalived/keepalived.conf" })).toBe("/usr/bin/cat /etc/keepalived/keepalived.conf");
  });

  it("reads Debian's sample: the instance, its defaults, the LVS block, and never the password", () => {
    const result = parseKeepalivedConfig(fixture("keepalived", "keepalived.conf-debian-2.2.7-sample.txt"));
    const value = valueOf(result);
    expect(value.routerId).toBe("LVS_DEVEL");
    expect(value.instances).toEqual([
      {
        name: "VI_1", initialState: "MASTER", interface: "eth0", virtualRouterId: 51, priority: 100, advertInt: 1, nopreempt: false,
        preemptDelay: 0, addresses: ["192.168.200.16", "192.168.200.17", "192.168.200.18"], trackScripts: [], notify: [], line: 19,
      },
    ]);
    expect(value.virtualServers).toBe(3);
    expect(value.unread).toEqual([]);
    expect(JSON.stringify(result)).not.toContain("1111");
  });

  it("reads the conformance pair's file: BACKUP, priority, the track script and the notify script", () => {
    const value = valueOf(parseKeepalivedConfig(fixture("keepalived", "keepalived.conf-conformance-lb1-track-script.txt")));
    expect(value.instances[0]).toMatchObject({ name: "VI_1", initialState: "BACKUP", priority: 150, nopreempt: false, addresses: ["10.250.77.100"], trackScripts: ["chk_ok"], notify: ["/etc/keepalived/notify.sh"] });
    expect(value.scripts).toEqual([{ name: "chk_ok", script: "/usr/bin/test -e /etc/keepalived/healthy", interval: 1, weight: null, fall: 2, rise: 2 }]);
  });

  it("reads nopreempt, preempt_delay and braces on their own lines; names include and config-id lines", () => {
    const text = `include /etc/keepalived/conf.d/*.conf
vrrp_instance VI_9
{
  state BACKUP ! a comment
  priority 200 # another
  nopreempt
  preempt_delay 30
  advert_int 2
  virtual_ipaddress {
    203.0.113.10/24 dev eth0 label eth0:vip
  }
  @lb2 priority 50
}
`;
    const value = valueOf(parseKeepalivedConfig(text));
    expect(value.instances[0]).toMatchObject({ name: "VI_9", initialState: "BACKUP", priority: 200, nopreempt: true, preemptDelay: 30, advertInt: 2, addresses: ["203.0.113.10"] });
    expect(value.unread.map((u) => [u.line, u.reason])).toEqual([
      [12, "applies only to some hosts (config id): not read"],
      [1, "include is not followed: the console reads one file"],
    ]);
  });

  it("keeps what it read of a file cut short, and says so", () => {
    const value = valueOf(parseKeepalivedConfig("vrrp_instance VI_1 {\n  priority 120\n"));
    expect(value.instances[0]?.priority).toBe(120);
    expect(value.unread.at(-1)?.reason).toBe("a block is never closed (truncated?)");
  });

  it("answers hostile input in linear time", () => {
    expect(slowestParse(parseKeepalivedConfig, fixture("keepalived", "keepalived.conf-debian-2.2.7-sample.txt")).ms).toBeLessThan(2_000);
  });

  it.each([...garbage("cat"), ["no such file", "cat: /etc/keepalived/keepalived.conf: No such file or directory\n"]])("refuses %s", (_name, input) => {
    expect(parseKeepalivedConfig(input)).toMatchObject({ ok: false, error: "unreadable" });
  });
});

// Issue 10, hole 2: within the line cap a backtracking pattern is still quadratic per line, and a line
// over it must not reach a pattern at all. Budgets against blow-up, not benchmarks.
describe("keepalived-conf on hostile lines", () => {
  it("reads a megabyte of long lines, and 256 KiB lines, in linear time", () => {
    const slowest = slowestOf(parseKeepalivedConfig, hostileLines(["    auth_pass", "auth_pass ", "    virtual_ipaddress {"], "vrrp_instance VI_1 {\n"));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });
});

// The configuration's redaction runs on the whole text before anything else, the raw text of an unreadable
// answer included: it must be linear too, and still hide every auth_pass.
describe("keepalived-conf's redaction on hostile input", () => {
  const MB = 1 << 20;
  it.each([
    ["auth_pass then blanks", `auth_pass${" ".repeat(MB)}`],
    ["auth_pass words", "auth_pass ".repeat(MB / 10)],
    ["auth_pass glued", "auth_passauth_pass\t".repeat(MB / 19)],
    ["one word", "a".repeat(MB)],
  ])("%s: a megabyte within a budget", (_name, input) => {
    const started = performance.now();
    withoutSecrets(input);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("hides every auth_pass, also in an answer it cannot read", () => {
    const text = `vrrp_instance VI_1 {\n  authentication {\n    auth_pass s3cret1\n  }\n}\n${"x ".repeat(3000)}auth_pass\ts3cret2\n`;
    expect(withoutSecrets(text)).not.toMatch(/s3cret/);
    expect(JSON.stringify(parseKeepalivedConfig(`\u0000${text}`))).not.toMatch(/s3cret/);
  });
});
