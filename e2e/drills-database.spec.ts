import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

// The database promotion drill from the browser against the lab: db1 → db2 and back, checked
// against the lab's /truth (who takes writes, who replicates from whom, what config.php names).

interface Truth {
  tiers: {
    database: { writable: string[]; servers: Record<string, { readOnly: boolean; replica: { source: string; ioThread: string; sqlThread: string } | null }> };
    web: { nodes: Record<string, { dbhost: string | null }> };
  };
}

const ADDRESS: Record<string, string> = { db1: "192.168.10.18", db2: "192.168.10.28" };

test.describe.configure({ mode: "serial" });

async function gracefulDrill(page: Page, lab: { truth(): Promise<unknown> }, from: string, to: string): Promise<string> {
  await page.goto("/clusters/lab/drills");
  const card = page.getByTestId("workflow-drill-database");
  await card.getByLabel("Mode").selectOption("graceful");
  await card.getByTestId("preview-drill-database").click();
  await expect(card.getByTestId("plan-drill-database")).toBeVisible({ timeout: 30_000 });
  await expect(card.getByTestId("plan-drill-database")).toHaveAttribute("aria-label", `Dry run: Database promotion drill (graceful): ${from} → ${to}`);
  await expect(card.locator('[data-testid^="guard-"][data-ok="false"]')).toHaveCount(0, { timeout: 30_000 });
  await card.getByTestId("warning-ack").check();
  await card.getByTestId("start-run").click();
  await page.waitForURL(/\/workflows\/runs\/[^/]+$/, { timeout: 30_000 });
  const id = page.url().split("/").at(-1) ?? "";
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 180_000 });
  await expect
    .poll(async () => {
      const t = (await lab.truth()) as Truth;
      const old = t.tiers.database.servers[from]?.replica;
      return [t.tiers.database.writable, old?.source, old?.ioThread, old?.sqlThread, Object.values(t.tiers.web.nodes).map((n) => n.dbhost)];
    }, { timeout: 30_000 })
    .toEqual([[to], ADDRESS[to], "Yes", "Yes", [ADDRESS[to], ADDRESS[to]]]);
  await page.goto("/clusters/lab/drills");
  await expect(page.getByTestId(`score-${id}`)).toHaveAttribute("data-passed", "true");
  // anti-flap: the database tier failed over; acknowledge it so the next drill may run
  await page.getByTestId("failover-acks").getByRole("button", { name: "Acknowledge" }).click();
  await expect(page.getByTestId("failover-acks")).toHaveCount(0);
  return id;
}

test("database drill: db2 is promoted gracefully with nothing lost, Moodle follows it, and back to db1", async ({ page, lab }) => {
  test.setTimeout(420_000);
  const before = (await lab.truth()) as Truth;
  expect(before.tiers.database.writable).toEqual(["db1"]);
  await gracefulDrill(page, lab, "db1", "db2");
  await gracefulDrill(page, lab, "db2", "db1");
  expect(((await lab.truth()) as Truth).tiers.database.servers.db2?.replica?.source).toBe(ADDRESS.db1);
});
