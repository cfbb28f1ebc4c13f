import { expect, test as setup } from "@playwright/test";
import { ADMIN_PASSWORD } from "./fixtures";

setup("sign in once as admin", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("operator")).toHaveText("admin");
  await page.context().storageState({ path: `.reports/e2e-admin-${process.env.E2E_PORT ?? "3107"}.json` });
});
