import { expect, test } from "./fixtures";

test.describe("tier pages", () => {
  test("the nav leads to every tier page of the current cluster and marks where you are", async ({ page }) => {
    await page.goto("/clusters/lab");
    for (const [name, path] of [
      ["balancer", "/clusters/lab/balancer"],
      ["web", "/clusters/lab/web"],
      ["storage", "/clusters/lab/storage"],
      ["database", "/clusters/lab/database"],
      ["overview", "/clusters/lab"],
    ] as const) {
      await page.getByTestId(`nav-${name}`).click();
      await expect(page).toHaveURL(new RegExp(`${path}$`));
      await expect(page.getByTestId(`nav-${name}`)).toHaveAttribute("aria-current", "page");
      await expect(page.getByTestId("freshness")).toContainText(/updated \d+ s ago/);
    }
  });

  test("the overview puts the redundancy verdict on top, per server", async ({ page }) => {
    await page.goto("/clusters/lab");
    await expect(page.getByTestId("verdict")).toBeVisible();
    for (const server of ["A", "B"]) {
      await expect(page.getByTestId(`verdict-${server}`)).toHaveAttribute("data-survives", /^(true|false)$/);
    }
    const verdictBox = await page.getByTestId("verdict").boundingBox();
    const serverBox = await page.getByTestId("server-A").boundingBox();
    expect(verdictBox && serverBox && verdictBox.y < serverBox.y).toBe(true);
  });

  test("the balancer page shows both balancers, their real servers and ldirectord drift", async ({ page }) => {
    await page.goto("/clusters/lab/balancer");
    await expect(page.getByTestId("vip-line")).toContainText("on lb1");
    for (const lb of ["lb1", "lb2"]) {
      await expect(page.getByTestId(`balancer-${lb}`)).toBeVisible();
      for (const web of ["web1", "web2"]) {
        await expect(page.getByTestId(`lvs-${lb}-${web}`)).toBeVisible();
        await expect(page.getByTestId(`drift-${lb}-${web}`)).toHaveAttribute("data-drift", /.+/);
      }
    }
    await expect(page.getByTestId("balancer-lb1")).toContainText("holds the VIP");
  });

  test("the web page shows Apache, Moodle and the mount of each node", async ({ page }) => {
    await page.goto("/clusters/lab/web");
    for (const web of ["web1", "web2"]) {
      await expect(page.getByTestId(`web-${web}`)).toBeVisible();
      await expect(page.getByTestId(`web-${web}-apache`)).toHaveText("active");
      await expect(page.getByTestId(`web-${web}-nfs`)).toHaveText("yes");
      await expect(page.getByTestId(`web-${web}-fingerprint`)).not.toHaveText("unknown");
    }
    await expect(page.getByTestId("sessions")).toBeVisible();
    await expect(page.getByTestId("chart-sessions")).toBeVisible();
    await expect(page.getByTestId("chart-connections")).toBeVisible();
    const charts = page.getByTestId("charts");
    await charts.getByRole("button", { name: "1 d" }).click();
    await expect(charts.getByRole("button", { name: "1 d" })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByTestId("chart-sessions")).toBeVisible();
  });

  test("the storage page shows DRBD from both peers, the export and each web node's mount", async ({ page }) => {
    await page.goto("/clusters/lab/storage");
    await expect(page.getByTestId("drbd-fs1-r0-role")).toHaveText("Primary");
    await expect(page.getByTestId("drbd-fs2-r0-role")).toHaveText("Secondary");
    await expect(page.getByTestId("nfs-line")).toContainText("fs1");
    await expect(page.getByTestId("storage-fs1").locator("table")).toContainText("/srv/moodledata");
    for (const web of ["web1", "web2"]) await expect(page.getByTestId(`mount-${web}`)).toContainText("yes");
  });

  test("the database page shows source and replica; a broken replica shows its threads, both lags and the verdict", async ({ page, lab }) => {
    await page.goto("/clusters/lab/database");
    await expect(page.getByTestId("db-db1")).toHaveAttribute("data-role", "source");
    await expect(page.getByTestId("db-db2")).toHaveAttribute("data-role", "replica");
    await expect(page.getByTestId("db-db2-io")).toContainText("Yes");
    await expect(page.getByTestId("db-db2-heartbeat")).not.toHaveText("unknown");
    await lab.inject("replication-break", "db2");
    try {
      await expect(page.getByTestId("db-db2-sql")).toContainText("No", { timeout: 20_000 });
      await expect(page.getByTestId("db-db2-sbm")).toHaveText("NULL");
      await expect(page.getByTestId("findings").locator("li[data-component='db2']").first()).toBeVisible();
      await page.getByTestId("nav-overview").click();
      await expect(page.getByTestId("verdict")).toHaveAttribute("data-redundant", "false");
      await expect(page.getByTestId("verdict-A")).toHaveAttribute("data-survives", "false");
    } finally {
      await lab.clear("replication-break", "db2");
    }
    // leave the lab as found: replication running again before the next test
    await page.goto("/clusters/lab/database");
    await expect(page.getByTestId("db-db2-sql")).toContainText("Yes", { timeout: 60_000 });
  });
});
