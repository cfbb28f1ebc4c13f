import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startLab } from "@/lab/index";
import { ClusterCollector } from "@/lib/cluster/collector";
import { readInventoryFile } from "@/lib/inventory/load";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";

export interface TestLab {
  lab: Awaited<ReturnType<typeof startLab>>;
  /** the cluster as the console reads it from the lab's own inventory */
  cluster: ClusterSpec;
  pool: SshPool;
  collector: ClusterCollector;
  /** the lab's control API (faults, /truth), as the e2e tests use it */
  control(method: string, route: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** The lab on free ports in a temp dir, with the console's collector pointed at it over SSH. */
export async function startTestLab(options: { seed: number; speed: number }): Promise<TestLab> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-lab-"));
  const lab = await startLab({ dir, ...options, basePort: 0, controlPort: 0, quiet: true });
  const inv = readInventoryFile(lab.inventoryPath);
  if (!inv.ok) {
    await lab.stop();
    throw new Error(`the lab's inventory does not validate: ${JSON.stringify(inv.problems, null, 2)}`);
  }
  const cluster = inv.inventory.clusters[0] as ClusterSpec;
  const pool = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 2_000, backoffInitialMs: 100, backoffMaxMs: 1_000 });
  return {
    lab,
    cluster,
    pool,
    collector: new ClusterCollector(cluster, pool),
    async control(method, route, body) {
      const res = await fetch(`${lab.controlUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${lab.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async stop() {
      pool.closeAll();
      await lab.stop();
    },
  };
}

/** Poll `read` until `ok` holds or the time runs out; returns the last value either way. */
export async function pollUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    last = await read();
  }
  return last;
}
