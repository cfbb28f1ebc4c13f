import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type Page, test as base, expect } from "@playwright/test";
import bcrypt from "bcryptjs";
import Database from "better-sqlite3";
import { parse } from "yaml";

export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-password";
const port = process.env.E2E_PORT ?? "3107";
const e2eDir = path.join(process.cwd(), ".lab-e2e", port);
const labDir = path.join(e2eDir, "lab");
const consoleUrl = `http://127.0.0.1:${port}`;

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

  /** a new host key for a VM, its sshd restarted on the same port (the inventory still pins the old one) */
  rekey(vm: string) {
    return this.call("POST", `/hosts/${encodeURIComponent(vm)}/rekey`) as Promise<{ host: string; sshPort: number; fingerprint: string }>;
  }

  /** the lab's model speed (fast-forwarding lets timers such as LVS persistence templates run out) */
  speed(speed: number) {
    return this.call("POST", "/speed", { speed });
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

async function consoleAnswers(): Promise<boolean> {
  try {
    return (await fetch(`${consoleUrl}/sign-in`, { signal: AbortSignal.timeout(2_000) })).status === 200;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, deadline: number, failure: string): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Crash the console (SIGKILL, by scripts/e2e-server.mjs) and wait until it answers again on the same
 * port, database and lab. `whileDown` runs once the old console is gone, and must end before the new
 * one answers, so what it checks is what the crash alone left behind.
 */
export async function restartConsole(whileDown?: () => Promise<void>): Promise<void> {
  const pid = Number(fs.readFileSync(path.join(e2eDir, "server.pid"), "utf8"));
  const deadline = Date.now() + 60_000;
  process.kill(pid, "SIGUSR2");
  await waitFor(async () => !(await consoleAnswers()), deadline, "the console still answers after it was killed");
  if (whileDown) {
    await whileDown();
    if (await consoleAnswers()) throw new Error("the console was back before the check meant for while it was down had finished");
  }
  await waitFor(consoleAnswers, deadline, "the console did not answer again within 60 s");
}

/** The messages of a run's workflow events, oldest first, read straight from the console's database (independent of the UI under test). */
export function runEvents(runId: string): string[] {
  const dbFile = new Database(path.join(e2eDir, "clusterdeck.db"), { readonly: true, fileMustExist: true });
  try {
    return dbFile
      .prepare("SELECT message FROM Event WHERE kind LIKE 'workflow.%' AND json_extract(after, '$.run') = ? ORDER BY id")
      .pluck()
      .all(runId)
      .map(String);
  } finally {
    dbFile.close();
  }
}

/**
 * A user written straight into the console's database (the Users screen is tested on its own in
 * users.spec.ts): specs that need a second person or a role use this. Idempotent per username.
 */
export function ensureUser(username: string, password: string, role: "viewer" | "operator" | "admin"): void {
  const dbFile = new Database(path.join(e2eDir, "clusterdeck.db"), { fileMustExist: true });
  try {
    dbFile
      .prepare(`INSERT INTO "User" ("id", "username", "passwordHash", "role", "createdAt") VALUES (?, ?, ?, ?, ?) ON CONFLICT("username") DO UPDATE SET "role" = excluded."role", "passwordHash" = excluded."passwordHash", "disabled" = 0, "mustChangePassword" = 0`)
      .run(`e2e-${username}`, username, bcrypt.hashSync(password, 4), role, Date.now());
  } finally {
    dbFile.close();
  }
}

/** Removes a user ensureUser wrote (their sessions go with them), so later specs see the users they expect. */
export function removeUser(username: string): void {
  const dbFile = new Database(path.join(e2eDir, "clusterdeck.db"), { fileMustExist: true });
  try {
    dbFile.prepare(`DELETE FROM "Session" WHERE "userId" IN (SELECT "id" FROM "User" WHERE "username" = ?)`).run(username);
    dbFile.prepare(`DELETE FROM "User" WHERE "username" = ?`).run(username);
  } finally {
    dbFile.close();
  }
}

/**
 * Approves every approval and ends every wait on a run's page until the run is no longer active; its
 * final status. Polls the page's own state (a short pause between looks), bounded by `timeoutMs`.
 */
export async function clickThrough(page: Page, timeoutMs = 150_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const status = page.getByTestId("run-status");
  for (;;) {
    const now = (await status.textContent())?.trim() ?? "";
    if (!["running", "waiting"].includes(now)) return now;
    const button = page.locator('[data-testid^="approve-"]:enabled, [data-testid^="finish-"]:enabled').first();
    if (await button.isVisible().catch(() => false)) await button.click().catch(() => undefined);
    if (Date.now() > deadline) throw new Error(`run still ${now}`);
    await page.waitForTimeout(400);
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
