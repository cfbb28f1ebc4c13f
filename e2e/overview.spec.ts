import { expect, test } from "./fixtures";

const VMS = ["lb1", "web1", "fs1", "db1", "lb2", "web2", "fs2", "db2"];

test.describe("overview", () => {
  test("shows both physical servers with their eight VMs, live", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/clusters\/lab$/);
    await expect(page.getByTestId("server-A").locator("article.vm")).toHaveCount(4);
    await expect(page.getByTestId("server-B").locator("article.vm")).toHaveCount(4);
    for (const vm of VMS) {
      await expect(page.getByTestId(`vm-${vm}-status`)).toHaveText("up");
    }
    await expect(page.getByTestId("vip-line")).toContainText("on lb1");
    await expect(page.getByTestId("vm-lb1").locator(".vip-badge")).toBeVisible();
    await expect(page.getByTestId("rs-lb1-web1")).toBeVisible();
    await expect(page.getByTestId("rs-lb1-web2")).toBeVisible();
    await expect(page.getByTestId("freshness")).toContainText(/updated \d+ s ago/);
  });

  test("a powered-off web1 shows as down within seconds and comes back when powered on", async ({ page, lab }) => {
    await page.goto("/clusters/lab");
    await expect(page.getByTestId("vm-web1-status")).toHaveText("up");
    await lab.inject("vm-off", "web1");
    try {
      await expect(page.getByTestId("vm-web1-status")).toHaveText("not answering", { timeout: 20_000 });
      await expect(page.getByTestId("vm-web1")).toHaveAttribute("data-status", "down");
      await expect(page.getByTestId("vm-web2-status")).toHaveText("up");
    } finally {
      await lab.clear("vm-off", "web1");
    }
    await expect(page.getByTestId("vm-web1-status")).toHaveText("up", { timeout: 45_000 });
  });
});
