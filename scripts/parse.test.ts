import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const FIXTURES = join(ROOT, "lib/probes/__fixtures__");

function parse(args: string[], input?: string) {
  const run = spawnSync("npx", ["tsx", "scripts/parse.ts", ...args], { cwd: ROOT, input, encoding: "utf8", timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("npm run parse", { timeout: 60_000 }, () => {
  it("prints the parsed value of a fixture as JSON", () => {
    const run = parse(["loadavg", join(FIXTURES, "proc-loadavg/node_exporter.txt")]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ load1: 0.21, load5: 0.37, load15: 0.39, running: 1, total: 719, lastPid: 19737 });
  });

  it("reads stdin when no file is given", () => {
    const run = parse(["uptime"], " 10:25:20 up 16:03,  2 users,  load average: 0.00, 0.01, 0.05\n");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ upSeconds: 57780, users: 2 });
  });

  it("says it could not read garbage and exits 1", () => {
    const run = parse(["ipvsadm"], "bash: ipvsadm: command not found\n");
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^could not read ipvsadm output: .+/m);
  });

  it("lists the valid probes for an unknown name and exits 2", () => {
    const run = parse(["ipvsadmin"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown probe "ipvsadmin"');
    expect(run.stderr).toContain("ipvsadm-conns");
    expect(run.stderr).toContain("mysql-replica-status");
  });

  it("names a missing file and exits 2", () => {
    const run = parse(["df", join(FIXTURES, "df/no-such-file.txt")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("no such file");
  });
});
