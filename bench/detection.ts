// Fault -> screen: how long after a VM freezes the operator's browser says so. The lab's vm-off leaves the VM's
// TCP connections open and silent, as a frozen or powered-off VM does; the overview should show it "late" within
// one poll interval and a grace (2.5 s at the default 2 s poll) and "not answering" when the poll times out.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";

const PORT = process.env.BENCH_DETECTION_PORT ?? "3191";
const ROUNDS = Math.max(3, Number(process.env.BENCH_DETECTION_ROUNDS ?? 5));
const PASSWORD = "bench-detection-password";

async function waitFor<T>(read: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
}

export async function detectionBench(): Promise<void> {
  console.log(`\nfault -> screen: web1 frozen (lab vm-off) until the overview in Chromium shows it, ${ROUNDS} rounds`);
  const base = path.join(process.cwd(), ".lab-e2e", PORT);
  const server: ChildProcess = spawn("node", ["scripts/e2e-server.mjs"], {
    env: { ...process.env, E2E_PORT: PORT, E2E_ADMIN_PASSWORD: PASSWORD },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    const url = `http://127.0.0.1:${PORT}`;
    await waitFor(async () => ((await fetch(`${url}/sign-in`)).ok ? true : null), 300_000, "the console");
    const control = JSON.parse(fs.readFileSync(path.join(base, "lab", "control.json"), "utf8")) as { url: string; token: string };
    const fault = (route: string) =>
      fetch(`${control.url}${route}`, {
        method: "POST",
        headers: { authorization: `Bearer ${control.token}`, "content-type": "application/json" },
        body: JSON.stringify({ kind: "vm-off", target: "web1" }),
      });
    const page = await browser.newPage();
    await page.goto(`${url}/sign-in`);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/clusters\//);
    await page.goto(`${url}/clusters/lab`);
    const status = page.getByTestId("vm-web1-status");
    const late: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await status.filter({ hasText: /^up$/ }).waitFor({ timeout: 120_000 });
      // let the freeze fall anywhere in the poll cycle
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 2000));
      const t0 = performance.now();
      await fault("/faults");
      await status.filter({ hasText: /^late$/ }).waitFor({ timeout: 30_000 });
      late.push(performance.now() - t0);
      await status.filter({ hasText: /^not answering$/ }).waitFor({ timeout: 30_000 });
      down.push(performance.now() - t0);
      await fault("/faults/clear");
    }
    const row = (label: string, xs: number[]) =>
      console.log(`  ${label.padEnd(34)} median ${(median(xs) / 1000).toFixed(2)} s   max ${(Math.max(...xs) / 1000).toFixed(2)} s   (${xs.map((x) => (x / 1000).toFixed(1)).join(", ")})`);
    row("frozen -> shown late", late);
    row("frozen -> shown not answering", down);
    console.log("  target: late within one poll interval and a grace (2.5 s at the default 2 s poll)");
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  detectionBench().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
