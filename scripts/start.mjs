#!/usr/bin/env node
// `npm start`: build when needed, apply migrations, start the lab (unless a real inventory is
// configured) and the console, then print where to sign in. `--dev` runs `next dev` instead.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { LAB_PACKAGES, ensurePackages } from "./lib/debian-packages.mjs";
import { bin, buildIfNeeded, choosePort, prepareDatabase, root, waitForFile } from "./lib/proc.mjs";

const dev = process.argv.includes("--dev");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
env.DATABASE_URL ??= `file:${path.join(root, "data", "clusterdeck.db")}`;
const labDir = path.resolve(root, env.CLUSTERDECK_LAB_DIR ?? ".lab");
const useLab = !env.CLUSTERDECK_INVENTORY && !fs.existsSync(path.join(root, "clusterdeck.yaml"));
const children = [];

function stopAll(code) {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 1500).unref();
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

if (useLab && !ensurePackages(LAB_PACKAGES, "the lab")) process.exit(1);
fs.mkdirSync(path.join(root, "data"), { recursive: true });
prepareDatabase(env);
if (!dev) buildIfNeeded(env);

if (useLab) {
  const startedAt = Date.now();
  const lab = spawn(bin("tsx"), ["lab/cli.ts", "start", "--dir", labDir], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
  children.push(lab);
  lab.on("exit", (code) => {
    console.error(`clusterdeck: the lab stopped (exit ${code}); stopping the console`);
    stopAll(1);
  });
  if (!(await waitForFile(path.join(labDir, "inventory.yaml"), startedAt - 1000, 60_000))) {
    console.error("clusterdeck: the lab did not write its inventory within 60 s");
    stopAll(1);
  }
  env.CLUSTERDECK_LAB_DIR = labDir;
} else {
  console.log(`clusterdeck: using the inventory ${env.CLUSTERDECK_INVENTORY ?? "clusterdeck.yaml"}; the lab is not started`);
}

const port = await choosePort(Number(env.PORT ?? 3000));
// Loopback only unless told otherwise: put a TLS reverse proxy in front (README) or set
// CLUSTERDECK_BIND=0.0.0.0 knowingly.
const bindAddress = env.CLUSTERDECK_BIND || "127.0.0.1";
const console_ = spawn(bin("next"), [dev ? "dev" : "start", "-p", String(port), "-H", bindAddress], { cwd: root, env, stdio: "inherit" });
children.push(console_);
console_.on("exit", (code) => stopAll(code ?? 1));

const url = `http://${bindAddress === "0.0.0.0" || bindAddress === "::" ? "localhost" : bindAddress.includes(":") ? `[${bindAddress}]` : bindAddress}:${port}`;
setTimeout(() => {
  console.log("");
  console.log(`ClusterDeck is running at ${url}`);
  console.log(
    env.CLUSTERDECK_ADMIN_PASSWORD
      ? "Sign in as admin with the password in CLUSTERDECK_ADMIN_PASSWORD."
      : "Sign in as admin; on the very first start its password is printed above (set CLUSTERDECK_ADMIN_PASSWORD to choose it).",
  );
  if (useLab) console.log(`The lab runs under ${path.relative(root, labDir) || labDir}; inject faults with: npm run lab -- fault vm-off web1`);
  console.log("Stop with Ctrl-C.");
}, dev ? 3000 : 1500);
