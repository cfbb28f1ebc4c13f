// `npm run bench`: the timeline over a year of events (bench/timeline.ts), then how long one full snapshot
// takes, against the lab and against real OpenSSH sshd hosts on loopback, beside the raw floor of ssh2 running the same commands unparsed.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "ssh2";
import { startLab } from "@/lab/index";
import { ClusterCollector } from "@/lib/cluster/collector";
import { stateOf } from "@/lib/cluster/derive";
import { findingsOf } from "@/lib/cluster/findings";
import { probePlan } from "@/lib/cluster/plan";
import { verdictOf } from "@/lib/cluster/verdict";
import { readInventoryFile } from "@/lib/inventory/load";
import type { ClusterSpec, HostSpec } from "@/lib/inventory/schema";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import { type TestSshd, leanAccount, startSshd } from "@/test/support/sshd";
import { detectionBench } from "./detection";
import { fingerprintBench } from "./fingerprint";
import { timelineBench } from "./timeline";

const RUNS = Math.max(20, Number(process.env.BENCH_RUNS ?? 30));
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const SOAK_HOSTS = 64;
const WARMUP = 3;

interface Figures {
  label: string;
  median: number;
  p95: number;
  runs: number;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

async function measure(label: string, fn: () => Promise<unknown>): Promise<Figures> {
  process.stderr.write(`measuring ${label}…\n`);
  for (let i = 0; i < WARMUP; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { label, median: percentile(times, 50), p95: percentile(times, 95), runs: RUNS };
}

/** ssh2 with nothing of ours on top: persistent connections, TCP_NODELAY, no parsing. */
class RawHost {
  private constructor(readonly client: Client) {}

  static connect(host: HostSpec): Promise<RawHost> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: host.address, port: host.port }, () => {
        sock.setNoDelay(true);
        const client = new Client();
        client.on("ready", () => resolve(new RawHost(client)));
        client.on("error", reject);
        const keyFile = "keyFile" in host.auth ? host.auth.keyFile : "";
        client.connect({ sock, username: host.user, privateKey: fs.readFileSync(keyFile), hostVerifier: () => true });
      });
      sock.once("error", reject);
    });
  }

  exec(command: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, ch) => {
        if (err) return reject(err);
        ch.on("data", () => undefined);
        ch.stderr.on("data", () => undefined);
        ch.on("close", () => resolve());
      });
    });
  }
}

async function rawFloor(clusters: ClusterSpec[], label: string): Promise<Figures[]> {
  const hosts = await Promise.all(
    clusters.flatMap((cluster) => cluster.hosts.map(async (h) => ({ spec: h, raw: await RawHost.connect(h), commands: probePlan(cluster, h).map((p) => p.command) }))),
  );
  try {
    const perCommand = await measure(`${label}: raw ssh2, one channel per command`, () =>
      Promise.all(hosts.map(({ raw, commands }) => Promise.all(commands.map((c) => raw.exec(c))))),
    );
    const perHost = await measure(`${label}: raw ssh2, one exec per host`, () =>
      Promise.all(hosts.map(({ raw, commands }) => raw.exec(commands.join("; ")))),
    );
    return [perCommand, perHost];
  } finally {
    for (const { raw } of hosts) raw.client.end();
  }
}

/** One full snapshot as the console makes it: every probe on every host, parsed, state and findings derived. */
async function fullSnapshot(collector: ClusterCollector, cluster: ClusterSpec): Promise<void> {
  const state = stateOf(cluster, await collector.pollOnce());
  findingsOf(state, cluster);
  verdictOf(state, cluster);
}

async function snapshotFigures(clusters: ClusterSpec[], label: string): Promise<Figures> {
  const pool = new SshPool(() => undefined, defaultConnectionOptions);
  const collectors = clusters.map((cluster) => ({ cluster, collector: new ClusterCollector(cluster, pool) }));
  try {
    const first = await Promise.all(collectors.map(({ collector }) => collector.pollOnce()));
    const down = first.flatMap((snap) => snap.hosts.filter((h) => !h.reachable));
    if (down.length > 0) throw new Error(`${label}: unreachable: ${down.map((h) => `${h.name} (${h.error})`).join(", ")}`);
    return await measure(`${label}: ClusterDeck full snapshot (probes, parse, findings)`, () =>
      Promise.all(collectors.map(({ cluster, collector }) => fullSnapshot(collector, cluster))),
    );
  } finally {
    pool.closeAll();
  }
}

/** The console polling every 2 s as it does in production; memory sampled to show it stays flat. */
async function soak(clusters: ClusterSpec[]): Promise<void> {
  if (SOAK_SECONDS <= 0) return;
  const pool = new SshPool(() => undefined, defaultConnectionOptions);
  const collectors = clusters.map((cluster) => ({ cluster, collector: new ClusterCollector({ ...cluster, pollIntervalSeconds: 2 }, pool) }));
  const samples: { t: number; heapMb: number; rssMb: number }[] = [];
  const started = Date.now();
  const sample = () => {
    global.gc?.();
    const m = process.memoryUsage();
    samples.push({ t: (Date.now() - started) / 1000, heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 });
  };
  for (const { collector } of collectors) collector.start();
  const ticker = setInterval(() => {
    for (const { cluster, collector } of collectors) {
      const state = stateOf(cluster, collector.snapshot());
      findingsOf(state, cluster);
      verdictOf(state, cluster);
    }
  }, 2_000);
  try {
    const hostCount = clusters.reduce((n, c) => n + c.hosts.length, 0);
    console.log(`\nmemory while polling ${hostCount} sshd hosts every 2 s for ${SOAK_SECONDS} s (set BENCH_SOAK_SECONDS to change):`);
    const every = Math.max(5, Math.round(SOAK_SECONDS / 20));
    for (let elapsed = 0; elapsed < SOAK_SECONDS; elapsed += every) {
      await new Promise((r) => setTimeout(r, every * 1000));
      sample();
      const last = samples[samples.length - 1];
      if (last) console.log(`  ${last.t.toFixed(0).padStart(5)} s   heap ${last.heapMb.toFixed(1).padStart(7)} MB   rss ${last.rssMb.toFixed(1).padStart(7)} MB`);
    }
  } finally {
    clearInterval(ticker);
    for (const { collector } of collectors) collector.stop();
    pool.closeAll();
  }
  // Compare the second quarter with the last (the first includes warm-up allocations).
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const avg = (xs: typeof samples) => xs.reduce((a, x) => a + x.heapMb, 0) / Math.max(1, xs.length);
  const early = avg(samples.slice(quarter, 2 * quarter));
  const late = avg(samples.slice(-quarter));
  const growth = early > 0 ? (late - early) / early : 0;
  console.log(`  heap, 2nd quarter ${early.toFixed(1)} MB → last quarter ${late.toFixed(1)} MB: ${(growth * 100).toFixed(1)} % (${Math.abs(growth) < 0.1 ? "flat" : "NOT flat"})`);
}

/** Real sshd hosts laid out as clusters of eight VMs, as the inventory requires. */
function sshdClusters(sshds: TestSshd[]): ClusterSpec[] {
  const clusters: ClusterSpec[] = [];
  for (let i = 0; i < sshds.length; i += 8) clusters.push(sshdCluster(sshds.slice(i, i + 8), `sshd${i / 8 + 1}`));
  return clusters;
}

function sshdCluster(sshds: TestSshd[], id: string): ClusterSpec {
  const layout: [string, HostSpec["role"], string][] = [
    ["lb1", "lb", "A"], ["web1", "web", "A"], ["fs1", "fs", "A"], ["db1", "db", "A"],
    ["lb2", "lb", "B"], ["web2", "web", "B"], ["fs2", "fs", "B"], ["db2", "db", "B"],
  ];
  const hosts = sshds.map((s, i) => {
    const [name, role, server] = layout[i % layout.length] ?? ["h", "web", "A"];
    return {
      name,
      role,
      server,
      address: "127.0.0.1",
      port: s.port,
      user: s.user,
      auth: { keyFile: s.clientKeyFile },
      hostKeys: [s.hostKeyFingerprint],
    };
  });
  const text = JSON.stringify({ clusters: [{ id, servers: [{ name: "A" }, { name: "B" }], hosts, balancer: { vip: "203.0.113.10" } }] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-bench-inv-"));
  fs.writeFileSync(path.join(dir, "inventory.yaml"), text);
  const result = readInventoryFile(path.join(dir, "inventory.yaml"));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const cluster = result.inventory.clusters[0];
  if (!cluster) throw new Error("no cluster");
  return cluster;
}

function print(rows: Figures[]): void {
  const width = Math.max(...rows.map((r) => r.label.length));
  console.log(`\n${"".padEnd(width)}   median      p95   (ms, ${RUNS} runs)`);
  for (const r of rows) console.log(`${r.label.padEnd(width)} ${r.median.toFixed(2).padStart(8)} ${r.p95.toFixed(2).padStart(8)}`);
}

async function main(): Promise<void> {
  // a year of events (1M) in SQLite: every timeline query under 100 ms (bench/timeline.ts)
  await timelineBench();
  await detectionBench();
  // the code fingerprint's CPU per poll on a 30,000-file tree, before and now
  await fingerprintBench();
  const rows: Figures[] = [];
  const labDir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-bench-lab-"));
  const lab = await startLab({ dir: labDir, seed: 1, speed: 1, basePort: 0, controlPort: 0, quiet: true });
  try {
    const inv = readInventoryFile(lab.inventoryPath);
    if (!inv.ok) throw new Error(`lab inventory invalid: ${JSON.stringify(inv.problems)}`);
    const cluster = inv.inventory.clusters[0];
    if (!cluster) throw new Error("lab inventory has no cluster");
    rows.push(await snapshotFigures([cluster], "lab, 8 hosts"));
    rows.push(...(await rawFloor([cluster], "lab, 8 hosts")));
  } finally {
    await lab.stop();
  }

  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-bench-key-"));
  const clientKeyFile = path.join(clientDir, "client_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", clientKeyFile]);
  fs.chmodSync(clientDir, 0o755);
  const user = leanAccount();
  const sshds: TestSshd[] = [];
  try {
    for (let i = 0; i < SOAK_HOSTS; i += 8) sshds.push(...(await Promise.all(Array.from({ length: 8 }, () => startSshd({ clientKeyFile, user })))));
    const all = sshdClusters(sshds);
    const eight = all.slice(0, 1);
    rows.push(await snapshotFigures(eight, "sshd, 8 hosts"));
    rows.push(...(await rawFloor(eight, "sshd, 8 hosts")));
    rows.push(await snapshotFigures(all, `sshd, ${sshds.length} hosts`));
    rows.push(...(await rawFloor(all, `sshd, ${sshds.length} hosts`)));
    print(rows);
    for (const n of [8, sshds.length]) {
      const floor = rows.find((r) => r.label === `sshd, ${n} hosts: raw ssh2, one exec per host`);
      const ours = rows.find((r) => r.label.startsWith(`sshd, ${n} hosts: ClusterDeck`));
      if (floor && ours) console.log(`sshd, ${n} hosts: ClusterDeck / raw one-exec-per-host floor = ${(ours.median / floor.median).toFixed(2)}× (median; target ≤ 1.15×)`);
    }
    try {
      execFileSync("which", ["ansible"], { stdio: "ignore" });
      console.log("ansible: installed but not benchmarked yet");
    } catch {
      console.log("ansible: not installed here, skipped");
    }
    await soak(all);
  } finally {
    await Promise.all(sshds.map((s) => s.stop()));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
