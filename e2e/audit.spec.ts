import fs from "node:fs";
import type { Page } from "@playwright/test";
import { clickThrough, ensureUser, expect, test } from "./fixtures";

// The audit page as an auditor uses it: a workflow an admin ran leaves its commands on the page,
// filtered by who and where, each with its output, and in the CSV download.

test.describe.configure({ mode: "serial" });

async function runMaintenance(page: Page, mode: "Enable now" | "Disable"): Promise<string> {
  await page.goto("/clusters/lab/workflows");
  const card = page.getByTestId("workflow-maintenance");
  await card.getByLabel(mode).check();
  await card.getByTestId("preview-maintenance").click();
  await expect(card.getByTestId("plan-maintenance")).toBeVisible({ timeout: 30_000 });
  const ack = card.getByTestId("warning-ack");
  if (await ack.isVisible()) await ack.check();
  await card.getByTestId("start-run").click();
  await page.waitForURL(/\/workflows\/runs\/[^/]+$/, { timeout: 30_000 });
  const runId = page.url().split("/").at(-1) ?? "";
  expect(await clickThrough(page)).toBe("succeeded");
  return runId;
}

test("an admin's workflow is on the audit page: filtered by who and where, its output opened, and in the CSV", async ({ page }) => {
  test.setTimeout(180_000);
  const runId = await runMaintenance(page, "Enable now");
  await runMaintenance(page, "Disable");

  await page.goto("/clusters/lab");
  await page.getByTestId("nav-audit").click();
  await expect(page).toHaveURL(/\/clusters\/lab\/audit$/);
  await expect(page.getByTestId("audit-row").first()).toBeVisible();

  await page.getByTestId("filter-actor").selectOption("admin");
  await page.getByTestId("filter-host").selectOption("web1");
  await page.getByTestId("filter-q").fill("--enable");
  await page.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/actor=admin/);
  await expect(page).toHaveURL(/host=web1/);
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row).toHaveAttribute("data-host", "web1");
    await expect(row).toHaveAttribute("data-actor", "admin");
    await expect(row.getByTestId("audit-command")).toContainText("--enable");
  }
  const row = rows.filter({ has: page.locator(`a[href$="/workflows/runs/${runId}"]`) }).first();
  await expect(row.getByTestId("audit-command")).toContainText("maintenance.php --enable");
  await expect(row.getByTestId("audit-run-link")).toContainText("step");

  // the output opens in place
  const output = row.getByTestId("audit-output");
  await expect(output).not.toHaveAttribute("open", "");
  await row.getByTestId("audit-command").click();
  await expect(output).toHaveAttribute("open", "");
  await expect(output.locator("pre, p.muted").first()).toBeVisible();

  // the export holds the same filtered rows
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  const file = await download.path();
  const csv = fs.readFileSync(file, "utf8");
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toBe("at,cluster,host,actor,purpose,why,command,exitCode,outcome,durationMs,stdout,stderr,error");
  expect(csv).toContain("maintenance.php --enable");
  expect(csv).toContain(`workflow:${runId}:`);
  const records = lines.slice(1).filter((l) => /^\d{4}-\d{2}-\d{2}T/.test(l));
  expect(records.length).toBeGreaterThan(0);
  for (const record of records) expect(record.split(",").slice(1, 4)).toEqual(["lab", "web1", "admin"]);

  // the JSON page answers a malformed cursor or date with a 400 that says what is wrong
  const bad = await page.request.get("/api/clusters/lab/audit?cursor=garbage");
  expect(bad.status()).toBe(400);
  expect(JSON.stringify(await bad.json())).toContain("cursor");
  const badDate = await page.request.get("/api/clusters/lab/audit?from=2026-02-31");
  expect(badDate.status()).toBe(400);
  const json = await page.request.get(`/api/clusters/lab/audit?actor=admin&host=web2&limit=5`);
  expect(json.status()).toBe(200);
  const body = (await json.json()) as { rows: { host: string; actor: string }[] };
  expect(body.rows.length).toBeGreaterThan(0);
  expect(body.rows.every((r) => r.host === "web2" && r.actor === "admin")).toBe(true);

  // the admin sees the retention and may change it
  await expect(page.getByTestId("retention-current")).toContainText("days");
  await expect(page.getByTestId("retention-oldest")).toContainText("oldest command run kept");
  await page.getByTestId("retention-days").fill("500");
  await page.getByTestId("retention-save").click();
  await expect(page.getByTestId("retention-saved")).toBeVisible();
  await expect(page.getByTestId("retention-current")).toContainText("500 days");
  await expect(page.getByTestId("retention-current")).toContainText("by admin");
});

test("routine reads are counted per host and hour and shown on the page", async ({ page }) => {
  test.setTimeout(150_000);
  // counts are written at most once a minute after the first read
  await expect(async () => {
    await page.goto("/clusters/lab/audit");
    const web1 = page.locator('[data-testid="probe-summary-row"][data-host="web1"]');
    await expect(web1).toBeVisible({ timeout: 1_000 });
    expect(Number(await web1.locator("td").nth(1).textContent())).toBeGreaterThan(10);
  }).toPass({ timeout: 120_000, intervals: [2_000] });
  await expect(page.getByTestId("probe-summary-row")).toHaveCount(8);
});

test.describe("a viewer", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("reads the audit and its export but sees no retention form", async ({ page }) => {
    ensureUser("audit-viewer", "audit-viewer-password", "viewer");
    await page.goto("/sign-in");
    await page.getByLabel("Username").fill("audit-viewer");
    await page.getByLabel("Password").fill("audit-viewer-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("operator")).toHaveText("audit-viewer");
    await page.goto("/clusters/lab/audit?actor=admin");
    await expect(page.getByTestId("audit-row").first()).toBeVisible();
    await expect(page.getByTestId("retention-current")).toBeVisible();
    await expect(page.getByTestId("retention-form")).toHaveCount(0);
    const exported = await page.request.get("/api/clusters/lab/audit/export?format=json&actor=admin");
    expect(exported.status()).toBe(200);
    const body = (await exported.json()) as { rows: { actor: string }[]; capped: boolean };
    expect(body.capped).toBe(false);
    expect(body.rows.length).toBeGreaterThan(0);
  });
});

test.describe("anonymous", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("gets nothing of the audit", async ({ page }) => {
    for (const url of ["/api/clusters/lab/audit", "/api/clusters/lab/audit/export?format=csv"]) {
      const res = await page.request.get(url);
      expect(res.status()).toBe(401);
      expect(await res.text()).not.toContain("maintenance.php");
    }
    await page.goto("/clusters/lab/audit");
    await expect(page).toHaveURL(/\/sign-in/);
  });
});
