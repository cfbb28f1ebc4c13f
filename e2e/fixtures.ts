import fs from "node:fs";
import path from "node:path";
import { test as base, expect } from "@playwright/test";

export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-password";
const labDir = path.join(process.cwd(), ".lab-e2e", "lab");

/** The lab's own control API (not the console's): how tests break and repair the cluster. */
export class LabControl {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  static fromDisk(): LabControl {
    const { url, token } = JSON.parse(fs.readFileSync(path.join(labDir, "control.json"), "utf8")) as { url: string; token: string };
    return new LabControl(url, token);
  }

  private async call(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`lab ${method} ${route}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  inject(kind: string, target: string) {
    return this.call("POST", "/faults", { kind, target });
  }

  clear(kind: string, target: string) {
    return this.call("POST", "/faults/clear", { kind, target });
  }

  truth() {
    return this.call("GET", "/truth");
  }
}

export const test = base.extend<{ lab: LabControl }>({
  // Playwright requires the destructuring pattern even when no fixture is used.
  // eslint-disable-next-line no-empty-pattern
  lab: async ({}, provide) => {
    await provide(LabControl.fromDisk());
  },
});

export { expect };
