// Helpers shared by the start and e2e scripts.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const bin = (name) => path.join(root, "node_modules", ".bin", name);

export function run(cmd, args, what, env) {
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`clusterdeck: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** The production build is missing or older than any console source. */
export function needsBuild() {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const built = fs.statSync(buildId).mtimeMs;
  const dirs = ["app", "components", "lib", "public", "generated"].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
  const files = ["next.config.js", "package.json", "instrumentation.ts", "tsconfig.json"].map((f) => path.join(root, f)).filter((f) => fs.existsSync(f));
  return Math.max(...dirs.map(newestMtime), ...files.map((f) => fs.statSync(f).mtimeMs)) > built;
}

export function prepareDatabase(env) {
  if (!fs.existsSync(path.join(root, "generated", "prisma", "client.ts"))) run(bin("prisma"), ["generate"], "prisma generate", env);
  run(bin("prisma"), ["migrate", "deploy"], "applying database migrations", env);
  // password hashes, sessions and command output: only this user may read the file (see lib/db-file.ts)
  const file = env.DATABASE_URL?.startsWith("file:") ? path.resolve(root, env.DATABASE_URL.slice(5).replace(/\?.*$/, "")) : null;
  if (file) for (const suffix of ["", "-wal", "-shm", "-journal"]) if (fs.existsSync(file + suffix)) fs.chmodSync(file + suffix, 0o600);
}

export function buildIfNeeded(env) {
  if (!needsBuild()) return;
  console.log("clusterdeck: building the console (first start or changed sources)…");
  run(bin("next"), ["build"], "next build", env);
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "0.0.0.0", () => srv.close(() => resolve(true)));
  });
}

export async function choosePort(wanted) {
  for (let p = wanted; p < wanted + 20; p++) if (await portFree(p)) return p;
  throw new Error(`no free port from ${wanted} to ${wanted + 19}`);
}

export async function waitForFile(file, newerThan, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(file) && fs.statSync(file).mtimeMs >= newerThan) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
