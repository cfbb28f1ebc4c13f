import { ensureUser, expect, test } from "./fixtures";

// A host's key changes (the lab gives web1 a new one): the console refuses web1 and shows both keys;
// an admin checks and accepts the new one with a reason; web1 is polled again; the timeline says who.

test.describe("host-key trust", () => {
  test("web1's key is regenerated: refused with both fingerprints, accepted by an admin, polled again, on the timeline", async ({ page, lab }) => {
    await page.goto("/clusters/lab");
    await expect(page.getByTestId("vm-web1-status")).toHaveText("up", { timeout: 30_000 });
    const truth = (await lab.truth()) as { vms: { name: string; fingerprint: string | null }[] };
    const before = truth.vms.find((v) => v.name === "web1")?.fingerprint;
    expect(before).toMatch(/^SHA256:/);

    const { fingerprint } = await lab.rekey("web1");
    expect(fingerprint).not.toBe(before);
    await expect(page.getByTestId("vm-web1-status")).toHaveText("host key refused", { timeout: 30_000 });
    await expect(page.getByTestId("host-key-banner")).toContainText("web1");
    await page.getByTestId("host-key-banner").getByRole("link").click();
    await expect(page).toHaveURL(/\/clusters\/lab\/host-keys$/);

    const offered = page.getByTestId("offered-web1");
    await expect(offered).toHaveAttribute("data-kind", "changed");
    await expect(page.getByTestId("offered-web1-fingerprint")).toHaveText(fingerprint);
    await expect(page.getByTestId("offered-web1-trusted")).toContainText(before ?? "");
    await expect(page.getByTestId("offered-web1-check")).toContainText("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub");
    await expect(page.getByTestId("offered-web2")).toHaveCount(0);

    await page.getByTestId("host-key-reason-web1").fill("web1 reinstalled; checked ssh-keygen -lf on its console");
    await page.getByTestId("accept-web1").click();
    await expect(page.getByTestId("host-key-web1-accepted")).toContainText(fingerprint);
    await expect(page.getByTestId("host-key-web1-accepted")).toContainText("admin");
    await expect(page.getByTestId("offered-web1")).toHaveCount(0);

    await page.getByTestId("nav-overview").click();
    await expect(page.getByTestId("vm-web1-status")).toHaveText("up", { timeout: 15_000 });
    await expect(page.getByTestId("host-key-banner")).toHaveCount(0);

    await page.goto("/clusters/lab/timeline?kind=host.key-accepted");
    const accepted = page.getByTestId("event-row").filter({ hasText: fingerprint }).first();
    await expect(accepted).toContainText("admin");
    await expect(accepted).toContainText("web1 reinstalled");
    await page.goto("/clusters/lab/timeline?kind=host.key-changed");
    await expect(page.getByTestId("event-row").filter({ hasText: fingerprint }).first()).toContainText("web1");
  });

  test("a viewer sees a refused key and both fingerprints, but no form to accept or reject it", async ({ page, browser, baseURL, lab }) => {
    ensureUser("keys-viewer", "keys-viewer-password", "viewer");
    const { fingerprint } = await lab.rekey("web2");
    const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    try {
      const viewer = await context.newPage();
      await viewer.goto("/sign-in");
      await viewer.getByLabel("Username").fill("keys-viewer");
      await viewer.getByLabel("Password").fill("keys-viewer-password");
      await viewer.getByRole("button", { name: "Sign in" }).click();
      await expect(viewer.getByTestId("operator")).toHaveText("keys-viewer");
      await viewer.goto("/clusters/lab/host-keys");
      // the page reads itself again every few seconds: the refusal shows once web2 is polled
      await expect(viewer.getByTestId("offered-web2-fingerprint")).toHaveText(fingerprint, { timeout: 30_000 });
      await expect(viewer.getByTestId("offered-web2-trusted")).toContainText("SHA256:");
      await expect(viewer.getByTestId("accept-web2")).toHaveCount(0);
      await expect(viewer.getByTestId("reject-web2")).toHaveCount(0);
      await expect(viewer.getByTestId("host-key-reason-web2")).toHaveCount(0);
    } finally {
      await context.close();
      // the admin accepts it, so the specs after this one see web2 answer
      await page.goto("/clusters/lab/host-keys");
      await expect(page.getByTestId("offered-web2-fingerprint")).toHaveText(fingerprint, { timeout: 30_000 });
      await page.getByTestId("host-key-reason-web2").fill("e2e: web2 rekeyed by the lab");
      await page.getByTestId("accept-web2").click();
      await expect(page.getByTestId("offered-web2")).toHaveCount(0);
    }
    await page.goto("/clusters/lab");
    await expect(page.getByTestId("vm-web2-status")).toHaveText("up", { timeout: 15_000 });
  });
});
