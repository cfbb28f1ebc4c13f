import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test as base, expect } from "@playwright/test";
import { parse } from "yaml";

export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-password";
const labDir = path.join(process.cwd(), ".lab-e2e", process.env.E2E_PORT ?? "3107", "lab");

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

/** Run a command on a lab VM as an operator would, with the OpenSSH client and the lab's key. */
export function onLabHost(host: string, command: string): string {
  const inventory = parse(fs.readFileSync(path.join(labDir, "inventory.yaml"), "utf8")) as { clusters: { hosts: { name: string; port: number }[] }[] };
  const port = inventory.clusters[0]?.hosts.find((h) => h.name === host)?.port;
  if (!port) throw new Error(`no port for ${host} in the lab's inventory`);
  return execFileSync(
    "ssh",
    ["-i", path.join(labDir, "keys", "console_ed25519"), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-p", String(port), "clusterdeck@127.0.0.1", command],
    { encoding: "utf8" },
  );
}

export const test = base.extend<{ lab: LabControl }>({
  // Playwright requires the destructuring pattern even when no fixture is used.
  // eslint-disable-next-line no-empty-pattern
  lab: async ({}, provide) => {
    await provide(LabControl.fromDisk());
  },
});

export { expect };
