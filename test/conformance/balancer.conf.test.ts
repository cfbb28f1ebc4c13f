import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterCollector } from "@/lib/cluster/collector";
import { stateOf } from "@/lib/cluster/derive";
import { findingsOf } from "@/lib/cluster/findings";
import { vipReturn } from "@/lib/cluster/preemption";
import type { BalancerState, ClusterState } from "@/lib/cluster/state";
import { sudoersLines, sudoersRules } from "@/lib/commands/sudoers";
import { workflowCommands } from "@/lib/commands/workflow";
import { ClusterSpec } from "@/lib/inventory/schema";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import { targetOf } from "@/lib/ssh/target";
import type { ExecResult } from "@/lib/ssh/types";
import { crash, holders, startBalancerHost, waitUntil, writeHeartbeat, writeKeepalived } from "@/test/conformance/support/ha";
import { type ConformanceHost, allocateAddress, installSudoers } from "@/test/conformance/support/host";

// The console's balancer probes and the balancer drill's stop/start commands against Debian 12's heartbeat 3.0.6
// and keepalived 2.2.7, in two conformance hosts on the test bridge (lb1 on server A, lb2 on server B). The
// console reads them as it does in production: the collector over real sshd, as the unprivileged account whose
// only rights are the sudoers lines ClusterDeck generates; the test checks what it reads against the truth
// (who holds the VIP, asked inside each host) and starts, stops and crashes the daemons as an operator would.

/** the registry commands this file runs: their generated sudoers lines are installed, nothing else */
const UNDER_TEST = ["cl-status", "keepalived-conf", "ldirectord-cf", "ha-service-stop", "ha-service-start"];

let lb1: ConformanceHost;
let lb2: ConformanceHost;
let pool: SshPool;
const vips: { address: string; release(): void }[] = [];
let sudoers: { remove(): void } | null = null;

function clusterOf(ha: "heartbeat" | "keepalived", vip: string): ClusterSpec {
  return ClusterSpec.parse({
    id: `lbconf-${ha}`,
    servers: [{ name: "A" }, { name: "B" }],
    hosts: [lb1.spec("lb", "A"), lb2.spec("lb", "B")],
    balancer: { vip, ha },
  });
}

function exec(cluster: ClusterSpec, host: ConformanceHost, line: string): Promise<ExecResult> {
  const spec = cluster.hosts.find((h) => h.address === host.address);
  if (!spec) throw new Error(`${host.name} is not in the cluster`);
  return pool.exec(targetOf(cluster, spec), line, { purpose: { kind: "test" }, timeoutMs: 60_000 });
}

async function read(collector: ClusterCollector, cluster: ClusterSpec): Promise<ClusterState> {
  await collector.pollOnce();
  return stateOf(cluster, collector.snapshot());
}

const balancer = (s: ClusterState, name: string): BalancerState => {
  const b = s.balancers.find((x) => x.name === name);
  if (!b) throw new Error(`no ${name}`);
  return b;
};

/** reads until `ok` holds for the console's state, within the deadline; returns that state */
async function until(collector: ClusterCollector, cluster: ClusterSpec, what: string, timeoutMs: number, ok: (s: ClusterState) => boolean): Promise<ClusterState> {
  let last: ClusterState | null = null;
  await waitUntil(what, timeoutMs, async () => {
    last = await read(collector, cluster);
    return ok(last);
  }).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last read: ${JSON.stringify(last?.balancers.map((b) => ({ name: b.name, holdsVip: b.holdsVip, ha: b.ha })))}`);
  });
  if (!last) throw new Error("no reading");
  return last;
}

function install(cluster: ClusterSpec): void {
  sudoers?.remove();
  const rules = sudoersRules(cluster);
  const wanted = [...rules.probes, ...rules.workflows].filter((r) => UNDER_TEST.includes(r.name));
  sudoers = installSudoers("balancer", sudoersLines(lb1.spec("lb", "A").user, wanted));
}

beforeAll(async () => {
  [lb1, lb2] = await Promise.all([startBalancerHost("lb1"), startBalancerHost("lb2")]);
  pool = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 5_000 });
});

afterAll(async () => {
  pool?.closeAll();
  sudoers?.remove();
  await Promise.all([lb1?.stop(), lb2?.stop()]);
  for (const v of vips) v.release();
});

describe("heartbeat 3.0.6", () => {
  let cluster: ClusterSpec;
  let collector: ClusterCollector;
  let vip: string;

  beforeAll(async () => {
    const a = allocateAddress();
    vips.push(a);
    vip = a.address;
    cluster = clusterOf("heartbeat", vip);
    install(cluster);
    writeHeartbeat([lb1, lb2], vip, "lb1");
    collector = new ClusterCollector(cluster, pool);
    const start = workflowCommands.haServiceStart.build(cluster, { service: "heartbeat" });
    expect(start).toBe("sudo -n service heartbeat start");
    // the drill's own start command, through sudo, over sshd, on both at once
    const started = await Promise.all([exec(cluster, lb1, start), exec(cluster, lb2, start)]);
    for (const r of started) expect(r, r.stderr).toMatchObject({ exitCode: 0 });
    await waitUntil("lb1 to hold the VIP", 40_000, async () => (await holders([lb1, lb2], vip)).join() === "lb1");
  });

  afterAll(async () => {
    for (const h of [lb1, lb2]) await h.run(["service", "heartbeat", "stop"], { timeoutMs: 30_000 });
  });

  it("reads who holds the VIP and both balancers' view of the pair, as the truth has it", async () => {
    const s = await until(collector, cluster, "both heartbeats running and seeing each other", 30_000, (x) =>
      x.balancers.every((b) => b.ha.running === true && b.ha.nodes?.every((n) => n.status === "active")),
    );
    expect(s.vipHolders).toEqual(["lb1"]);
    expect(balancer(s, "lb1").ha).toMatchObject({ stack: "heartbeat", running: true, peerStatus: "active", nodes: expect.arrayContaining([{ name: "lb2", status: "active" }]) });
    expect(findingsOf(s, cluster).filter((f) => f.tier === "balancer" && /ha-|vip-/.test(f.rule))).toEqual([]);
  });

  it("the drill's stop moves the VIP to lb2, and the console says heartbeat is not running on lb1 (cl_status exit 1), not a broken link", async () => {
    const stop = workflowCommands.haServiceStop.build(cluster, { service: "heartbeat" });
    expect(stop).toBe("sudo -n service heartbeat stop");
    const r = await exec(cluster, lb1, stop);
    expect(r, r.stderr).toMatchObject({ exitCode: 0 });
    await waitUntil("lb2 to take the VIP", 20_000, async () => (await holders([lb1, lb2], vip)).join() === "lb2");
    const s = await until(collector, cluster, "heartbeat stopped on lb1 and lb2 seeing it dead", 20_000, (x) => balancer(x, "lb1").ha.running === false && balancer(x, "lb2").ha.peerStatus === "dead");
    expect(s.vipHolders).toEqual(["lb2"]);
    expect(balancer(s, "lb1").ha.detail).toBe("hb_api_signon: Can't initiate connection to heartbeat");
    const found = findingsOf(s, cluster);
    expect(found.find((f) => f.id === "ha-stopped:lb1")).toMatchObject({ severity: "warning", message: "heartbeat is not running on lb1: it would not take over the VIP" });
    expect(found.map((f) => f.id)).not.toContain("ha-peer-dead:lb2");
    // exit 1 is an answer now: no "could not read cl-status" problem
    expect(s.hosts.find((h) => h.name === "lb1")?.problems.filter((p) => p.probe === "cl-status")).toEqual([]);
  });

  it("the drill's start brings heartbeat back; with auto_failback off the VIP stays on lb2", async () => {
    const r = await exec(cluster, lb1, workflowCommands.haServiceStart.build(cluster, { service: "heartbeat" }));
    expect(r, r.stderr).toMatchObject({ exitCode: 0 });
    await until(collector, cluster, "heartbeat running again on lb1", 30_000, (x) => balancer(x, "lb1").ha.running === true && balancer(x, "lb2").ha.peerStatus === "active");
    expect(await holders([lb1, lb2], vip)).toEqual(["lb2"]);
  });

  it("a crashed heartbeat on the VIP holder: the console says it is not running there while it keeps the VIP", async () => {
    expect(crash(lb2, /^heartbeat: master control process/).length).toBe(1);
    // lb1 takes the VIP after deadtime (5 s); lb2 keeps it on its interface: both hold it, as on a real pair
    await waitUntil("lb1 to take the VIP too", 30_000, async () => (await holders([lb1, lb2], vip)).join() === "lb1,lb2");
    const s = await until(collector, cluster, "heartbeat read as not running on lb2", 20_000, (x) => balancer(x, "lb2").ha.running === false && balancer(x, "lb1").ha.peerStatus === "dead");
    const found = findingsOf(s, cluster);
    expect(found.find((f) => f.id === "ha-stopped:lb2")).toMatchObject({ severity: "critical", message: "heartbeat is not running on lb2, which holds the VIP: failover is broken" });
    expect(found.find((f) => f.id === "vip-split-brain:cluster")?.severity).toBe("critical");
    expect(found.map((f) => f.id)).not.toContain("ha-peer-dead:lb1");
  });
});

describe("keepalived 2.2.7", () => {
  let cluster: ClusterSpec;
  let collector: ClusterCollector;
  let vip: string;
  const routerId = 1 + (process.pid % 254);

  const configure = (lb1Options: { nopreempt?: boolean } = {}) => {
    writeKeepalived(lb1, lb2, vip, routerId, { priority: 150, ...lb1Options });
    writeKeepalived(lb2, lb1, vip, routerId, { priority: 100 });
  };

  beforeAll(async () => {
    const a = allocateAddress();
    vips.push(a);
    vip = a.address;
    cluster = clusterOf("keepalived", vip);
    install(cluster);
    configure();
    collector = new ClusterCollector(cluster, pool);
    const start = workflowCommands.haServiceStart.build(cluster, { service: "keepalived" });
    expect(start).toBe("sudo -n service keepalived start");
    for (const r of await Promise.all([exec(cluster, lb1, start), exec(cluster, lb2, start)])) expect(r, r.stderr).toMatchObject({ exitCode: 0 });
    await waitUntil("lb1 (priority 150) to hold the VIP", 20_000, async () => (await holders([lb1, lb2], vip)).join() === "lb1");
  });

  afterAll(async () => {
    for (const h of [lb1, lb2]) await h.run(["service", "keepalived", "stop"], { timeoutMs: 30_000 });
  });

  it("reads MASTER and BACKUP as keepalived recorded them, and the priorities from keepalived.conf", async () => {
    const s = await until(collector, cluster, "MASTER on lb1, BACKUP on lb2", 15_000, (x) => balancer(x, "lb1").ha.vrrp?.state === "MASTER" && balancer(x, "lb2").ha.vrrp?.state === "BACKUP");
    expect(s.vipHolders).toEqual(["lb1"]);
    expect(balancer(s, "lb1").ha).toMatchObject({
      stack: "keepalived",
      running: true,
      vrrp: { instance: "VI_CD", state: "MASTER", priority: 150, configured: { initialState: "BACKUP", priority: 150, nopreempt: false, preemptDelay: 0, advertInt: 1 } },
    });
    expect(findingsOf(s, cluster).filter((f) => /^(ha-|vip-)/.test(f.rule))).toEqual([]);
  });

  it("a failing track script puts lb1 in FAULT: lb2 takes the VIP and the console raises it", async () => {
    fs.rmSync(lb1.path("/etc/keepalived/healthy"));
    await waitUntil("lb2 to take the VIP", 15_000, async () => (await holders([lb1, lb2], vip)).join() === "lb2");
    const s = await until(collector, cluster, "FAULT read on lb1", 15_000, (x) => balancer(x, "lb1").ha.vrrp?.state === "FAULT" && balancer(x, "lb2").ha.vrrp?.state === "MASTER");
    expect(findingsOf(s, cluster).find((f) => f.id === "ha-fault:lb1")).toMatchObject({
      severity: "warning",
      message: expect.stringMatching(/^keepalived on lb1 is in FAULT \(VI_CD since \d\d:\d\d:\d\d UTC\): a track script or its interface fails, so it would not take over the VIP$/),
    });
  });

  it("preemption: healthy again, lb1 takes the VIP back as the console said it would", async () => {
    const before = await read(collector, cluster);
    const predicted = vipReturn(cluster, balancer(before, "lb1"), balancer(before, "lb2"));
    expect(predicted).toMatchObject({ returnsTo: "lb1", afterSeconds: 3.4, known: true });
    fs.writeFileSync(lb1.path("/etc/keepalived/healthy"), "");
    const healed = Date.now();
    const back = await waitUntil("lb1 to take the VIP back", 20_000, async () => (await holders([lb1, lb2], vip)).join() === "lb1");
    // the track script's rise (1 s), then BACKUP waits out master_down_interval: 3 × 1 + (256 − 150)/256 s
    expect((back - healed) / 1000).toBeGreaterThan(predicted.afterSeconds ?? 0);
    expect((back - healed) / 1000).toBeLessThan((predicted.afterSeconds ?? 0) + 5);
    await until(collector, cluster, "MASTER on lb1 again", 15_000, (x) => balancer(x, "lb1").ha.vrrp?.state === "MASTER");
  });

  it("the drill's stop and start: keepalived preempts, the VIP comes back to lb1", async () => {
    expect((await exec(cluster, lb1, workflowCommands.haServiceStop.build(cluster, { service: "keepalived" }))).exitCode).toBe(0);
    await waitUntil("lb2 to take the VIP", 15_000, async () => (await holders([lb1, lb2], vip)).join() === "lb2");
    const stopped = await until(collector, cluster, "keepalived stopped on lb1", 15_000, (x) => balancer(x, "lb1").ha.running === false);
    expect(balancer(stopped, "lb1").ha.vrrp?.state).toBe("STOP");
    expect(findingsOf(stopped, cluster).find((f) => f.id === "ha-stopped:lb1")?.message).toBe("keepalived is not running on lb1: it would not take over the VIP");
    expect((await exec(cluster, lb1, workflowCommands.haServiceStart.build(cluster, { service: "keepalived" }))).exitCode).toBe(0);
    await waitUntil("lb1 to take the VIP back", 20_000, async () => (await holders([lb1, lb2], vip)).join() === "lb1");
  });

  it("with nopreempt on lb1 the VIP stays on lb2 after the restart, as the console predicts", async () => {
    configure({ nopreempt: true });
    expect((await exec(cluster, lb1, workflowCommands.haServiceStop.build(cluster, { service: "keepalived" }))).exitCode).toBe(0);
    await waitUntil("lb2 to take the VIP", 15_000, async () => (await holders([lb1, lb2], vip)).join() === "lb2");
    // the init script's stop only signals; a start before keepalived has exited finds it still there and does nothing
    await until(collector, cluster, "keepalived stopped on lb1", 15_000, (x) => balancer(x, "lb1").ha.running === false);
    expect((await exec(cluster, lb1, workflowCommands.haServiceStart.build(cluster, { service: "keepalived" }))).exitCode).toBe(0);
    const s = await until(collector, cluster, "lb1 BACKUP with nopreempt read", 15_000, (x) => balancer(x, "lb1").ha.vrrp?.state === "BACKUP" && balancer(x, "lb1").ha.vrrp?.configured?.nopreempt === true);
    expect(vipReturn(cluster, balancer(s, "lb1"), balancer(s, "lb2"))).toMatchObject({ returnsTo: null, known: true });
    // longer than the 3.4 s after which lb1 took it back without nopreempt
    const since = Date.now();
    await waitUntil("6 s with the VIP staying on lb2", 10_000, async () => {
      expect(await holders([lb1, lb2], vip)).toEqual(["lb2"]);
      return Date.now() - since > 6_000;
    });
  });

  it("a crashed keepalived (SIGKILL to every process): not running, its last record MASTER, the VIP left on its interface", async () => {
    // lb2 holds the VIP now; kill it outright, as a crash or the OOM killer would
    expect(crash(lb2, /^\/usr\/sbin\/keepalived/).length).toBeGreaterThan(0);
    await waitUntil("lb1 to take the VIP too", 20_000, async () => (await holders([lb1, lb2], vip)).join() === "lb1,lb2");
    const s = await until(collector, cluster, "keepalived read as not running on lb2", 15_000, (x) => balancer(x, "lb2").ha.running === false);
    expect(balancer(s, "lb2").ha).toMatchObject({ running: false, detail: "last recorded MASTER" });
    const found = findingsOf(s, cluster);
    expect(found.find((f) => f.id === "ha-stopped:lb2")?.severity).toBe("critical");
    expect(found.find((f) => f.id === "vip-split-brain:cluster")?.severity).toBe("critical");
  });
});
