import type { Page } from "@playwright/test";
import { type LabControl, expect, restartConsole, runEvents, test } from "./fixtures";

// A console killed in the middle of a run and started again finds the run, goes on from the step it
// was in, and neither undoes nor half-does what the run had done: judged by the lab's truth.

const WEB1 = "192.168.10.11:80";

/** the maintenance flag as each web node sees the shared dataroot, from the lab itself */
async function flags(lab: LabControl): Promise<boolean[]> {
  const truth = (await lab.truth()) as { tiers: { web: { nodes: Record<string, { maintenanceFlag: boolean }> } } };
  return Object.values(truth.tiers.web.nodes).map((n) => n.maintenanceFlag);
}
const RUN_URL = /\/clusters\/lab\/workflows\/runs\/([^/?#]+)$/;

/** web1's weight in each balancer's running LVS table, as the lab knows it (not as the console reads it) */
async function web1Weights(lab: LabControl): Promise<Record<string, number | null>> {
  // /truth is the lab's own JSON; only the fields read here are named
  const truth = (await lab.truth()) as { balancers: { nodes: { vm: string; services: { reals: { address: string; weight: number }[] }[] }[] } };
  return Object.fromEntries(truth.balancers.nodes.map((n) => [n.vm, n.services[0]?.reals.find((r) => r.address === WEB1)?.weight ?? null]));
}

async function openWorkflows(page: Page): Promise<void> {
  await page.goto("/clusters/lab/workflows");
  await expect(page.getByTestId("lock-line")).not.toHaveText(/unknown/);
}

/** Start the plan the card's Preview showed, reading its warnings first; returns the new run's id. */
async function startPreviewed(page: Page, kind: "drain" | "undrain" | "maintenance"): Promise<string> {
  const plan = page.getByTestId(`workflow-${kind}`).getByTestId(`plan-${kind}`);
  await expect(plan).toBeVisible({ timeout: 30_000 });
  const ack = plan.getByTestId("warning-ack");
  if (await ack.isVisible()) await ack.check();
  await expect(plan.getByTestId("start-run"), "every guard passes").toBeEnabled();
  await plan.getByTestId("start-run").click();
  await expect(page).toHaveURL(RUN_URL, { timeout: 30_000 });
  const runId = RUN_URL.exec(new URL(page.url()).pathname)?.[1];
  if (!runId) throw new Error(`no run id in ${page.url()}`);
  return runId;
}

async function undrainWeb1(page: Page): Promise<void> {
  await openWorkflows(page);
  await page.getByTestId("undrain-web1").click();
  await startPreviewed(page, "undrain");
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
}

test.describe("a console restarted in the middle of a run", () => {
  test.afterEach(async ({ page, lab }) => {
    // Whatever failed, leave the cluster as found: a run still holding the cluster is cancelled (its
    // rollback undoes what it did), a drain left behind is undrained, maintenance is switched off.
    await openWorkflows(page);
    const active = page.getByTestId("active-run-link");
    if (await active.isVisible()) {
      await active.click();
      await page.getByTestId("cancel-run").click();
      await page.getByTestId("cancel-run-confirm").click();
      await expect(page.getByTestId("run-status")).toHaveText(/succeeded|failed|cancelled/, { timeout: 60_000 });
      await openWorkflows(page);
    }
    if (await page.getByTestId("drained-web1").isVisible()) await undrainWeb1(page);
    await expect.poll(() => web1Weights(lab), { timeout: 30_000 }).toEqual({ lb1: 1, lb2: 1 });
    if ((await flags(lab)).some(Boolean)) {
      await openWorkflows(page);
      const card = page.getByTestId("workflow-maintenance");
      await card.getByLabel("Disable").check();
      await card.getByTestId("preview-maintenance").click();
      await startPreviewed(page, "maintenance");
      await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
    }
    expect(await flags(lab)).toEqual([false, false]);
  });

  test("killed during a countdown between two steps: the run is found again, goes on, and finishes", async ({ page, lab }) => {
    test.setTimeout(240_000);
    expect(await flags(lab)).toEqual([false, false]);

    await openWorkflows(page);
    await expect(page.getByTestId("lock-line")).toContainText("the cluster is free");
    const card = page.getByTestId("workflow-maintenance");
    await card.getByLabel("Enable in N minutes").check();
    await card.getByLabel("Minutes from now").fill("30");
    await card.getByLabel("Message to users").fill("Back soon.");
    await card.getByTestId("preview-maintenance").click();
    const runId = await startPreviewed(page, "maintenance");

    // message written, maintenance announced; the countdown waits for 30 minutes or an operator
    const wait = page.getByTestId("step-2");
    await expect(wait).toContainText("Count down 30 minutes");
    await expect(wait).toHaveAttribute("data-status", "running", { timeout: 60_000 });
    await expect(page.getByTestId("run-status")).toHaveText("waiting");
    expect(await flags(lab)).toEqual([false, false]);

    await restartConsole(async () => {
      // nothing undone and nothing half-done by the crash itself
      expect(await flags(lab)).toEqual([false, false]);
    });

    await page.reload();
    await expect(page.getByTestId("run-status")).toHaveText("waiting");
    for (const i of [0, 1]) await expect(page.getByTestId(`step-${i}`)).toHaveAttribute("data-status", "succeeded");
    await expect(wait).toHaveAttribute("data-status", "running");
    await expect.poll(() => runEvents(runId)).toContainEqual('the console restarted; resuming at "Count down 30 minutes"');
    expect(await flags(lab)).toEqual([false, false]);

    // only a driver that resumed can end the wait: without one the run would stay "waiting"
    await wait.getByTestId("finish-2").click();
    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
    await expect(page.getByTestId("run-outcome")).toContainText("All 5 steps succeeded");
    expect(await flags(lab)).toEqual([true, true]);
  });

  test("killed while a drain waits: web1 stays out while the console is down, the run is found again", async ({ page, lab }) => {
    test.setTimeout(240_000);
    expect(await web1Weights(lab)).toEqual({ lb1: 1, lb2: 1 });
    await openWorkflows(page);
    const drain = page.getByTestId("workflow-drain");
    await drain.getByLabel("Web node").selectOption("web1");
    // the wait ends when no client is left on web1, or when an operator ends it
    await drain.getByLabel("Done at (clients + connections)").fill("0");
    await drain.getByTestId("preview-drain").click();
    const runId = await startPreviewed(page, "drain");
    const wait = page.getByTestId("step-3");
    await expect(wait).toHaveAttribute("data-status", /running|succeeded/, { timeout: 60_000 });
    expect(await web1Weights(lab)).toEqual({ lb1: 0, lb2: 0 });

    await restartConsole(async () => {
      expect(await web1Weights(lab)).toEqual({ lb1: 0, lb2: 0 });
    });

    await page.reload();
    // web1 may have had no clients left, in which case the wait ended by itself before or after the restart
    const finish = wait.getByTestId("finish-3");
    if (await finish.isVisible().catch(() => false)) await finish.click().catch(() => undefined);
    await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
    expect(runId).toBeTruthy();
    expect(await web1Weights(lab)).toEqual({ lb1: 0, lb2: 0 });
    await undrainWeb1(page);
    await expect.poll(() => web1Weights(lab), { timeout: 30_000 }).toEqual({ lb1: 1, lb2: 1 });
  });
});
