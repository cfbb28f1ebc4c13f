import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { overviewOf } from "@/lib/cluster/overview";
import type { ClusterSnapshot, HostSnapshot, ProbeReading } from "@/lib/cluster/snapshot";
import { parseInventory } from "@/lib/inventory/load";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { parseDf } from "@/lib/probes/df";
import { parseIpAddr } from "@/lib/probes/ip-addr";
import { parseIpvsadm } from "@/lib/probes/ipvsadm";
import { parseIpvsadmConns } from "@/lib/probes/ipvsadm-conns";
import { parseLoadavg } from "@/lib/probes/loadavg";
import { parseMeminfo } from "@/lib/probes/meminfo";
import type { Parsed } from "@/lib/probes/types";

const fixture = (dir: string, name: string) => fs.readFileSync(path.join(process.cwd(), "lib/probes/__fixtures__", dir, name), "utf8");

// The pool and the persistence templates come from real ipvsadm captures (172.18.56.100 and
// 192.168.175.100); the cluster below is laid out to match their addresses.
const inventory = parseInventory(`
clusters:
  - id: t
    servers: [{ name: A }, { name: B }]
    hosts:
      - { name: lb1, role: lb, server: A, address: 127.0.0.1, clusterAddress: 172.18.56.10, auth: { agent: true } }
      - { name: web1, role: web, server: A, address: 127.0.0.1, clusterAddress: 172.18.56.50, auth: { agent: true } }
      - { name: db1, role: db, server: A, address: 127.0.0.1, clusterAddress: 172.18.56.18, auth: { agent: true } }
      - { name: lb2, role: lb, server: B, address: 127.0.0.1, clusterAddress: 172.18.56.20, auth: { agent: true } }
      - { name: web2, role: web, server: B, address: 127.0.0.1, clusterAddress: 172.18.56.51, auth: { agent: true } }
    balancer: { vip: 172.18.56.100 }
`);
if (!inventory.ok) throw new Error("test inventory invalid");
const cluster: ClusterSpec = inventory.inventory.clusters[0] as ClusterSpec;

const NOW = 1_700_000_000_000;

function reading(result: Parsed<unknown>): ProbeReading {
  return { at: NOW, sentAt: NOW, result };
}

function host(name: string, overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  const spec = cluster.hosts.find((h) => h.name === name);
  if (!spec) throw new Error(name);
  return {
    name,
    role: spec.role,
    server: spec.server,
    address: spec.address,
    port: spec.port,
    clusterAddress: spec.clusterAddress ?? null,
    reachable: true,
    stale: false,
    error: null,
    lastSeenAt: NOW,
    lastAttemptAt: NOW,
    latencyMs: 12,
    connection: { state: "ready", lastError: null, offeredFingerprint: null, connectedSince: NOW, retryAt: null, failures: 0 },
    readings: {
      loadavg: reading(parseLoadavg(fixture("proc-loadavg", "node_exporter.txt"))),
      meminfo: reading(parseMeminfo(fixture("proc-meminfo", "node_exporter.txt"))),
      df: reading(parseDf(fixture("df", "jc-centos77-df-plain-not-P.txt"))),
      "ip-addr": reading(parseIpAddr("2: eth0    inet 172.18.56.20/24 brd 172.18.56.255 scope global eth0\\       valid_lft forever preferred_lft forever\n")),
    },
    ...overrides,
  };
}

const lvs = parseIpvsadm(fixture("ipvsadm", "L-n-ldirectord-wrr-DR-UNATTRIBUTED-id36904319448.txt"));
const templates = parseIpvsadmConns(
  ["IPVS connection entries", "pro expire state       source             virtual            destination",
    "TCP 04:56  NONE        192.168.175.30:0   172.18.56.100:80 172.18.56.51:80",
    "TCP 02:10  NONE        192.168.175.31:0   172.18.56.100:80 172.18.56.51:80",
    "TCP 01:55  FIN_WAIT    192.168.175.30:41724 172.18.56.100:80 172.18.56.51:80", ""].join("\n"),
);

function lb1WithVip(): HostSnapshot {
  const h = host("lb1");
  h.readings["ip-addr"] = reading(
    parseIpAddr(
      [
        "2: eth0    inet 172.18.56.10/24 brd 172.18.56.255 scope global eth0\\       valid_lft forever preferred_lft forever",
        "2: eth0    inet 172.18.56.100/24 brd 172.18.56.255 scope global secondary eth0\\       valid_lft forever preferred_lft forever",
        "",
      ].join("\n"),
    ),
  );
  h.readings.ipvsadm = reading(lvs);
  h.readings["ipvsadm-conns"] = reading(templates);
  return h;
}

function snapshot(hosts: HostSnapshot[]): ClusterSnapshot {
  return { clusterId: "t", takenAt: NOW, hosts };
}

describe("overview", () => {
  it("lays the VMs out by physical server and role, with their vitals", () => {
    const view = overviewOf(cluster, snapshot([lb1WithVip(), host("web1"), host("db1"), host("lb2"), host("web2")]));
    expect(view.servers.map((s) => [s.name, s.vms.map((v) => v.name)])).toEqual([
      ["A", ["lb1", "web1", "db1"]],
      ["B", ["lb2", "web2"]],
    ]);
    const web1 = view.servers[0]?.vms[1];
    expect(web1).toMatchObject({ status: "up", load1: 0.21, diskMount: "/boot", diskUsedPercent: 23 });
    expect(web1?.memUsedPercent).toBeGreaterThan(0);
  });

  it("names the balancer holding the VIP and shows its pool with sticky clients", () => {
    const view = overviewOf(cluster, snapshot([lb1WithVip(), host("web1"), host("lb2"), host("web2")]));
    expect(view.vipHolders).toEqual(["lb1"]);
    const active = view.pools[0];
    expect(active).toMatchObject({ balancer: "lb1", holdsVip: true, problem: null });
    expect(active?.service).toMatchObject({ address: "172.18.56.100", port: 80, scheduler: "wrr" });
    expect(active?.realServers).toEqual([
      expect.objectContaining({ address: "172.18.56.50", host: "web1", weight: 1, activeConns: 0, inactiveConns: 2, stickyClients: 0 }),
      expect.objectContaining({ address: "172.18.56.51", host: "web2", weight: 1, inactiveConns: 3, stickyClients: 2, stickyLongestSeconds: 296 }),
    ]);
    expect(view.pools[1]).toMatchObject({ balancer: "lb2", holdsVip: false, problem: "no LVS table yet" });
  });

  it("says when the VIP is on both balancers", () => {
    const lb2 = lb1WithVip();
    const both = { ...lb2, name: "lb2", server: "B" };
    const view = overviewOf(cluster, snapshot([lb1WithVip(), both]));
    expect(view.vipHolders).toEqual(["lb1", "lb2"]);
  });

  it("keeps an unreachable host on the page, marked down with its error and last values", () => {
    const down = host("web1", { reachable: false, stale: true, error: "web1 (127.0.0.1:22): no SSH answer within 5000 ms" });
    const view = overviewOf(cluster, snapshot([lb1WithVip(), down]));
    const web1 = view.servers[0]?.vms.find((v) => v.name === "web1");
    expect(web1).toMatchObject({ status: "down", error: expect.stringContaining("no SSH answer"), load1: 0.21 });
  });

  it("shows a refused host key distinctly, and a host never reached as unknown", () => {
    const rejected = host("web2", { reachable: false, readings: {} });
    rejected.connection = { ...rejected.connection, state: "rejected", offeredFingerprint: "SHA256:x" };
    const never = host("db1", { reachable: false, lastAttemptAt: null, lastSeenAt: null, readings: {} });
    const view = overviewOf(cluster, snapshot([rejected, never]));
    const vms = view.servers.flatMap((s) => s.vms);
    expect(vms.find((v) => v.name === "web2")?.status).toBe("key-rejected");
    expect(vms.find((v) => v.name === "db1")).toMatchObject({ status: "unknown", load1: null, memUsedPercent: null });
  });

  it("lists probes that failed or could not be read instead of showing zeros", () => {
    const h = host("db1");
    h.readings.loadavg = reading(parseLoadavg("garbage"));
    h.readings.df = { at: NOW, sentAt: NOW, result: { ok: false, error: "failed", exitCode: 1, stderr: "df: /var/moodledata: Stale file handle\n" } };
    const view = overviewOf(cluster, snapshot([h]));
    const db1 = view.servers[0]?.vms[0];
    expect(db1?.load1).toBeNull();
    expect(db1?.probeProblems).toEqual([
      { probe: "loadavg", problem: expect.stringMatching(/^could not read/) },
      { probe: "df", problem: "exit 1: df: /var/moodledata: Stale file handle" },
    ]);
  });
});

describe("VIP holder", () => {
  it("does not count the VIP that direct routing puts on a web node's lo", () => {
    const web1 = host("web1");
    web1.readings["ip-addr"] = reading(
      parseIpAddr("1: lo    inet 172.18.56.100/32 scope global lo\\       valid_lft forever preferred_lft forever\n"),
    );
    const lbOnLo = host("lb2");
    lbOnLo.readings["ip-addr"] = web1.readings["ip-addr"];
    const view = overviewOf(cluster, snapshot([lb1WithVip(), web1, lbOnLo]));
    expect(view.vipHolders).toEqual(["lb1"]);
    expect(view.servers.flatMap((s) => s.vms).filter((v) => v.holdsVip).map((v) => v.name)).toEqual(["lb1"]);
  });
});
