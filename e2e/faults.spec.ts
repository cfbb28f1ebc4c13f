import { expect, onLabHost, test } from "./fixtures";

// Faults injected into the lab show on the right page, and the verdict names the right server
// and reason, then turns back to "yes" when the fault clears.

test.describe("faults in the browser", () => {
  test("web1 off: late, then not answering; server B may no longer fail, and the web page shows web1 silent", async ({ page, lab }) => {
    await page.goto("/clusters/lab");
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-redundant", "true", { timeout: 30_000 });
    await lab.inject("vm-off", "web1");
    try {
      // frozen: its TCP connection hangs, so it shows as late first, and as not answering once the poll times out
      await expect(page.getByTestId("vm-web1-status")).toHaveText("late", { timeout: 15_000 });
      await expect(page.getByTestId("vm-web1-late")).toContainText("no answer for");
      await expect(page.getByTestId("vm-web1-status")).toHaveText("not answering", { timeout: 15_000 });
      await expect(page.getByTestId("verdict-B")).toHaveAttribute("data-survives", "false", { timeout: 30_000 });
      await expect(page.getByTestId("verdict-B")).toContainText("web1");
      await expect(page.getByTestId("verdict-A")).toHaveAttribute("data-survives", "true");
      await expect(page.getByTestId("finding-host-down-web1")).toBeVisible();
      await page.getByTestId("nav-web").click();
      await expect(page.getByTestId("web-web1")).toHaveAttribute("data-silent", "true", { timeout: 15_000 });
      await expect(page.getByTestId("finding-host-down-web1")).toBeVisible();
    } finally {
      await lab.clear("vm-off", "web1");
    }
    await page.getByTestId("nav-overview").click();
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-redundant", "true", { timeout: 60_000 });
  });

  test("replication broken: the database page shows the SQL error and server A may not fail", async ({ page, lab }) => {
    await page.goto("/clusters/lab/database");
    await lab.inject("replication-break", "db2");
    try {
      await expect(page.getByTestId("db-db2-sql-error")).toContainText("1062", { timeout: 30_000 });
      await expect(page.getByTestId("finding-replication-sql-stopped-db2")).toBeVisible();
      await page.getByTestId("nav-overview").click();
      await expect(page.getByTestId("verdict-A")).toHaveAttribute("data-survives", "false");
      await expect(page.getByTestId("verdict-A")).toContainText("db2");
    } finally {
      await lab.clear("replication-break", "db2");
    }
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-redundant", "true", { timeout: 30_000 });
  });

  test("DRBD disconnected by an operator: the storage page shows it and server A may not fail", async ({ page }) => {
    await page.goto("/clusters/lab/storage");
    onLabHost("fs2", "sudo -n drbdadm disconnect r0");
    try {
      await expect(page.getByTestId("finding-drbd-disconnected-fs2").or(page.getByTestId("finding-drbd-disconnected-fs1"))).toBeVisible({ timeout: 30_000 });
      await page.getByTestId("nav-overview").click();
      await expect(page.getByTestId("verdict-A")).toHaveAttribute("data-survives", "false");
      await expect(page.getByTestId("verdict-A")).toContainText("fs2");
    } finally {
      onLabHost("fs2", "sudo -n drbdadm connect r0");
    }
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-redundant", "true", { timeout: 60_000 });
  });

  test("link cut between the servers: split brain shows on the overview and neither server may fail", async ({ page, lab }) => {
    await page.goto("/clusters/lab");
    await lab.inject("link-cut", "");
    try {
      await expect(page.getByTestId("finding-vip-split-brain-cluster")).toBeVisible({ timeout: 45_000 });
      await expect(page.getByTestId("vip-line")).toContainText("lb1");
      await expect(page.getByTestId("vip-line")).toContainText("lb2");
      await expect(page.getByTestId("verdict-A")).toHaveAttribute("data-survives", "false");
      await expect(page.getByTestId("verdict-B")).toHaveAttribute("data-survives", "false");
      await page.getByTestId("nav-storage").click();
      await expect(page.locator('[data-testid="findings"] li[data-rule^="drbd-"]').first()).toBeVisible({ timeout: 30_000 });
    } finally {
      await lab.clear("link-cut", "");
    }
    // As on real DRBD, split brain needs an operator: fs2 took over last, so its changes go.
    await expect
      .poll(() => onLabHost("fs2", "sudo -n drbdadm cstate r0").trim(), { timeout: 30_000 })
      .toBe("StandAlone");
    onLabHost("fs2", "sudo -n drbdadm secondary r0 || true; sudo -n drbdadm connect --discard-my-data r0");
    onLabHost("fs1", "sudo -n drbdadm connect r0");
    await page.getByTestId("nav-overview").click();
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-redundant", "true", { timeout: 120_000 });
  });
});
