import { expect, test } from "./fixtures";

test.describe("sign-in", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("every page sends a stranger to the sign-in page", async ({ page }) => {
    await page.goto("/clusters/lab");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("the API refuses a stranger with 401", async ({ request }) => {
    const res = await request.get("/api/clusters/lab/view");
    expect(res.status()).toBe(401);
    expect((await res.json()).error.code).toBe("Unauthenticated");
  });

  test("a wrong password is refused without saying which part was wrong", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("sign-in-error")).toHaveText("wrong username or password");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("signing out ends the session", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("operator")).toHaveText("admin");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/clusters/lab");
    await expect(page).toHaveURL(/\/sign-in/);
  });
});
