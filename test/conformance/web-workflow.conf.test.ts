import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Operator } from "@/lib/auth/sessions";
import type { ClusterView } from "@/lib/cluster/findings-types";
import { sudoersLines, sudoersRules } from "@/lib/commands/sudoers";
import type * as DbModule from "@/lib/db";
import { ClusterSpec } from "@/lib/inventory/schema";
import type * as Service from "@/lib/workflows/service";
import type { RunView } from "@/lib/workflows/types";
import { DATAROOT, DIRROOT, type MoodleDatabase, type WebNode, moodleDatabase, startWebNode } from "@/test/conformance/support/apache";
import { installSudoers } from "@/test/conformance/support/host";
import { migratedDatabase } from "@/test/support/database";
import { until } from "@/test/conformance/support/wait";

// The maintenance workflow end to end by the workflow engine (lib/workflows/service.ts, as next start runs it)
// on two real web nodes sharing one dataroot as they share NFS: Moodle's CLI (the stand-in) switched through the
// generated sudoers as www-data, the flag verified on every node by the console's own polls.

const CLUSTER = "webwf";
const WWWROOT = "http://moodle.example.test";
const operator: Operator = { id: "op", username: "olga", role: "operator" };
let db: MoodleDatabase;
let nodes: WebNode[] = [];
let workDir: string;
let sudoers: { remove(): void } | null = null;
let service: typeof Service;
let prisma: typeof DbModule.db | null = null;

async function view(): Promise<ClusterView> {
  const { getClusterView } = await import("@/lib/cluster/views");
  return getClusterView(CLUSTER);
}

async function run(params: unknown): Promise<RunView> {
  const id = await service.startWorkflow({ clusterId: CLUSTER, kind: "maintenance", params, overrides: [], acknowledged: true }, operator);
  return until("the run ends", () => service.getRunView(CLUSTER, id), (r) => !["running", "waiting"].includes(r.status), 90_000);
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-conf-webwf-"));
  const shared = path.join(workDir, "moodledata");
  fs.mkdirSync(shared, { mode: 0o2777 });
  db = await moodleDatabase();
  nodes = await Promise.all([
    startWebNode({ name: "wfa", handler: "mod_php", wwwroot: WWWROOT, database: db, sharedDataroot: shared }),
    startWebNode({ name: "wfb", handler: "php-fpm", wwwroot: WWWROOT, database: db, sharedDataroot: shared }),
  ]);
  const [a, b] = nodes;
  if (!a || !b) throw new Error("no web nodes");
  const cluster = ClusterSpec.parse({
    id: CLUSTER,
    servers: [{ name: "A" }, { name: "B" }],
    hosts: [a.host.spec("web", "A"), b.host.spec("web", "B"), db.host.spec("db", "A")],
    balancer: { vip: "192.0.2.10" },
    web: { dirroot: DIRROOT, dataroot: DATAROOT },
    database: { defaultsFile: "/etc/mysql/clusterdeck.cnf", moodleDatabase: db.name, tablePrefix: db.prefix },
  });
  const user = a.host.spec("web", "A").user;
  await db.sql("CREATE USER 'clusterdeck'@'localhost' IDENTIFIED BY 'conformance-monitor'; GRANT SELECT ON moodle.mdl_config TO 'clusterdeck'@'localhost'");
  fs.writeFileSync(db.host.path("/etc/mysql/clusterdeck.cnf"), "[client]\nuser=clusterdeck\npassword=conformance-monitor\nsocket=/run/mysqld/mysqld.sock\n", { mode: 0o600 });
  await db.host.must(["chown", user, "/etc/mysql/clusterdeck.cnf"]);
  const rules = sudoersRules(cluster);
  sudoers = installSudoers("webwf", sudoersLines(user, [...rules.probes, ...rules.workflows].filter((r) => r.roles.includes("web") && /^moodle-/.test(r.name))));

  fs.writeFileSync(path.join(workDir, "inventory.yaml"), stringify({ clusters: [cluster] }));
  process.env.DATABASE_URL = migratedDatabase().url;
  process.env.CLUSTERDECK_INVENTORY = path.join(workDir, "inventory.yaml");
  prisma = (await import("@/lib/db")).db;
  service = await import("@/lib/workflows/service");
  (await import("@/lib/cluster")).ensureCollectors();
  await until("both nodes read, the site setting too", view, (v) => v.state.web.every((w) => w.maintenance === false && w.wwwroot === WWWROOT) && v.state.moodle !== null);
}, 240_000);

afterAll(async () => {
  try {
    const { ensureCollectors } = await import("@/lib/cluster");
    for (const c of ensureCollectors().values()) c.stop();
    (await import("@/lib/ssh")).sshPool().closeAll();
  } catch {
    // nothing started
  }
  await prisma?.$disconnect();
  sudoers?.remove();
  await Promise.all(nodes.map((n) => n.stop()));
  await db?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe("the maintenance workflow on real Apache and PHP, end to end by the workflow engine", () => {
  it("switches on with the operator's page, verified on both nodes; users get 503 with it; then off", async () => {
    const on = await run({ action: "enable", message: "Back at 18:00." });
    expect(on.status, JSON.stringify(on.steps.map((s) => [s.key, s.status, s.message]))).toBe("succeeded");
    for (const n of nodes) {
      const r = await n.request("/login/index.php");
      expect(r.status).toBe(503);
      expect(r.body).toContain("Back at 18:00.");
    }
    const off = await run({ action: "disable" });
    expect(off.status, JSON.stringify(off.steps.map((s) => [s.key, s.status, s.message]))).toBe("succeeded");
    for (const n of nodes) expect((await n.request("/login/index.php")).status).toBe(200);
  });

  it("says before the start that Moodle's own maintenance message replaces the operator's, and it does", async () => {
    await db.sql(`INSERT INTO ${db.name}.${db.prefix}config (name, value) VALUES ('maintenance_message', '<p>Moodle''s own words</p>')`);
    try {
      await until("the setting read", view, (v) => v.state.moodle?.settings.maintenanceMessage === true);
      const plan = await service.previewWorkflow(CLUSTER, "maintenance", { action: "enable", message: "Back at 18:00." }, operator);
      expect(plan.warnings.join("\n")).toContain("Moodle has its own maintenance message (in Site administration > Server > Maintenance mode)");
      const on = await run({ action: "enable", message: "Back at 18:00." });
      expect(on.status).toBe("succeeded");
      const page = await nodes[0]?.request("/login/index.php");
      expect(page?.body).toContain("Moodle's own words");
      expect(page?.body).not.toContain("Back at 18:00.");
    } finally {
      expect((await run({ action: "disable" })).status).toBe("succeeded");
      await db.sql(`DELETE FROM ${db.name}.${db.prefix}config WHERE name = 'maintenance_message'`);
    }
  });

  it("switches off maintenance that was switched on from the web (maintenance_enabled), which the flag file never showed", async () => {
    await db.sql(`INSERT INTO ${db.name}.${db.prefix}config (name, value) VALUES ('maintenance_enabled', '1') ON DUPLICATE KEY UPDATE value = '1'`);
    const on = await until("maintenance seen on", view, (v) => v.state.web.every((w) => w.maintenance === true && w.maintenanceCli === false));
    expect(on.findings.find((f) => f.id === "maintenance-on:cluster")?.message).toContain("switched on in Site administration (maintenance_enabled)");
    const plan = await service.previewWorkflow(CLUSTER, "maintenance", { action: "enable", message: "" }, operator);
    expect(plan.guards.find((g) => g.id === "already-on")?.message).toContain("switched on in Site administration");
    const off = await run({ action: "disable" });
    expect(off.status, JSON.stringify(off.steps.map((s) => [s.key, s.status, s.message]))).toBe("succeeded");
    expect((await db.sql(`SELECT value FROM ${db.name}.${db.prefix}config WHERE name = 'maintenance_enabled'`)).trim()).toBe("0");
    expect((await nodes[1]?.request("/login/index.php"))?.status).toBe(200);
  });
});
