import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";

// A fault in the lab becomes an incident on the timeline; an operator notes it, exports it for the
// post-mortem, and sees it close once the fault is repaired.

interface IncidentRow {
  id: number;
  state: "open" | "closed";
  title: string;
  tiers: string[];
  hosts: string[];
}

async function incidents(request: APIRequestContext): Promise<IncidentRow[]> {
  const res = await request.get("/api/clusters/lab/incidents");
  expect(res.ok()).toBe(true);
  return (await res.json()) as IncidentRow[];
}

test.describe("the incident timeline", () => {
  test("web1 off: the incident opens on the timeline, takes a note, exports as Markdown and JSON, and closes after the repair", async ({ page, lab }) => {
    test.setTimeout(180_000);
    // start from a calm cluster: nothing open
    // (the critical findings keeping an incident open are named, so a failure says what did not recover)
    await expect
      .poll(
        async () => {
          const open = (await incidents(page.request)).filter((i) => i.state === "open").map((i) => i.title);
          if (open.length === 0) return [];
          const res = await page.request.get("/api/clusters/lab/view");
          const view = res.ok() ? ((await res.json()) as { findings?: { severity: string; message: string }[] }) : {};
          const critical = (view.findings ?? []).filter((f) => f.severity === "critical").map((f) => f.message);
          return [...open, ...critical.map((m) => `still critical: ${m}`)];
        },
        { timeout: 90_000 },
      )
      .toEqual([]);
    const known = new Set((await incidents(page.request)).map((i) => i.id));

    await page.goto("/clusters/lab");
    await page.getByTestId("nav-timeline").click();
    await expect(page).toHaveURL(/\/clusters\/lab\/timeline$/);

    await lab.inject("vm-off", "web1");
    let id = 0;
    try {
      const row = page.getByTestId("incident-row").filter({ hasText: "web1" }).and(page.locator('[data-state="open"]'));
      await expect(row).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId("event-row").filter({ hasText: "web1 stopped answering" }).first()).toBeVisible();
      const fresh = (await incidents(page.request)).find((i) => !known.has(i.id) && i.state === "open");
      expect(fresh?.hosts).toContain("web1");
      id = fresh?.id ?? 0;

      await row.getByTestId("incident-link").click();
      await expect(page).toHaveURL(new RegExp(`/clusters/lab/incidents/${id}$`));
      await expect(page.getByTestId("incident-title")).toContainText("web1");
      await expect(page.getByTestId("incident-state")).toHaveText("open");
      await expect(page.getByTestId("incident-tiers")).toContainText("web");
      await expect(page.getByTestId("event-row").filter({ hasText: "web1 stopped answering" })).toBeVisible();
      // the cluster as it was at that event: server B could not fail
      await expect(page.getByTestId("event-row").filter({ hasText: "web1 stopped answering" }).getByTestId("state-then")).toContainText("must not fail");

      await page.getByTestId("note-text").fill("hypervisor of web1 rebooted | checking the PSU");
      await page.getByTestId("note-add").click();
      await expect(page.getByTestId("note")).toContainText("hypervisor of web1 rebooted | checking the PSU");
      await expect(page.getByTestId("note")).toContainText("admin");
      await expect(page.getByTestId("event-row").filter({ hasText: "note on incident" })).toContainText("admin");

      // the form was reset: an empty note is not sent
      await page.getByTestId("note-add").click();
      await expect(page.locator('[data-testid="note-text"]:invalid')).toBeVisible();
      await expect(page.getByTestId("note")).toHaveCount(1);

      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-md").click()]);
      expect(download.suggestedFilename()).toBe(`incident-lab-${id}.md`);
      const md = await page.request.get(`/api/clusters/lab/incidents/${id}/export?format=md`);
      expect(md.headers()["content-disposition"]).toBe(`attachment; filename="incident-lab-${id}.md"`);
      const text = await md.text();
      expect(text).toContain(`# Incident ${id}: web1 is not answering`);
      expect(text).toContain("## Timeline");
      expect(text).toMatch(/\| host \| web1 \| web1 stopped answering/);
      // what people write is escaped in the Markdown: the pipe stays text
      expect(text).toContain("**admin**: hypervisor of web1 rebooted \\| checking the PSU");
      expect(text).toContain("| State | open |");

      const json = await page.request.get(`/api/clusters/lab/incidents/${id}/export?format=json`);
      expect(json.headers()["content-disposition"]).toBe(`attachment; filename="incident-lab-${id}.json"`);
      const data = (await json.json()) as { incident: IncidentRow; events: { kind: string; stateThen: unknown }[]; notes: { author: string; text: string }[] };
      expect(data.incident).toMatchObject({ id, state: "open" });
      expect(data.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["host.unreachable", "incident.note"]));
      expect(data.events.find((e) => e.kind === "host.unreachable")?.stateThen).not.toBeNull();
      expect(data.notes).toEqual([expect.objectContaining({ author: "admin", text: "hypervisor of web1 rebooted | checking the PSU" })]);
    } finally {
      await lab.clear("vm-off", "web1");
    }
    await expect(page.getByTestId("incident-state")).toHaveText("closed", { timeout: 90_000 });
    await expect(page.getByTestId("event-row").filter({ hasText: "web1 answers again" })).toBeVisible();
    const closed = (await incidents(page.request)).find((i) => i.id === id);
    expect(closed?.state).toBe("closed");
  });

  test("filters: one host and one kind from the form, kept in the URL; bad filters refused", async ({ page }) => {
    await page.goto("/clusters/lab/timeline");
    await page.getByTestId("filter-host").selectOption("web1");
    await page.getByTestId("filter-kind").selectOption("host.unreachable");
    await page.getByTestId("filter-apply").click();
    await expect(page).toHaveURL(/host=web1/);
    await expect(page).toHaveURL(/kind=host.unreachable/);
    const rows = page.getByTestId("event-row");
    await expect(rows.first()).toBeVisible();
    for (const kind of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")))) expect(kind).toBe("host.unreachable");

    await page.goto("/clusters/lab/timeline?severity=loud");
    await expect(page.getByTestId("filter-error")).toContainText("severity");
    const api = await page.request.get("/api/clusters/lab/events?tier=kitchen");
    expect(api.status()).toBe(400);
  });

  test("settings: an admin sets the webhook URL, a bad one is refused, and the change is on the timeline", async ({ page }) => {
    await page.goto("/clusters/lab");
    await page.getByTestId("nav-settings").click();
    await page.getByTestId("webhook-url").fill("ftp://example.org/hook");
    await page.getByTestId("webhook-save").click();
    await expect(page.locator(".field-error")).toContainText("http:// or https://");
    await page.getByTestId("webhook-url").fill("http://127.0.0.1:9/clusterdeck-e2e");
    await page.getByTestId("webhook-save").click();
    // scheme and host only: the path of a chat service's hook is its secret, shown to no one
    await expect(page.getByTestId("webhook-current")).toContainText("http://127.0.0.1:9/…");
    await expect(page.getByTestId("webhook-current")).not.toContainText("clusterdeck-e2e");
    await expect(page.getByTestId("webhook-url")).toHaveValue("");
    expect(await page.content()).not.toContain("clusterdeck-e2e");
    await page.getByTestId("webhook-url").fill("");
    await page.getByTestId("webhook-save").click();
    await expect(page.getByTestId("webhook-current")).toContainText("Turned off");
    await page.goto("/clusters/lab/timeline?kind=settings.changed");
    await expect(page.getByTestId("event-row").filter({ hasText: "incident webhook turned off" }).first()).toContainText("admin");
  });
});
