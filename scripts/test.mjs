#!/usr/bin/env node
// `npm test`: typecheck, lint, unit, integration, conformance, e2e — in that order, stopping at the first
// failing stage — then one closing line `N passed, N failed` summed over every suite.
// `node scripts/test.mjs conformance` (`npm run conformance`) runs the named stages only.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONFORMANCE_PACKAGES, E2E_PACKAGES, INTEGRATION_PACKAGES, ensurePackages } from "./lib/debian-packages.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const reports = path.join(root, ".reports");
fs.mkdirSync(reports, { recursive: true });
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", FORCE_COLOR: process.env.CI ? "0" : "1" };
const bin = (name) => path.join(root, "node_modules", ".bin", name);

let passed = 0;
let failed = 0;
let skipped = 0;

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

/** A stage that is one check (typecheck, lint): it passes or fails as a whole. */
function check(name, cmd, args) {
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit" });
  if (r.status === 0) passed += 1;
  else failed += 1;
  return r.status === 0;
}

function vitest(project) {
  const out = path.join(reports, `${project}.json`);
  fs.rmSync(out, { force: true });
  console.log(`\n=== ${project} tests`);
  const r = spawnSync(bin("vitest"), ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  const report = readJson(out);
  if (report) {
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A suite that failed to load counts as a failure even with no test inside it.
    const brokenSuites = (report.testResults ?? []).filter((s) => s.status === "failed" && (s.assertionResults ?? []).length === 0).length;
    failed += brokenSuites;
  } else if (r.status !== 0) {
    failed += 1;
  }
  return r.status === 0;
}

function playwright() {
  const out = path.join(reports, "e2e.json");
  fs.rmSync(out, { force: true });
  console.log("\n=== e2e tests (Playwright, Debian Chromium)");
  const r = spawnSync(bin("playwright"), ["test"], { cwd: root, env: { ...env, PLAYWRIGHT_JSON_OUTPUT_FILE: out }, stdio: "inherit" });
  const report = readJson(out);
  if (report?.stats) {
    passed += (report.stats.expected ?? 0) + (report.stats.flaky ?? 0);
    failed += report.stats.unexpected ?? 0;
    skipped += report.stats.skipped ?? 0;
    if (r.status !== 0 && !report.stats.unexpected) failed += 1;
  } else if (r.status !== 0) {
    failed += 1;
  }
  return r.status === 0;
}

/** The conformance suite makes network namespaces, accounts and sudoers files: without root it fails, never skips. */
function conformance() {
  if (process.getuid?.() !== 0) {
    console.log("\n=== conformance tests");
    console.error("clusterdeck: the conformance suite needs root (it creates network namespaces, test accounts and sudoers files): run it as root");
    failed += 1;
    return false;
  }
  return vitest("conformance");
}

const stages = {
  typecheck: { packages: [], run: () => check("typecheck", bin("tsc"), ["--noEmit", "-p", "."]) },
  lint: { packages: [], run: () => check("lint", bin("eslint"), ["--max-warnings", "0", "."]) },
  unit: { packages: [], run: () => vitest("unit") },
  integration: { packages: INTEGRATION_PACKAGES, run: () => vitest("integration") },
  conformance: { packages: CONFORMANCE_PACKAGES, run: conformance },
  e2e: { packages: E2E_PACKAGES, run: () => playwright() },
};

const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(a in stages));
if (unknown.length > 0) {
  console.error(`clusterdeck: no test stage ${unknown.join(", ")} (stages: ${Object.keys(stages).join(", ")})`);
  process.exit(2);
}
const chosen = asked.length > 0 ? asked.map((a) => stages[a]) : Object.values(stages);

function close(ok) {
  console.log("");
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exit(ok && failed === 0 ? 0 : 1);
}

// every package first, so a machine that lacks one stops at once, not after the long stages
if (!ensurePackages(chosen.flatMap((s) => s.packages), "the tests")) {
  failed += 1;
  close(false);
}

let ok = true;
for (const stage of chosen) {
  if (!stage.run()) {
    ok = false;
    break;
  }
}
close(ok);
