import { describe, expect, it } from "vitest";
import { type IpvsTable, ipvsadmCommand, ipvsadmProbe, parseIpvsadm } from "@/lib/probes/ipvsadm";
import { hostileLines, slowestOf, slowestParse } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const read = (file: string): IpvsTable => valueOf(parseIpvsadm(fixture("ipvsadm", file)));

function list(value: IpvsTable) {
  if (value.table !== "list") throw new Error(`expected the list table, got ${value.table}`);
  return value;
}
function stats(value: IpvsTable) {
  if (value.table !== "stats") throw new Error(`expected the --stats table, got ${value.table}`);
  return value;
}
function rate(value: IpvsTable) {
  if (value.table !== "rate") throw new Error(`expected the --rate table, got ${value.table}`);
  return value;
}

describe("ipvsadm", () => {
  it("builds the list, --stats, --rate and --exact commands", () => {
    expect(ipvsadmProbe.command({})).toBe("ipvsadm -Ln");
    expect(ipvsadmCommand({ table: "stats" })).toBe("ipvsadm -Ln --stats");
    expect(ipvsadmCommand({ table: "rate", exact: true })).toBe("ipvsadm -Ln --rate --exact");
  });

  it("reads an ldirectord-made wrr service with Route real servers", () => {
    const value = list(read("L-n-ldirectord-wrr-DR-UNATTRIBUTED-id36904319448.txt"));
    expect(value).toMatchObject({ version: "1.2.1", tableSize: 4096 });
    expect(value.services).toEqual([
      {
        protocol: "TCP",
        family: "inet",
        address: "172.18.56.100",
        port: 80,
        fwmark: null,
        selector: "-t 172.18.56.100:80",
        scheduler: "wrr",
        persistent: null,
        persistenceMask: null,
        flags: [],
        realServers: [
          { family: "inet", address: "172.18.56.50", port: 80, forward: "Route", weight: 1, activeConns: 0, inactiveConns: 2 },
          { family: "inet", address: "172.18.56.51", port: 80, forward: "Route", weight: 1, activeConns: 0, inactiveConns: 3 },
        ],
      },
    ]);
  });

  it("reads a Masq real server (keepalived sample)", () => {
    const value = list(read("Ln-keepalived-2.1.5-weight-bug-issue1757.txt"));
    expect(value.services[0]).toMatchObject({ address: "10.0.2.15", port: 80, scheduler: "wlc" });
    expect(value.services[0]?.realServers).toEqual([
      { family: "inet", address: "10.0.2.16", port: 80, forward: "Masq", weight: 1, activeConns: 0, inactiveConns: 0 },
    ]);
  });

  it("reads persistence after the scheduler", () => {
    const value = list(read("Ln-wrr-persistent-50-UNATTRIBUTED-id34833706032.txt"));
    expect(value.services[0]).toMatchObject({ address: "192.168.1.100", port: 3306, scheduler: "wrr", persistent: 50, flags: [] });
    expect(value.services[0]?.realServers.map((r) => [r.address, r.weight, r.activeConns, r.inactiveConns])).toEqual([
      ["192.168.1.5", 3, 4, 1],
      ["192.168.1.6", 3, 0, 2],
    ]);
  });

  it("reads IPv6 services and real servers", () => {
    const value = list(read("Ln-rr-persistent-600-ipv6-UNATTRIBUTED-id33124948590.txt"));
    expect(value.services).toHaveLength(10);
    expect(value.services.every((s) => s.persistent === 600 && s.scheduler === "rr")).toBe(true);
    expect(value.services[0]?.realServers[0]).toMatchObject({ address: "129.79.53.54", inactiveConns: 41, weight: 100 });
    expect(value.services[5]).toMatchObject({
      family: "inet6",
      address: "2001:18e8:2:6::17d",
      port: 80,
      selector: "-t [2001:18e8:2:6::17d]:80",
    });
    expect(value.services[9]?.realServers).toEqual([
      { family: "inet6", address: "2001:18e8:2:6::12f", port: 80, forward: "Route", weight: 100, activeConns: 0, inactiveConns: 0 },
    ]);
  });

  it("reads firewall-mark services", () => {
    const value = list(read("Ln-fwmark-docker-swarm-UNATTRIBUTED-id6995350019.txt"));
    expect(value.services.map((s) => [s.protocol, s.fwmark, s.address, s.port, s.scheduler, s.selector])).toEqual([
      ["FWM", 262, null, null, "rr", "-f 262"],
      ["FWM", 286, null, null, "rr", "-f 286"],
    ]);
    expect(value.services[1]?.realServers[0]).toMatchObject({ address: "10.255.0.33", port: 0, forward: "Masq" });
  });

  it("reads --stats", () => {
    const value = stats(read("Ln-stats-UNATTRIBUTED-id4505307772.txt"));
    expect(value.services[0]?.totals).toEqual({ conns: 29, inPkts: 203, outPkts: 145, inBytes: 13021, outBytes: 14877, approximate: false });
    expect(value.services[0]?.realServers[1]).toEqual({
      family: "inet", address: "172.17.0.3", port: 80, conns: 17, inPkts: 119, outPkts: 85, inBytes: 7633, outBytes: 8721, approximate: false,
    });
  });

  it("reads --stats with many services (kube-router)", () => {
    const value = stats(read("Ln-stats-kube-router-TRUNCATED-pr160.txt"));
    expect(value.services.map((s) => `${s.address}:${s.port}`)).toEqual(["10.3.0.1:443", "10.3.0.10:53", "10.3.0.42:80"]);
    expect(value.services[2]?.totals).toMatchObject({ conns: 14209, inPkts: 111769, outPkts: 74613, inBytes: 7207174, outBytes: 8334358 });
    expect(value.services[2]?.realServers).toHaveLength(8);
  });

  it("reads --stats --exact (Diamond)", () => {
    const value = stats(read("diamond-stats-exact.txt"));
    expect(value.services[0]?.totals).toMatchObject({ conns: 116, inPkts: 582893, outBytes: 826814146, approximate: false });
    expect(value.services[1]?.realServers[0]).toMatchObject({ address: "10.68.15.66", port: 443, conns: 59, inBytes: 57558 });
  });

  it("expands K/M/G abbreviations and marks them approximate", () => {
    const value = stats(read("Ln-stats-K-M-G-suffixes-one-service-UNATTRIBUTED-id15994269838.txt"));
    expect(value.version).toBeNull();
    expect(value.services[0]?.totals).toEqual({
      conns: 39835, inPkts: 1030e6, outPkts: 863494e3, inBytes: 150e9, outBytes: 203e9, approximate: true,
    });
    expect(value.services[0]?.realServers[0]).toMatchObject({ conns: 774, inPkts: 46173852, inBytes: 6575e6, approximate: true });
  });

  it("reads --rate", () => {
    const value = rate(read("Ln-rate-UNATTRIBUTED-id4505307772.txt"));
    expect(value.services[0]?.totals).toEqual({ cps: 0, inPps: 1, outPps: 0, inBps: 33, outBps: 38, approximate: false });
    expect(value.services[0]?.realServers.map((r) => [r.address, r.inBps, r.outBps])).toEqual([
      ["172.17.0.2", 6, 7],
      ["172.17.0.3", 27, 30],
    ]);
  });

  it("reads --rate --exact for one IPv6 service", () => {
    const value = rate(read("Ln-rate-exact-ipv6-one-service-UNATTRIBUTED-id8590015795.txt"));
    expect(value.services[0]).toMatchObject({ family: "inet6", address: "2001:db8::1", port: 80 });
    expect(value.services[0]?.realServers.map((r) => r.address)).toEqual(["2001:db8:42::1", "2001:db8:42::2", "2001:db8:42::3"]);
  });

  it("reads an empty table as no services", () => {
    const empty = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
    expect(valueOf(parseIpvsadm(empty))).toEqual({ version: "1.2.1", tableSize: 4096, table: "list", services: [], unread: [] });
  });

  const listSample = fixture("ipvsadm", "L-n-ldirectord-wrr-DR-UNATTRIBUTED-id36904319448.txt");
  const realLine = (n: number) => listSample.split("\n").findIndex((l) => l.includes(`172.18.56.5${n}:80`)) + 1;
  it.each([
    ["letters for numbers", listSample.replace("Route   1      0          2", "Route   1      O          2"), [realLine(0)], ["172.18.56.51"]],
    ["a truncated real server", listSample.replace(/ {2}-> 172\.18\.56\.51:80.*$/m, "  -> 172.18.56.51:80              Rou"), [realLine(1)], ["172.18.56.50"]],
    ["an unknown forwarding method", listSample.replace("Route   1      0          2", "Bridge  1      0          2"), [realLine(0)], ["172.18.56.51"]],
  ])("keeps the other real servers and names the unread line: %s", (_name, input, lines, kept) => {
    const value = list(valueOf(parseIpvsadm(input)));
    expect(value.services[0]?.realServers.map((r) => r.address)).toEqual(kept);
    expect(value.unread.map((u) => u.line)).toEqual(lines);
  });

  it("drops a service it cannot read with its real servers, and names every line", () => {
    const input = listSample.replace("172.18.56.100:80", "web1.example.org:http");
    const value = list(valueOf(parseIpvsadm(input)));
    expect(value.services).toEqual([]);
    expect(value.unread.map((u) => u.reason)).toEqual([
      'not a numeric address:port: "web1.example.org:http"',
      "a real server of a service that could not be read",
      "a real server of a service that could not be read",
    ]);
  });

  it("names a real server printed before any service and a stats row missing a column", () => {
    const before = "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n  -> 10.0.0.2:80 Route 1 0 0\n";
    expect(valueOf(parseIpvsadm(before)).unread).toEqual([{ line: 3, text: "  -> 10.0.0.2:80 Route 1 0 0", reason: "a real server before any service" }]);
    const short = valueOf(parseIpvsadm(fixture("ipvsadm", "Ln-stats-UNATTRIBUTED-id4505307772.txt").replace("   13021    14877", "   13021")));
    expect(short.unread[0]?.reason).toMatch(/expected 5 numbers/);
    expect(short.unread.slice(1).every((u) => u.reason === "a real server of a service that could not be read")).toBe(true);
  });

  it("answers hostile input in linear time", () => {
    expect(slowestParse(parseIpvsadm, listSample).ms).toBeLessThan(2_000);
  });

  it.each([
    ...garbage("ipvsadm"),
    ["kernel module missing", "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n"],
    ["version line only", "IP Virtual Server version 1.2.1 (size=4096)\n"],
    ["truncated header", "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Sched"],
    ["thresholds table", "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn\n  -> RemoteAddress:Port\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseIpvsadm(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});

// Issue 10, hole 2: within the line cap a backtracking pattern is still quadratic per line, and a line
// over it must not reach a pattern at all. Budgets against blow-up, not benchmarks.
describe("ipvsadm on hostile lines", () => {
  it("reads a megabyte of long lines, and 256 KiB lines, in linear time", () => {
    const slowest = slowestOf(parseIpvsadm, hostileLines(["  -> 10.0.0.1:80", "TCP  10.0.0.100:80 wlc", "  -> [::"], "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  203.0.113.10:80 wlc\n"));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });
});
