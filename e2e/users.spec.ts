import type { Browser, BrowserContext, Page, Request } from "@playwright/test";
import { expect, test } from "./fixtures";

// Users and roles from the browser: the admin adds people on the Users screen; a new operator must
// change the password before anything else; a viewer is refused every change, by the UI and by the
// server (the admin's own action requests, captured and never sent, replayed with the viewer's cookie).

const OPERATOR = { username: "olga-e2e", initial: "olga-initial-pw-1", chosen: "olga-chosen-pw-2" };
const VIEWER = { username: "vera-e2e", chosen: "vera-chosen-pw-3" };

test.describe.configure({ mode: "serial" });

async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ storageState: { cookies: [], origins: [] }, baseURL: test.info().project.use.baseURL });
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function changePassword(page: Page, current: string, next: string) {
  await page.getByTestId("current-password").fill(current);
  await page.getByTestId("new-password").fill(next);
  await page.getByTestId("new-password-again").fill(next);
  await page.getByTestId("change-password").click();
}

async function addUser(page: Page, username: string, role: string, password: string) {
  await page.goto("/settings/users");
  await page.getByTestId("new-username").fill(username);
  await page.getByTestId("new-role").selectOption(role);
  await page.getByTestId("new-password").fill(password);
  await page.getByTestId("add-user").click();
  await expect(page.getByTestId(`user-${username}`)).toBeVisible();
}

/**
 * Runs `act` in the admin's page and captures the server action request it makes, aborting it so the
 * change never happens; returns what is needed to send the very same request with someone else's cookie.
 */
async function captureAction(page: Page, act: () => Promise<void>): Promise<{ url: string; headers: Record<string, string>; body: Buffer }> {
  let captured: Request | null = null;
  await page.route("**/*", async (route) => {
    const req = route.request();
    if (req.method() === "POST" && req.headers()["next-action"] && !captured) {
      captured = req;
      await route.abort();
      return;
    }
    await route.continue();
  });
  try {
    await act();
    await expect.poll(() => captured !== null).toBe(true);
  } finally {
    await page.unrouteAll({ behavior: "ignoreErrors" });
  }
  const req = captured as unknown as Request;
  const headers = Object.fromEntries(Object.entries(req.headers()).filter(([k]) => !["cookie", "content-length", "host"].includes(k.toLowerCase())));
  return { url: req.url(), headers, body: req.postDataBuffer() ?? Buffer.alloc(0) };
}

async function replay(context: BrowserContext, action: { url: string; headers: Record<string, string>; body: Buffer }): Promise<string> {
  const res = await context.request.post(action.url, { headers: action.headers, data: action.body });
  return res.text();
}

test("an admin adds an operator, who must change the password before anything else, then sees the cluster", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await page.goto("/");
  await page.getByTestId("nav-users").click();
  await expect(page).toHaveURL(/\/settings\/users$/);
  await addUser(page, OPERATOR.username, "operator", OPERATOR.initial);
  await expect(page.getByTestId(`state-${OPERATOR.username}`)).toContainText("must change password");
  await expect(page.getByTestId(`user-${OPERATOR.username}`)).toContainText("by admin");

  const context = await freshContext(browser);
  try {
    const olga = await context.newPage();
    await signIn(olga, OPERATOR.username, OPERATOR.initial);
    await expect(olga.getByTestId("password-required")).toBeVisible();
    await expect(olga).toHaveURL(/\/account\?required=1$/);
    // nothing else until the password changes: any page is the form, and the server refuses actions
    await olga.goto("/clusters/lab");
    await expect(olga.getByTestId("password-required")).toBeVisible();
    await expect(olga.getByTestId("server-A")).toHaveCount(0);
    const view = await context.request.get("/api/clusters/lab/view");
    expect(view.status()).toBe(403);
    expect(await view.text()).toContain("change your password first");

    await changePassword(olga, OPERATOR.initial, OPERATOR.chosen);
    await expect(olga).toHaveURL(/\/clusters\/lab$/);
    await expect(olga.getByTestId("server-A").locator("article.vm")).toHaveCount(4);
    await expect(olga.locator(".role-badge")).toHaveText("operator");
  } finally {
    await context.close();
  }
  await page.reload();
  await expect(page.getByTestId(`state-${OPERATOR.username}`)).not.toContainText("must change password");
});

test("a viewer is refused every change: the Users page, settings, users and workflows, by the UI and by the server", async ({ page, browser }) => {
  test.setTimeout(180_000);
  // a generated one-time password, shown once to the admin
  await page.goto("/settings/users");
  await page.getByTestId("new-username").fill(VIEWER.username);
  await page.getByTestId("new-role").selectOption("viewer");
  await page.getByTestId("add-user").click();
  const oneTime = (await page.getByTestId("one-time-password-value").textContent())?.trim() ?? "";
  expect(oneTime).toMatch(/^[A-Za-z0-9_-]{16}$/);

  // the admin's own requests, captured before they reach the server
  const saveSettings = await captureAction(page, async () => {
    await page.goto("/settings");
    await page.getByTestId("webhook-url").fill("https://chat.example.org/hooks/e2e-users");
    await page.getByTestId("webhook-save").click();
  });
  const addSomeone = await captureAction(page, async () => {
    await page.goto("/settings/users");
    await page.getByTestId("new-username").fill("mallory-e2e");
    await page.getByTestId("new-password").fill("mallory-password-1");
    await page.getByTestId("add-user").click();
  });
  await page.goto("/clusters/lab/workflows");
  const card = page.getByTestId("workflow-maintenance");
  await card.getByLabel("Enable now").check();
  await card.getByTestId("preview-maintenance").click();
  await expect(card.getByTestId("plan-maintenance")).toBeVisible({ timeout: 30_000 });
  const startRun = await captureAction(page, async () => {
    const ack = card.getByTestId("warning-ack");
    if (await ack.isVisible()) await ack.check();
    await card.getByTestId("start-run").click();
  });

  const context = await freshContext(browser);
  try {
    const vera = await context.newPage();
    await signIn(vera, VIEWER.username, oneTime);
    await expect(vera.getByTestId("password-required")).toBeVisible();
    // until the password changes, every action is refused for that reason first
    expect(await replay(context, startRun)).toContain("change your password first");
    await changePassword(vera, oneTime, VIEWER.chosen);
    await expect(vera.getByTestId("server-A")).toBeVisible();
    await expect(vera.getByTestId("nav-users")).toHaveCount(0);

    await vera.goto("/settings/users");
    await expect(vera).toHaveURL(/\/settings\?refused=users$/);
    await expect(vera.getByTestId("users-table")).toHaveCount(0);
    await expect(vera.getByText("read-only: only an admin may change these")).toBeVisible();
    await expect(vera.getByTestId("webhook-save")).toHaveCount(0);
    await vera.goto("/clusters/lab/workflows");
    await expect(vera.getByTestId("viewer-note")).toBeVisible();
    await expect(vera.getByTestId("start-run")).toHaveCount(0);

    // the server refuses the same requests the admin's browser made
    expect(await replay(context, saveSettings)).toContain("this needs the admin role; vera-e2e is viewer");
    expect(await replay(context, addSomeone)).toContain("this needs the admin role; vera-e2e is viewer");
    expect(await replay(context, startRun)).toContain("this needs the operator role; vera-e2e is viewer");

    // disabling her ends her session; she cannot sign in again, told only that it is wrong
    await page.goto("/settings/users");
    await page.getByTestId(`toggle-${VIEWER.username}`).click();
    await expect(page.getByTestId(`state-${VIEWER.username}`)).toContainText("disabled");
    await vera.goto("/clusters/lab");
    await expect(vera).toHaveURL(/\/sign-in/);
    await signIn(vera, VIEWER.username, VIEWER.chosen);
    await expect(vera.getByTestId("sign-in-error")).toHaveText("wrong username or password");
  } finally {
    await context.close();
  }
  // none of the captured admin requests reached the server
  await page.goto("/settings/users");
  await expect(page.getByTestId("user-mallory-e2e")).toHaveCount(0);
  await page.goto("/settings");
  await expect(page.getByTestId("webhook-current")).not.toContainText("chat.example.org");
});

test("the last admin cannot be demoted, disabled or deleted from the Users screen", async ({ page }) => {
  await page.goto("/settings/users");
  await page.getByTestId("role-admin").selectOption("operator");
  await expect(page.getByTestId("users-error")).toContainText("cannot demote the last enabled admin");
  await page.getByTestId("toggle-admin").click();
  await expect(page.getByTestId("users-error")).toContainText("cannot disable the last enabled admin");
  await expect(page.getByTestId("delete-admin")).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("role-admin")).toHaveValue("admin");
  await expect(page.getByTestId("state-admin")).toContainText("enabled");
});
