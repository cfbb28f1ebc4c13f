import type { Page } from "@playwright/test";
import { clickThrough, expect, test } from "./fixtures";

// Every workflow from the browser, as an operator runs it: preview the dry run, start, approve and
// finish waits on the run page. The lab's /truth is the judge: weights on both balancers, the
// maintenance flag, the code each node serves, the database version.

interface Truth {
  balancers: { nodes: { vm: string; services: { reals: { address: string; weight: number }[] }[] }[] };
  tiers: {
    web: { nodes: Record<string, { serves: { version: string; release: string } | null; maintenanceFlag: boolean }> };
    database: { servers: Record<string, { mdlConfigVersion: string | null }> };
  };
  site: { url: string };
}

function weights(t: Truth, address: string): Record<string, number | null> {
  return Object.fromEntries(t.balancers.nodes.map((b) => [b.vm, b.services[0]?.reals.find((r) => r.address === address)?.weight ?? null]));
}

async function preview(page: Page, kind: string, fill: (card: ReturnType<Page["getByTestId"]>) => Promise<void> = async () => {}) {
  await page.goto("/clusters/lab/workflows");
  const card = page.getByTestId(`workflow-${kind}`);
  await fill(card);
  await card.getByTestId(`preview-${kind}`).click();
  await expect(card.getByTestId(`plan-${kind}`)).toBeVisible({ timeout: 30_000 });
  return card;
}

async function start(page: Page, card: ReturnType<Page["getByTestId"]>): Promise<string> {
  const ack = card.getByTestId("warning-ack");
  if (await ack.isVisible()) await ack.check();
  await card.getByTestId("start-run").click();
  await page.waitForURL(/\/workflows\/runs\/[^/]+$/, { timeout: 30_000 });
  return page.url().split("/").at(-1) ?? "";
}

test.describe.configure({ mode: "serial" });

test("maintenance on with a message, then off: the flag on every node, the page through the VIP", async ({ page, lab }) => {
  test.setTimeout(120_000);
  const on = await preview(page, "maintenance", async (card) => {
    await card.getByLabel("Enable now").check();
    await card.getByLabel("Message to users").fill("Back at 18:00 after the upgrade.");
  });
  await expect(on.getByTestId("plan-step-1")).toContainText("maintenance.php --enable");
  await start(page, on);
  expect(await clickThrough(page)).toBe("succeeded");
  const t = (await lab.truth()) as Truth;
  expect(Object.values(t.tiers.web.nodes).map((n) => n.maintenanceFlag)).toEqual([true, true]);
  const res = await fetch(`${t.site.url}login/index.php`);
  expect(res.status).toBe(503);
  expect(await res.text()).toContain("Back at 18:00 after the upgrade.");

  const off = await preview(page, "maintenance", async (card) => {
    await card.getByLabel("Disable").check();
  });
  await expect(off.getByTestId("guard-same-code")).toHaveAttribute("data-ok", "true");
  await start(page, off);
  expect(await clickThrough(page)).toBe("succeeded");
  const after = (await lab.truth()) as Truth;
  expect(Object.values(after.tiers.web.nodes).map((n) => n.maintenanceFlag)).toEqual([false, false]);
  expect((await fetch(`${after.site.url}login/index.php`)).status).toBe(200);
});

test("a guard refuses to drain the last serving node; the admin's override is recorded with its reason", async ({ page, lab }) => {
  test.setTimeout(180_000);
  const first = await preview(page, "drain", async (card) => {
    await card.getByLabel("Web node").selectOption("web2");
    await card.getByLabel("Done at (clients + connections)").fill("1000");
  });
  await start(page, first);
  expect(await clickThrough(page)).toBe("succeeded");

  const card = await preview(page, "drain", async (c) => {
    await c.getByLabel("Web node").selectOption("web1");
    await c.getByLabel("Done at (clients + connections)").fill("1000");
  });
  const refusal = card.getByTestId("guard-not-last-node");
  await expect(refusal).toHaveAttribute("data-ok", "false");
  await expect(refusal).toContainText("web1 is the last web node serving: draining it takes the site down");
  await expect(card.getByTestId("start-run")).toBeDisabled();
  const reason = "maintenance window announced to all users";
  await card.getByTestId("override-not-last-node").check();
  await card.getByTestId("override-reason-not-last-node").fill(reason);
  await start(page, card);
  await expect(page.getByTestId("run-overrides")).toContainText(reason);
  expect(await clickThrough(page)).toBe("succeeded");
  const t = (await lab.truth()) as Truth;
  expect(weights(t, "192.168.10.11:80")).toEqual({ lb1: 0, lb2: 0 });
  expect(weights(t, "192.168.10.21:80")).toEqual({ lb1: 0, lb2: 0 });

  for (const host of ["web1", "web2"]) {
    const undrain = await preview(page, "undrain", async (c) => {
      await c.getByLabel("Web node").selectOption(host);
    });
    await start(page, undrain);
    expect(await clickThrough(page)).toBe("succeeded");
  }
  const back = (await lab.truth()) as Truth;
  expect(weights(back, "192.168.10.11:80")).toEqual({ lb1: 1, lb2: 1 });
  expect(weights(back, "192.168.10.21:80")).toEqual({ lb1: 1, lb2: 1 });
});

test("rolling code update: node by node, the itemized changes shown before each copy", async ({ page, lab }) => {
  test.setTimeout(180_000);
  const card = await preview(page, "code-update", async (c) => {
    await c.getByLabel("Source path").fill("/srv/releases/4.4.2-hotfix");
    await c.getByLabel("Drain wait per node (seconds)").fill("0");
  });
  await expect(card.getByTestId("guard-same-version")).toHaveAttribute("data-ok", "true");
  await start(page, card);
  // the first approval comes after web1's dry run, which lists what changes
  const approve = page.locator('[data-testid^="approve-"]').first();
  await expect(approve).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-testid^="step-"][data-status="succeeded"]').filter({ hasText: "rsync dry run" })).toContainText(/changed/);
  const during = (await lab.truth()) as Truth;
  expect(weights(during, "192.168.10.11:80")).toEqual({ lb1: 0, lb2: 0 });
  expect(await clickThrough(page)).toBe("succeeded");
  const t = (await lab.truth()) as Truth;
  for (const node of ["web1", "web2"]) expect(t.tiers.web.nodes[node]?.serves?.version).toBe("2024042202.02");
  expect(weights(t, "192.168.10.11:80")).toEqual({ lb1: 1, lb2: 1 });
  expect(weights(t, "192.168.10.21:80")).toEqual({ lb1: 1, lb2: 1 });
});

test("a release with another $version is refused by the code update: that is an upgrade", async ({ page }) => {
  const card = await preview(page, "code-update", async (c) => {
    await c.getByLabel("Source path").fill("/srv/releases/4.4.3");
  });
  await expect(card.getByTestId("guard-same-version")).toContainText("that is an upgrade");
  await expect(card.getByTestId("start-run")).toBeDisabled();
});

test("Moodle upgrade: dump, maintenance, new code everywhere, upgrade.php once, reopened", async ({ page, lab }) => {
  test.setTimeout(240_000);
  const card = await preview(page, "upgrade", async (c) => {
    await c.getByLabel("Source path").fill("/srv/releases/4.4.3");
    await c.getByLabel("Maintenance message").fill("Upgrading to Moodle 4.4.3");
  });
  await expect(card.getByTestId("guard-replication-healthy")).toHaveAttribute("data-ok", "true");
  await expect(card.getByTestId("guard-drbd-uptodate")).toHaveAttribute("data-ok", "true");
  await start(page, card);
  expect(await clickThrough(page)).toBe("succeeded");
  const t = (await lab.truth()) as Truth;
  expect(t.tiers.database.servers.db1?.mdlConfigVersion).toBe("2024042203.00");
  expect(Object.values(t.tiers.web.nodes).map((n) => [n.serves?.version, n.maintenanceFlag])).toEqual([
    ["2024042203.00", false],
    ["2024042203.00", false],
  ]);
  expect((await fetch(`${t.site.url}login/index.php`)).status).toBe(200);
  await page.goto("/clusters/lab/workflows");
  await expect(page.getByTestId("run-history")).toContainText("Upgrade Moodle to 4.4.3");
});
