import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startLab } from "@/lab/index";
import type { Operator } from "@/lib/auth/sessions";
import type * as DbModule from "@/lib/db";
import type * as Service from "@/lib/workflows/service";
import type { RunStatus, RunView } from "@/lib/workflows/types";
import { migratedDatabase } from "@/test/support/database";
import { pollUntil } from "@/test/support/lab";

// The harness for workflow tests: the lab on free ports, the console's engine, collectors and SQLite
// in this process (as `next start` runs them), and the helpers a test drives runs with.

export const operator: Operator = { id: "op", username: "olga", role: "operator" };
export const admin: Operator = { id: "ad", username: "ada", role: "admin" };

export interface BalancerTruth {
  vm: string;
  holdsVip: boolean;
  heartbeat: string;
  services: { reals: { address: string; weight: number }[] }[];
}

export interface Truth {
  balancers: { vipHolders: string[]; nodes: BalancerTruth[] };
  tiers: {
    web: { nodes: Record<string, { serves: { version: string; release: string } | null; maintenanceFlag: boolean; opcacheResetAt: number | null }> };
    database: { servers: Record<string, { mdlConfigVersion: string | null }> };
  };
  vms: { name: string; power: string; up: boolean }[];
}

export interface WorkflowLab {
  lab: Awaited<ReturnType<typeof startLab>>;
  service: typeof Service;
  db: typeof DbModule.db;
  control(method: string, route: string, body?: unknown): Promise<unknown>;
  truth(): Promise<Truth>;
  run(runId: string): Promise<RunView>;
  untilStatus(runId: string, statuses: RunStatus[], timeoutMs?: number): Promise<RunView>;
  /** wait until the first step whose key starts with `keyPrefix` is in one of `statuses`; its index */
  untilStep(runId: string, keyPrefix: string, statuses: string[], timeoutMs?: number): Promise<number>;
  /** approve every approval and end every wait until the run finishes */
  clickThrough(runId: string, timeoutMs?: number): Promise<RunView>;
  stop(): Promise<void>;
}

export async function startWorkflowLab(options: { seed: number; speed: number }): Promise<WorkflowLab> {
  const database = migratedDatabase();
  const labDir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-wf-lab-"));
  const lab = await startLab({ dir: labDir, ...options, basePort: 0, controlPort: 0, httpPort: 0, quiet: true });
  process.env.DATABASE_URL = database.url;
  process.env.CLUSTERDECK_INVENTORY = lab.inventoryPath;
  const db = (await import("@/lib/db")).db;
  const service = await import("@/lib/workflows/service");
  const collectors = (await import("@/lib/cluster")).ensureCollectors();
  // the first full poll of every host
  await pollUntil(
    async () => collectors.get("lab")?.snapshot(),
    (s) => s !== undefined && s.hosts.every((h) => h.lastAttemptAt !== null),
    20_000,
  );
  await new Promise((r) => setTimeout(r, 2500));

  async function control(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${lab.controlUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${lab.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return res.json();
  }
  const run = (runId: string) => service.getRunView("lab", runId);

  return {
    lab,
    service,
    db,
    control,
    truth: () => control("GET", "/truth") as Promise<Truth>,
    run,
    async untilStatus(runId, statuses, timeoutMs = 60_000) {
      const v = await pollUntil(() => run(runId), (r) => statuses.includes(r.status), timeoutMs, 200);
      if (!statuses.includes(v.status)) throw new Error(`run ${runId} is ${v.status}, not ${statuses.join("/")}: ${JSON.stringify(v.steps.map((s) => [s.title, s.status, s.message]))}`);
      return v;
    },
    async untilStep(runId, keyPrefix, statuses, timeoutMs = 60_000) {
      const v = await pollUntil(
        () => run(runId),
        (r) => r.steps.some((s) => s.key.startsWith(keyPrefix) && statuses.includes(s.status)) || !["running", "waiting"].includes(r.status),
        timeoutMs,
        100,
      );
      const step = v.steps.find((s) => s.key.startsWith(keyPrefix) && statuses.includes(s.status));
      if (!step) throw new Error(`step ${keyPrefix} never reached ${statuses.join("/")}; run ${v.status}: ${v.outcome}`);
      return step.index;
    },
    async clickThrough(runId, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await run(runId);
        if (!["running", "waiting"].includes(v.status)) return v;
        for (const s of v.steps) {
          if (s.kind === "approval" && s.status === "waiting" && !s.approval?.approvedBy) await service.approveStep(runId, s.index, operator);
          if (s.kind === "wait" && s.status === "running" && s.wait?.canFinishEarly) await service.finishWaitEarly(runId, s.index, operator).catch(() => undefined);
        }
        if (Date.now() > deadline) throw new Error(`run ${runId} still ${v.status} at ${v.steps.find((s) => s.index === v.currentStep)?.title}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      const { ensureCollectors } = await import("@/lib/cluster");
      for (const c of ensureCollectors().values()) c.stop();
      (await import("@/lib/ssh")).sshPool().closeAll();
      await lab.stop();
      await db.$disconnect();
      for (const d of [database.dir, labDir]) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}
