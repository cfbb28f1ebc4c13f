import type { Browser, Page } from "@playwright/test";
import { ensureUser, expect, runEvents, test } from "./fixtures";

// The two-person rule from the browser: an admin turns it on for the cluster, starts a rolling code
// update, and is refused when approving their own run; a second operator, signed in in a browser of
// their own, approves, and the run goes on. The rule is turned off again whatever happens.

const SECOND = { username: "otto-e2e", password: "otto-e2e-password-1" };

async function setTwoPersonRule(page: Page, on: boolean): Promise<void> {
  await page.goto("/clusters/lab/workflows");
  const panel = page.getByTestId("approval-policy");
  await panel.getByTestId("two-person-rule").setChecked(on);
  await panel.getByTestId("approval-ttl").fill("60");
  await panel.getByTestId("approval-policy-save").click();
  await expect(panel.getByTestId("approval-policy-saved")).toBeVisible();
  await expect(panel.getByTestId("approval-policy-current")).toHaveAttribute("data-two-person", on ? "on" : "off");
}

async function signIn(browser: Browser, baseURL: string, username: string, password: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("operator")).toHaveText(username);
  return page;
}

/** the first approval step waiting now, and its index */
async function waitingApproval(page: Page): Promise<number> {
  const approve = page.locator('[data-testid^="approve-"]').first();
  await expect(approve).toBeVisible({ timeout: 90_000 });
  return Number((await approve.getAttribute("data-testid"))?.replace("approve-", ""));
}

test("two-person rule: the admin who started a run cannot approve it; a second operator can, and the run goes on", async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  ensureUser(SECOND.username, SECOND.password, "operator");
  let runUrl: string | null = null;
  try {
    await setTwoPersonRule(page, true);

    const card = page.getByTestId("workflow-code-update");
    await card.getByLabel("Source path").fill("/srv/releases/4.4.2");
    await card.getByLabel("Drain wait per node (seconds)").fill("0");
    await card.getByTestId("preview-code-update").click();
    await expect(card.getByTestId("plan-code-update")).toBeVisible({ timeout: 30_000 });
    const ack = card.getByTestId("warning-ack");
    if (await ack.isVisible()) await ack.check();
    await card.getByTestId("start-run").click();
    await page.waitForURL(/\/workflows\/runs\/[^/]+$/, { timeout: 30_000 });
    runUrl = new URL(page.url()).pathname;
    const runId = runUrl.split("/").at(-1) ?? "";

    await expect(page.getByTestId("run-approval-policy")).toHaveAttribute("data-two-person", "on");
    const first = await waitingApproval(page);
    await expect(page.getByTestId(`approval-expires-${first}`)).toContainText(/expires in \d+:\d\d/);
    await page.getByTestId(`approve-${first}`).click();
    await expect(page.getByTestId(`step-error-${first}`)).toContainText("the two-person rule for this cluster needs a second operator");
    await expect(page.getByTestId(`step-${first}`)).toHaveAttribute("data-status", "waiting");

    const other = await signIn(browser, baseURL ?? "", SECOND.username, SECOND.password);
    try {
      await other.goto(runUrl);
      await other.getByTestId(`approve-${first}`).click();
      await expect(other.getByTestId(`approved-${first}`)).toContainText(`approved by ${SECOND.username} at`);
      // the admin's page follows: approved, and the run has moved on
      await expect(page.getByTestId(`approved-${first}`)).toContainText(`approved by ${SECOND.username}`);
      await expect(page.getByTestId(`step-${first}`)).toHaveAttribute("data-status", "succeeded");
      expect(runEvents(runId)).toContain(`${SECOND.username} approved "Approve copying the release to web1" (two-person rule: admin started the run)`);

      // web2's approval: the same rule, the same second operator
      const second = await waitingApproval(other);
      expect(second).toBeGreaterThan(first);
      await other.getByTestId(`approve-${second}`).click();
      await expect(other.getByTestId(`approved-${second}`)).toContainText(`approved by ${SECOND.username}`);
      await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 120_000 });
    } finally {
      await other.context().close();
    }
  } finally {
    // leave no run holding the cluster and no rule for the specs after this one
    if (runUrl) {
      await page.goto(runUrl);
      const cancel = page.getByTestId("cancel-run");
      if (await cancel.isVisible().catch(() => false)) {
        await setTwoPersonRule(page, false);
        await page.goto(runUrl);
        await page.getByTestId("cancel-run").click();
        await page.getByTestId("cancel-run-confirm").click();
        await expect(page.getByTestId("run-status")).toHaveText(/cancelled|needs-attention/, { timeout: 60_000 });
      }
    }
    await setTwoPersonRule(page, false);
  }
});
