// `npm run bench`: how long one full snapshot takes, against the lab and against real OpenSSH
// sshd hosts on loopback, beside the raw floor of ssh2 running the same commands unparsed.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "ssh2";
import { startLab } from "@/lab/index";
import { ClusterCollector } from "@/lib/cluster/collector";
import { probePlan } from "@/lib/cluster/plan";
import { readInventoryFile } from "@/lib/inventory/load";
import type { ClusterSpec, HostSpec } from "@/lib/inventory/schema";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import { type TestSshd, startSshd } from "@/test/support/sshd";

const RUNS = Math.max(20, Number(process.env.BENCH_RUNS ?? 30));
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

async function rawFloor(cluster: ClusterSpec, label: string): Promise<Figures[]> {
  const hosts = await Promise.all(cluster.hosts.map(async (h) => ({ spec: h, raw: await RawHost.connect(h) })));
  const commands = new Map(hosts.map(({ spec }) => [spec.name, probePlan(cluster, spec).map((p) => p.command)]));
  try {
    const perCommand = await measure(`${label}: raw ssh2, one channel per command`, () =>
      Promise.all(hosts.map(({ spec, raw }) => Promise.all((commands.get(spec.name) ?? []).map((c) => raw.exec(c))))),
    );
    const perHost = await measure(`${label}: raw ssh2, one exec per host`, () =>
      Promise.all(hosts.map(({ spec, raw }) => raw.exec((commands.get(spec.name) ?? []).join("; ")))),
    );
    return [perCommand, perHost];
  } finally {
    for (const { raw } of hosts) raw.client.end();
  }
}

async function snapshotFigures(cluster: ClusterSpec, label: string): Promise<Figures> {
  const pool = new SshPool(() => undefined, defaultConnectionOptions);
  const collector = new ClusterCollector(cluster, pool);
  try {
    const first = await collector.pollOnce();
    const down = first.hosts.filter((h) => !h.reachable);
    if (down.length > 0) throw new Error(`${label}: unreachable: ${down.map((h) => `${h.name} (${h.error})`).join(", ")}`);
    return await measure(`${label}: ClusterDeck full snapshot (probes + parse)`, () => collector.pollOnce());
  } finally {
    pool.closeAll();
  }
}

function sshdCluster(sshds: TestSshd[]): ClusterSpec {
  const layout: [string, HostSpec["role"], string][] = [
    ["lb1", "lb", "A"], ["web1", "web", "A"], ["fs1", "fs", "A"], ["db1", "db", "A"],
    ["lb2", "lb", "B"], ["web2", "web", "B"], ["fs2", "fs", "B"], ["db2", "db", "B"],
  ];
  const hosts = sshds.map((s, i) => {
    const [name, role, server] = layout[i % layout.length] ?? ["h", "web", "A"];
    return {
      name: sshds.length > layout.length ? `${name}-${Math.floor(i / layout.length)}` : name,
      role,
      server,
      address: "127.0.0.1",
      port: s.port,
      user: s.user,
      auth: { keyFile: s.clientKeyFile },
      hostKeys: [s.hostKeyFingerprint],
    };
  });
  const text = JSON.stringify({ clusters: [{ id: "sshd", servers: [{ name: "A" }, { name: "B" }], hosts, balancer: { vip: "203.0.113.10" } }] });
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
  const rows: Figures[] = [];
  const labDir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-bench-lab-"));
  const lab = await startLab({ dir: labDir, seed: 1, speed: 1, basePort: 0, controlPort: 0, quiet: true });
  try {
    const inv = readInventoryFile(lab.inventoryPath);
    if (!inv.ok) throw new Error(`lab inventory invalid: ${JSON.stringify(inv.problems)}`);
    const cluster = inv.inventory.clusters[0];
    if (!cluster) throw new Error("lab inventory has no cluster");
    rows.push(await snapshotFigures(cluster, "lab, 8 hosts"));
    rows.push(...(await rawFloor(cluster, "lab, 8 hosts")));
  } finally {
    await lab.stop();
  }

  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-bench-key-"));
  const clientKeyFile = path.join(clientDir, "client_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", clientKeyFile]);
  const sshds = await Promise.all(Array.from({ length: 8 }, () => startSshd({ clientKeyFile })));
  try {
    const cluster = sshdCluster(sshds);
    rows.push(await snapshotFigures(cluster, "sshd, 8 hosts"));
    rows.push(...(await rawFloor(cluster, "sshd, 8 hosts")));
  } finally {
    await Promise.all(sshds.map((s) => s.stop()));
  }

  print(rows);
  const floor = rows.find((r) => r.label === "sshd, 8 hosts: raw ssh2, one exec per host");
  const ours = rows.find((r) => r.label === "sshd, 8 hosts: ClusterDeck full snapshot (probes + parse)");
  if (floor && ours) console.log(`\nsshd: ClusterDeck / raw one-exec-per-host floor = ${(ours.median / floor.median).toFixed(2)}× (median)`);
  try {
    execFileSync("which", ["ansible"], { stdio: "ignore" });
    console.log("ansible is installed but not benchmarked yet");
  } catch {
    console.log("ansible: not installed here, skipped");
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
