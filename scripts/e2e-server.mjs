#!/usr/bin/env node
// What Playwright starts: a fresh lab on free ports and a production console pointed at it,
// with their own database and state under .lab-e2e/ so a developer's own lab is untouched.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { bin, buildIfNeeded, prepareDatabase, root, waitForFile } from "./lib/proc.mjs";

const port = process.env.E2E_PORT ?? "3107";
const base = path.join(root, ".lab-e2e", port);
const labDir = path.join(base, "lab");
fs.rmSync(base, { recursive: true, force: true });
fs.mkdirSync(base, { recursive: true });

const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  DATABASE_URL: `file:${path.join(base, "clusterdeck.db")}`,
  CLUSTERDECK_LAB_DIR: labDir,
  CLUSTERDECK_ADMIN_PASSWORD: process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-password",
};
delete env.CLUSTERDECK_INVENTORY;

const children = [];
const stopAll = (code) => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 1000).unref();
};
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

prepareDatabase(env);
buildIfNeeded(env);

const startedAt = Date.now();
const lab = spawn(bin("tsx"), ["lab/cli.ts", "start", "--dir", labDir, "--base-port", "0", "--control-port", "0", "--http-port", "0", "--seed", "7", "--speed", "2"], {
  cwd: root,
  env,
  stdio: ["ignore", "inherit", "inherit"],
});
children.push(lab);
lab.on("exit", (code) => stopAll(code ?? 1));
if (!(await waitForFile(path.join(labDir, "inventory.yaml"), startedAt - 1000, 60_000))) {
  console.error("e2e: the lab did not start");
  stopAll(1);
}
const web = spawn(bin("next"), ["start", "-p", port, "-H", "127.0.0.1"], { cwd: root, env, stdio: "inherit" });
children.push(web);
web.on("exit", (code) => stopAll(code ?? 1));
