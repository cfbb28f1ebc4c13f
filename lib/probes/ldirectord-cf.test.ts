import { describe, expect, it } from "vitest";
import { ldirectordCfProbe, parseLdirectordConfig } from "@/lib/probes/ldirectord-cf";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("ldirectord-cf", () => {
  it("reads the quoted config path", () => {
    expect(ldirectordCfProbe.command({ path: "/etc/ha.d/ldirectord.cf" })).toBe("cat /etc/ha.d/ldirectord.cf");
  });

  it("reads the upstream sample: globals and the one uncommented virtual service", () => {
    const value = valueOf(parseLdirectordConfig(fixture("ldirectord", "ldirectord.cf-upstream-sample.txt")));
    expect(value).toMatchObject({
      global: { checktimeout: "3", checkinterval: "1", autoreload: "yes", quiescent: "no" },
      quiescent: false,
      autoreload: true,
      checkinterval: 1,
      checktimeout: 3,
      fallback: null,
    });
    expect(value.virtuals).toHaveLength(1);
    expect(value.virtuals[0]).toMatchObject({
      virtual: "192.168.6.240:80",
      address: "192.168.6.240",
      port: 80,
      fwmark: null,
      protocol: "tcp",
      scheduler: "rr",
      persistent: null,
      netmask: null,
      checktype: "negotiate",
      checkport: 80,
      service: "http",
      request: "index.html",
      receive: "Test Page",
      quiescent: null,
      fallback: "127.0.0.1:80 gate",
    });
    expect(value.virtuals[0]?.options).toMatchObject({ servicename: "Web Site", virtualhost: "www.x.y.z" });
    expect(value.virtuals[0]?.reals).toEqual(
      ["192.168.6.2", "192.168.6.3", "192.168.6.6"].map((address) => ({
        address, port: 80, method: "gate", weight: 1, request: null, receive: null, ipv6: false,
      })),
    );
  });

  it("reads a Moodle-style config with weights, persistence, per-virtual quiescent, fwmark and IPv6", () => {
    const text = `checkinterval=5
quiescent=yes

virtual=192.168.10.5:80
\treal=192.168.10.11:80 gate 0
\treal=192.168.10.21:80 gate 100 "/login/index.php", "Moodle"
\tscheduler=wlc
\tpersistent=300
\tprotocol=tcp
\tquiescent=no
virtual=1
\treal=192.168.10.11 masq 5
\tprotocol=fwm
virtual6=[2001:db8::5]:80
\treal6=[2001:db8::11]:80 ipip
`;
    const value = valueOf(parseLdirectordConfig(text));
    expect(value.quiescent).toBe(true);
    expect(value.virtuals.map((v) => [v.virtual, v.fwmark, v.persistent, v.quiescent, v.ipv6])).toEqual([
      ["192.168.10.5:80", null, 300, false, false],
      ["1", 1, null, null, false],
      ["[2001:db8::5]:80", null, null, null, true],
    ]);
    expect(value.virtuals[0]?.reals).toEqual([
      { address: "192.168.10.11", port: 80, method: "gate", weight: 0, request: null, receive: null, ipv6: false },
      { address: "192.168.10.21", port: 80, method: "gate", weight: 100, request: "/login/index.php", receive: "Moodle", ipv6: false },
    ]);
    expect(value.virtuals[1]).toMatchObject({ protocol: "fwm", reals: [{ address: "192.168.10.11", port: null, method: "masq", weight: 5 }] });
    expect(value.virtuals[2]).toMatchObject({ address: "2001:db8::5", port: 80, reals: [{ address: "2001:db8::11", method: "ipip", ipv6: true }] });
  });

  const sample = "virtual=192.168.10.5:80\n\treal=192.168.10.11:80 gate 1\n\tpersistent=300\n";
  it.each([
    ...garbage("cat"),
    ["letters for numbers", sample.replace("persistent=300", "persistent=3OO")],
    ["unknown forwarding method", sample.replace("gate 1", "bridge 1")],
    ["real without method (truncated)", "virtual=192.168.10.5:80\n\treal=192.168.10.11:80\n"],
    ["indented directive before any virtual", "\treal=192.168.10.11:80 gate\n"],
    ["quiescent not yes/no", "quiescent=maybe\n"],
    ["no such file", "cat: /etc/ha.d/ldirectord.cf: No such file or directory\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseLdirectordConfig(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
