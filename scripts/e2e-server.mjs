#!/usr/bin/env node
// What Playwright starts: a fresh lab on free ports and a production console pointed at it,
// with their own database and state under .lab-e2e/ so a developer's own lab is untouched.
// SIGUSR2 (see server.pid) crashes the console with SIGKILL and starts it again on the same
// port, database and lab, so a test can check what a console that died mid-run does next.
import { spawn } from "node:child_process";
import { once } from "node:events";
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
  // the e2e tests point the incident webhook at loopback, which a console refuses unless told otherwise
  CLUSTERDECK_WEBHOOK_ALLOW_PRIVATE: "1",
};
delete env.CLUSTERDECK_INVENTORY;

const pidFile = path.join(base, "server.pid");
fs.writeFileSync(pidFile, String(process.pid));
process.on("exit", () => fs.rmSync(pidFile, { force: true }));

const children = new Set();
let stopping = false;
let web = null;
let restarting = false;
// Playwright ends the run with SIGTERM to the group (gracefulShutdown in playwright.config.ts): wait
// for the lab to stop its real daemons, then go; a child that hangs is not waited on past 25 s.
const stopAll = (code) => {
  if (stopping) return;
  stopping = true;
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of running) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 25_000).unref();
  void Promise.all(running.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, "exit") : null))).then(() => process.exit(code));
};
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
// registered before anything starts: Node's default for SIGUSR2 is to exit
process.on("SIGUSR2", () => void restartWeb());

prepareDatabase(env);
buildIfNeeded(env);

const startedAt = Date.now();
const lab = spawn(bin("tsx"), ["lab/cli.ts", "start", "--dir", labDir, "--base-port", "0", "--control-port", "0", "--http-port", "0", "--seed", "7", "--speed", "2"], {
  cwd: root,
  env,
  stdio: ["ignore", "inherit", "inherit"],
});
children.add(lab);
lab.on("exit", (code) => stopAll(code ?? 1));
if (!(await waitForFile(path.join(labDir, "inventory.yaml"), startedAt - 1000, 60_000))) {
  console.error("e2e: the lab did not start");
  stopAll(1);
}
function startWeb() {
  const child = spawn(bin("next"), ["start", "-p", port, "-H", "127.0.0.1"], { cwd: root, env, stdio: "inherit" });
  children.add(child);
  child.on("exit", (code) => {
    children.delete(child);
    // the console killed on purpose is started again; any other exit ends the e2e run
    if (child === web && !stopping) stopAll(code ?? 1);
  });
  web = child;
}

async function restartWeb() {
  if (restarting || stopping || !web) return;
  restarting = true;
  const old = web;
  web = null;
  console.log(`e2e: killing the console (pid ${old.pid}) and starting it again`);
  if (old.exitCode === null && old.signalCode === null) {
    const exited = once(old, "exit");
    old.kill("SIGKILL");
    await exited;
  }
  if (!stopping) startWeb();
  restarting = false;
}

if (!stopping) startWeb();
