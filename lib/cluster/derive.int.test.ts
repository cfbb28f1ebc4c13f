import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterCollector } from "@/lib/cluster/collector";
import { stateOf } from "@/lib/cluster/derive";
import type { ClusterState } from "@/lib/cluster/state";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { type TestLab, startTestLab } from "@/test/support/lab";

// The console's typed view of every tier, held against the lab's own /truth at sampled moments
// while synthetic users keep the cluster busy, and through faults.

interface Truth {
  balancers: { vipHolders: string[]; nodes: { vm: string; services: { address: string; reals: { address: string; weight: number }[] }[] }[] };
  tiers: {
    web: { maintenance: boolean; nodes: Record<string, { apacheRunning: boolean; serves: { version: string; release: string } | null; nfsMounted: boolean }> };
    storage: { nodes: Record<string, { role: string; disk: string; connection: string; exported: boolean; holdsNfsAddress: boolean }> };
    database: {
      servers: Record<string, { readOnly: boolean; superReadOnly: boolean; replica: { ioThread: string; sqlThread: string; lastSqlErrno: number; secondsBehind: number | null } | null }>;
    };
  };
}

let t: TestLab;
let cluster: ClusterSpec;
let collector: ClusterCollector;
const control = (method: string, route: string, body?: unknown) => t.control(method, route, body);

/** Poll twice (some probes adapt to the first answer), then read the state. */
async function observe(): Promise<ClusterState> {
  await collector.pollOnce();
  return stateOf(cluster, await collector.pollOnce());
}

async function until(ok: (s: ClusterState) => boolean, timeoutMs: number): Promise<ClusterState> {
  const deadline = Date.now() + timeoutMs;
  let state = await observe();
  while (!ok(state) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    state = await observe();
  }
  return state;
}

function expectMatchesTruth(state: ClusterState, truth: Truth): void {
  expect(state.vipHolders).toEqual(truth.balancers.vipHolders);
  for (const b of state.balancers) {
    const node = truth.balancers.nodes.find((n) => n.vm === b.name);
    const reals = node?.services.find((s) => s.address === `${cluster.balancer.vip}:80`)?.reals ?? [];
    expect(b.realServers.map((r) => [`${r.address}:${r.port}`, r.weight]), b.name).toEqual(reals.map((r) => [r.address, r.weight]));
  }
  for (const w of state.web) {
    const t = truth.tiers.web.nodes[w.name];
    expect(w.apache.active, w.name).toBe(t?.apacheRunning);
    expect(w.moodle?.version, w.name).toBe(t?.serves?.version);
    expect(w.moodle?.release, w.name).toBe(t?.serves?.release);
    expect(w.nfs?.mounted, w.name).toBe(t?.nfsMounted);
    if (w.maintenance === null) {
      // Unknown, never "off", when the dataroot cannot be entered (a stale NFS mount).
      const problem = state.hosts.find((h) => h.name === w.name)?.problems.find((p) => p.probe === "moodle-maintenance");
      expect(problem?.problem, w.name).toMatch(/Stale file handle|exit/);
    } else {
      expect(w.maintenance, w.name).toBe(truth.tiers.web.maintenance);
    }
  }
  for (const s of state.storage) {
    const t = truth.tiers.storage.nodes[s.name];
    const r0 = s.drbd.find((r) => r.resource === "r0");
    expect([r0?.role, r0?.disk, r0?.peers[0]?.connection], s.name).toEqual([t?.role, t?.disk, t?.connection]);
    expect((s.exports ?? []).length > 0, s.name).toBe(t?.exported);
    expect(s.holdsNfsAddress, s.name).toBe(t?.holdsNfsAddress);
  }
  for (const d of state.databases) {
    const t = truth.tiers.database.servers[d.name];
    expect(d.readOnly, d.name).toBe(t?.readOnly);
    // MariaDB (the lab's default flavour) has no super_read_only: the console does not ask
    expect(d.superReadOnly, d.name).toBe(d.version?.includes("MariaDB") ? null : t?.superReadOnly);
    expect(d.replication?.isReplica, d.name).toBe(t?.replica !== null);
    if (t?.replica) {
      expect(d.replication?.channel?.ioRunning, d.name).toBe(t.replica.ioThread);
      expect(d.replication?.channel?.sqlRunning, d.name).toBe(t.replica.sqlThread);
    }
  }
}

/**
 * The lab keeps moving (failovers run on their own timers), so a poll and the /truth read after it
 * can straddle a change: compare at a moment when both agree, trying a few times before failing.
 */
async function expectSettledMatch(): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 6; attempt++) {
    const state = await observe();
    const truth = (await control("GET", "/truth")) as Truth;
    try {
      expectMatchesTruth(state, truth);
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw lastError;
}

beforeAll(async () => {
  t = await startTestLab({ seed: 11, speed: 5 });
  ({ cluster, collector } = t);
});

afterAll(async () => {
  await t?.stop();
});

describe("the console's view against the lab's truth", () => {
  it("reads every probe on every host without a problem", async () => {
    const state = await observe();
    for (const h of state.hosts) expect(h.problems, h.name).toEqual([]);
    expect(state.hosts.every((h) => h.clockOffsetSeconds !== null && Math.abs(h.clockOffsetSeconds) < 1)).toBe(true);
    expect(state.web.every((w) => w.codeFingerprint?.startsWith("sha1:"))).toBe(true);
    expect(new Set(state.web.map((w) => w.codeFingerprint)).size).toBe(1);
    expect(state.web.every((w) => w.sessionHandler === "file" && w.fileSessions !== null)).toBe(true);
    const active = state.balancers.find((b) => b.holdsVip);
    expect(active?.realServers.every((r) => r.counters !== null && r.rates !== null)).toBe(true);
    expect(active?.config?.reals.map((r) => r.weight)).toEqual([1, 1]);
    expect(state.databases.find((d) => d.name === "db2")?.heartbeatLagSeconds).not.toBeNull();
  });

  it("matches /truth at sampled moments under traffic", async () => {
    for (let i = 0; i < 3; i++) {
      const state = await observe();
      const truth = (await control("GET", "/truth")) as Truth;
      expectMatchesTruth(state, truth);
      await new Promise((r) => setTimeout(r, 700));
    }
  });

  it("sees replication broken with its error, and repaired", async () => {
    await control("POST", "/faults", { kind: "replication-break", target: "db2" });
    try {
      const broken = await until((s) => s.databases.find((d) => d.name === "db2")?.replication?.channel?.sqlRunning === "No", 15_000);
      const channel = broken.databases.find((d) => d.name === "db2")?.replication?.channel;
      expect(channel).toMatchObject({ sqlRunning: "No", lastSqlErrno: 1062, secondsBehind: null });
      await expectSettledMatch();
    } finally {
      await control("POST", "/faults/clear", { kind: "replication-break", target: "db2" });
    }
    const repaired = await until((s) => s.databases.find((d) => d.name === "db2")?.replication?.channel?.sqlRunning === "Yes", 15_000);
    expect(repaired.databases.find((d) => d.name === "db2")?.replication?.channel?.sqlRunning).toBe("Yes");
  });

  it("sees DRBD disconnected while the link between the servers is cut", async () => {
    await control("POST", "/faults", { kind: "link-cut", target: "" });
    try {
      const cut = await until((s) => s.storage.every((f) => f.drbd[0]?.peers[0]?.connection !== "Connected"), 20_000);
      for (const f of cut.storage) expect(f.drbd[0]?.peers[0]?.connection, f.name).not.toBe("Connected");
      await expectSettledMatch();
    } finally {
      await control("POST", "/faults/clear", { kind: "link-cut", target: "" });
    }
  });
});
