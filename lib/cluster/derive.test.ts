import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stateOf } from "@/lib/cluster/derive";
import type { ClusterSnapshot, HostSnapshot, ProbeReading } from "@/lib/cluster/snapshot";
import { parseInventory } from "@/lib/inventory/load";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { parseHbStatus } from "@/lib/probes/cl-status";
import { parseDf } from "@/lib/probes/df";
import { parseKeepalivedConfig } from "@/lib/probes/keepalived-conf";
import { parseKeepalivedState } from "@/lib/probes/keepalived-state";
import { parseLdirectordConfig } from "@/lib/probes/ldirectord-cf";
import { parseIpAddr } from "@/lib/probes/ip-addr";
import { parseIpvsadm } from "@/lib/probes/ipvsadm";
import { parseIpvsadmConns } from "@/lib/probes/ipvsadm-conns";
import { parseLoadavg } from "@/lib/probes/loadavg";
import { parseMeminfo } from "@/lib/probes/meminfo";
import { parseApacheStatus } from "@/lib/probes/apache-status";
import { parseMoodleConfig } from "@/lib/probes/moodle-config";
import { parseMaintenance } from "@/lib/probes/moodle-maintenance";
import { parseMoodleSettings } from "@/lib/probes/moodle-settings";
import { parsePhpHandler } from "@/lib/probes/php-handler";
import { parseSessionFiles } from "@/lib/probes/session-files";
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

describe("stateOf", () => {
  it("reads every host's vitals, by role", () => {
    const state = stateOf(cluster, snapshot([lb1WithVip(), host("web1"), host("db1"), host("lb2"), host("web2")]));
    expect(state.hosts.map((h) => h.name)).toEqual(["lb1", "web1", "db1", "lb2", "web2"]);
    expect(state.balancers.map((b) => b.name)).toEqual(["lb1", "lb2"]);
    expect(state.web.map((w) => w.name)).toEqual(["web1", "web2"]);
    expect(state.databases.map((d) => d.name)).toEqual(["db1"]);
    const web1 = state.hosts.find((h) => h.name === "web1");
    expect(web1).toMatchObject({ reachable: true, load: { load1: 0.21 }, problems: [] });
    expect(web1?.disks.find((d) => d.mount === "/boot")?.usedPercent).toBe(23);
    expect(web1?.memory?.usedPercent).toBeGreaterThan(0);
  });

  it("names the balancer holding the VIP and reads its pool with sticky clients", () => {
    const state = stateOf(cluster, snapshot([lb1WithVip(), host("web1"), host("lb2"), host("web2")]));
    expect(state.vipHolders).toEqual(["lb1"]);
    const active = state.balancers[0];
    expect(active).toMatchObject({ name: "lb1", holdsVip: true, problem: null });
    expect(active?.service).toMatchObject({ address: "172.18.56.100", port: 80, scheduler: "wrr" });
    expect(active?.realServers).toEqual([
      expect.objectContaining({ address: "172.18.56.50", host: "web1", weight: 1, activeConns: 0, inactiveConns: 2, stickyClients: 0 }),
      expect.objectContaining({ address: "172.18.56.51", host: "web2", weight: 1, inactiveConns: 3, stickyClients: 2, stickyLongestSeconds: 296 }),
    ]);
    expect(state.balancers[1]).toMatchObject({ name: "lb2", holdsVip: false, service: null, problem: "the LVS table could not be read" });
  });

  it("says when the VIP is on both balancers", () => {
    const both = { ...lb1WithVip(), name: "lb2", server: "B" };
    expect(stateOf(cluster, snapshot([lb1WithVip(), both])).vipHolders).toEqual(["lb1", "lb2"]);
  });

  it("keeps an unreachable host with its error and last values, holding nothing", () => {
    const down = { ...lb1WithVip(), reachable: false, stale: true, error: "lb1 (127.0.0.1:22): no SSH answer within 5000 ms" };
    const state = stateOf(cluster, snapshot([down]));
    expect(state.hosts[0]).toMatchObject({ reachable: false, error: expect.stringContaining("no SSH answer"), load: { load1: 0.21 } });
    expect(state.vipHolders).toEqual([]);
  });

  it("marks a refused host key, and a host never reached has no values", () => {
    const rejected = host("web2", { reachable: false, readings: {} });
    rejected.connection = { ...rejected.connection, state: "rejected", offeredFingerprint: "SHA256:x" };
    const never = host("db1", { reachable: false, lastAttemptAt: null, lastSeenAt: null, readings: {} });
    const state = stateOf(cluster, snapshot([rejected, never]));
    expect(state.hosts.find((h) => h.name === "web2")?.keyRejected).toBe(true);
    expect(state.hosts.find((h) => h.name === "db1")).toMatchObject({ keyRejected: false, load: null, memory: null, upSeconds: null });
    expect(state.databases[0]).toMatchObject({ readOnly: null, replication: null, heartbeatLagSeconds: null });
  });

  // issue 9: heartbeat's stopped answer (exit 1, read now), keepalived's own state, every port, ldirectord's verdict
  it("reads heartbeat stopped on a balancer as not running, and the survivor's view of both nodes", () => {
    const stopped = host("lb1");
    stopped.readings["cl-status"] = reading(parseHbStatus(fixture("heartbeat", "cl_status-hbstatus-v-3.0.6-CAPTURED-stopped-exit1.txt")));
    const survivor = host("lb2");
    survivor.readings["cl-status"] = reading(parseHbStatus("version:\t3.0.6 (node: 958e)\nmanaged by:\t\"haresources\"\n\nlb2\tactive\t(nodetype: normal)\n\teth0\tdead\n\nlb1\tdead\t(nodetype: normal)\n\teth0\tdead\n"));
    const [lb1, lb2] = stateOf(cluster, snapshot([stopped, survivor])).balancers;
    expect(lb1?.ha).toEqual({ stack: "heartbeat", running: false, peerStatus: null, detail: "hb_api_signon: Can't initiate connection to heartbeat", nodes: null, vrrp: null });
    expect(lb2?.ha).toMatchObject({ running: true, peerStatus: "dead", nodes: [{ name: "lb2", status: "active" }, { name: "lb1", status: "dead" }] });
  });

  it("reads keepalived's recorded state and configuration for the VIP's instance", () => {
    const ka = { ...cluster, balancer: { ...cluster.balancer, vip: "10.250.77.100", ha: "keepalived" as const } };
    const h = host("lb1");
    h.readings["keepalived-state"] = reading(parseKeepalivedState(fixture("keepalived", "keepalived-state-probe-2.2.7-CAPTURED-fault.txt")));
    h.readings["keepalived-conf"] = reading(parseKeepalivedConfig(fixture("keepalived", "keepalived.conf-conformance-lb1-track-script.txt")));
    expect(stateOf(ka, snapshot([h])).balancers[0]?.ha).toEqual({
      stack: "keepalived",
      running: true,
      peerStatus: null,
      detail: "FAULT",
      nodes: null,
      vrrp: { instance: "VI_1", state: "FAULT", since: 1796325310_000, priority: 150, configured: { initialState: "BACKUP", priority: 150, nopreempt: false, preemptDelay: 0, advertInt: 1 } },
    });
    const killed = host("lb1");
    killed.readings["keepalived-state"] = reading(parseKeepalivedState(fixture("keepalived", "keepalived-state-probe-2.2.7-CAPTURED-killed-9.txt")));
    expect(stateOf(ka, snapshot([killed])).balancers[0]?.ha).toMatchObject({ running: false, detail: "last recorded MASTER", vrrp: { state: "MASTER", configured: null } });
  });

  it("reads every port's virtual service and ldirectord.cf's virtual services, with ldirectord's verdict on the file", () => {
    const two = { ...cluster, balancer: { ...cluster.balancer, ports: [80, 443] } };
    const h = lb1WithVip();
    const table = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  172.18.56.100:80 wrr\n  -> 172.18.56.50:80              Route   1      0          2\nTCP  172.18.56.100:443 wrr\n  -> 172.18.56.50:443             Route   0      0          2\n";
    h.readings.ipvsadm = reading(parseIpvsadm(table));
    h.readings["ldirectord-cf"] = reading(parseLdirectordConfig("virtual=172.18.56.100:80\n\treal=172.18.56.50:80 gate 1\nvirtual=172.18.56.100:https\n\treal=172.18.56.50:443 gate 0 #clusterdeck-drained-weight=100\n\n\treal=172.18.56.51:443 gate\n"));
    const lb1 = stateOf(two, snapshot([h])).balancers[0];
    expect(lb1?.services.map((s) => [s.port, s.realServers.map((r) => `${r.host} ${r.weight}`)])).toEqual([[80, ["web1 1"]], [443, ["web1 0"]]]);
    expect(lb1?.realServers).toBe(lb1?.services[0]?.realServers);
    expect(lb1?.config?.virtuals.map((v) => [v.virtual, v.port, v.reals.map((r) => [r.weight, r.drainedFrom])])).toEqual([
      ["172.18.56.100:80", 80, [[1, null]]],
      ["172.18.56.100:https", 443, [[0, 100]]],
    ]);
    expect(lb1?.config?.refusedAt).toMatchObject({ line: 6, reason: expect.stringContaining("Unknown command") });
  });

  it("names a reading read in part as a problem, with the lines it could not read", () => {
    const h = host("lb2");
    h.readings["ip-addr"] = reading(parseIpAddr("2: eth0    inet 172.18.56.20/24 scope global eth0\nwhat is this\n"));
    expect(stateOf(cluster, snapshot([h])).hosts[0]?.problems).toEqual([
      { probe: "ip-addr", problem: 'read in part: 1 line not read (line 2 "what is this": not an "ip -o addr" line: "what is this")' },
    ]);
  });

  it("lists probes that failed or could not be read instead of showing zeros", () => {
    const h = host("db1");
    h.readings.loadavg = reading(parseLoadavg("garbage"));
    h.readings.df = { at: NOW, sentAt: NOW, result: { ok: false, error: "failed", exitCode: 1, stderr: "df: /var/moodledata: Stale file handle\n" } };
    const state = stateOf(cluster, snapshot([h]));
    expect(state.hosts[0]?.load).toBeNull();
    expect(state.hosts[0]?.problems).toEqual([
      { probe: "loadavg", problem: expect.stringMatching(/^could not read/) },
      { probe: "df", problem: "exit 1: df: /var/moodledata: Stale file handle" },
    ]);
  });

  it("does not count the VIP that direct routing puts on lo", () => {
    const lbOnLo = host("lb2");
    lbOnLo.readings["ip-addr"] = reading(parseIpAddr("1: lo    inet 172.18.56.100/32 scope global lo\\       valid_lft forever preferred_lft forever\n"));
    expect(stateOf(cluster, snapshot([lb1WithVip(), lbOnLo])).vipHolders).toEqual(["lb1"]);
  });
});

describe("stateOf, web nodes", () => {
  const config = (text: string) => reading(parseMoodleConfig(text));
  const settings = (rows: string) => reading(parseMoodleSettings(`name\tvalue\n${rows}`));
  const db = (rows: string) => host("db1", { readings: { "moodle-settings": settings(rows) } });
  const web = (readings: Record<string, ProbeReading>) => host("web1", { readings });
  const base = "$CFG->dataroot  = '/var/moodledata';\n$CFG->wwwroot   = 'https://moodle.example.org';\n";

  it("sends sessions to the database when the admin setting dbsessions is on and config.php names no handler", () => {
    const state = stateOf(cluster, snapshot([web({ "moodle-config": config(base) }), db("dbsessions\t1")]));
    expect(state.web[0]).toMatchObject({ sessionHandler: "database", sessionStore: { kind: "database", decidedBy: "dbsessions setting" }, fileSessions: null, wwwroot: "https://moodle.example.org" });
    expect(state.moodle).toMatchObject({ from: "db1", settings: { dbsessions: true } });
  });

  it("keeps files in <dataroot>/sessions by default, and says so; not known while the setting is not read", () => {
    const count = reading(parseSessionFiles("17\n"));
    const state = stateOf(cluster, snapshot([web({ "moodle-config": config(base), "session-files": count }), db("")]));
    expect(state.web[0]).toMatchObject({ sessionHandler: "file", fileSessions: 17, sessionStore: { kind: "file", decidedBy: "Moodle's default", location: "/var/moodledata/sessions", inDataroot: true } });
    expect(stateOf(cluster, snapshot([web({ "moodle-config": config(base), "session-files": count })])).web[0]).toMatchObject({ sessionHandler: null, fileSessions: null });
  });

  it("understands Redis, and config.php's dbsessions over the setting", () => {
    const redis = config(`${base}$CFG->session_handler_class = '\\core\\session\\redis';\n$CFG->session_redis_host = '10.0.0.5';\n`);
    expect(stateOf(cluster, snapshot([web({ "moodle-config": redis })])).web[0]?.sessionStore).toMatchObject({ kind: "redis", location: "10.0.0.5", decidedBy: "config.php" });
    const forced = config(`${base}$CFG->dbsessions = 0;\n`);
    expect(stateOf(cluster, snapshot([web({ "moodle-config": forced }), db("dbsessions\t1")])).web[0]?.sessionStore).toMatchObject({ kind: "file", decidedBy: "dbsessions in config.php" });
  });

  it("shows maintenance switched on from the web (mdl_config) though no climaintenance.html is there", () => {
    const flag = reading(parseMaintenance("off\n"));
    const on = stateOf(cluster, snapshot([web({ "moodle-maintenance": flag }), db("maintenance_enabled\t1")]));
    expect(on.web[0]).toMatchObject({ maintenance: true, maintenanceCli: false });
    expect(stateOf(cluster, snapshot([web({ "moodle-maintenance": flag }), db("maintenance_enabled\t0")])).web[0]).toMatchObject({ maintenance: false });
  });

  it("computes requests per second from the last two status readings, not Apache's lifetime average", () => {
    const before = parseApacheStatus(fixture("apache-server-status", "debian12-2.4.71-prefork-41-requests-CAPTURED.txt"));
    const after = parseApacheStatus(fixture("apache-server-status", "debian12-2.4.71-prefork-after-graceful-CAPTURED.txt"));
    if (!before.ok) throw new Error("fixture");
    const status: ProbeReading = { ...reading(after), previous: { at: NOW - 3000, value: before.value } };
    const w = stateOf(cluster, snapshot([web({ "apache-status": status })])).web[0];
    // 41 -> 44 accesses in 3 s, one of them the previous status request
    expect(w?.apache.requestRate).toEqual({ perSecond: 2 / 3, reason: null });
    expect(w?.apache.status?.requestsPerSecond).toBe(8.8);
  });

  it("says how Apache runs PHP", () => {
    const fpm = reading(parsePhpHandler("/etc/apache2/conf-enabled:\nphp8.2-fpm.conf\n\n/etc/apache2/mods-enabled:\nmpm_event.load\nproxy_fcgi.load\n\n/run/php:\nphp8.2-fpm.pid\nphp8.2-fpm.sock\n"));
    expect(stateOf(cluster, snapshot([web({ "php-handler": fpm })])).web[0]?.php).toEqual({ handler: "php-fpm", fpmService: "php8.2-fpm", fpmRunning: true });
  });
});

describe("secrets in what the hosts printed stay out of the state", () => {
  it("masks the passwd= line ldirectord refuses, which the state quotes, and secrets in lines read in part", () => {
    const h = lb1WithVip();
    h.readings["ldirectord-cf"] = reading(parseLdirectordConfig(fixture("ldirectord", "ldirectord.cf-4.12-case-Z-hash-in-quoted.txt")));
    h.readings["ip-addr"] = reading(parseIpAddr("2: eth0    inet 172.18.56.10/24 scope global eth0\nexport MYSQL_PWD password=hunter22\n"));
    const state = stateOf(cluster, snapshot([h]));
    expect(state.balancers[0]?.config?.refusedAt).toEqual({ line: 14, text: '\tpasswd="********"', reason: 'Unknown command "\tpasswd="********""' });
    expect(state.hosts[0]?.problems.map((p) => p.problem).join("\n")).toContain("password=********");
    expect(JSON.stringify(state)).not.toMatch(/s3cr#t|hunter22/);
  });
});
