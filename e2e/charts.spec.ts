import { expect, test } from "./fixtures";

// The running console stores samples as it polls; the charts draw them back from the database.

test.describe("charts", () => {
  test("load per VM is sampled, served by the series API and drawn on the overview", async ({ page, request }) => {
    let subjects: string[] = [];
    await expect
      .poll(
        async () => {
          const res = await request.get("/api/clusters/lab/series?series=host.load1&range=1h");
          expect(res.status()).toBe(200);
          const body = (await res.json()) as { points: { subject: string }[] };
          subjects = [...new Set(body.points.map((p) => p.subject))];
          // a line needs two samples: until each VM has them, the chart draws single dots
          const perSubject = subjects.map((s) => body.points.filter((p) => p.subject === s).length);
          return perSubject.length > 0 && perSubject.every((n) => n >= 2) ? subjects.length : 0;
        },
        { timeout: 45_000, intervals: [1_000] },
      )
      .toBe(8);
    expect(subjects.sort()).toEqual(["db1", "db2", "fs1", "fs2", "lb1", "lb2", "web1", "web2"]);
    await page.goto("/clusters/lab");
    await expect(page.getByTestId("chart-load").locator("path.recharts-curve").first()).toBeVisible({ timeout: 20_000 });
  });

  test("the series API refuses an unknown series or range with a clear 400", async ({ request }) => {
    const res = await request.get("/api/clusters/lab/series?series=rm%20-rf&range=forever");
    expect(res.status()).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("InvalidInput");
    expect(body.error.message).toMatch(/series|range/);
  });
});
