import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { TestWorld } from "../test-world";
import { exec, fixture, startTiers, traffic } from "../test-world";

let world: TestWorld | null = null;
afterEach(() => {
  world?.cleanup();
  world = null;
});

function start(settings: Parameters<typeof startTiers>[0] = {}): TestWorld {
  world = startTiers(settings);
  return world;
}

const PHP = "/usr/bin/php";
const MAINT = "/var/www/moodle/admin/cli/maintenance.php";
const UPGRADE = "/var/www/moodle/admin/cli/upgrade.php";

function status(w: TestWorld, node: "web1" | "web2"): number {
  return w.tiers?.serveRequest(node, { userId: "u7", kind: "login", sessionId: null }).status ?? 0;
}

interface WebTruth {
  nodes: Record<string, { serves: { version: string; release: string } | null; codeFingerprint: string | null }>;
  lostSessions: number;
  sameVersion: boolean;
}

function webTruth(w: TestWorld): WebTruth {
  return w.tiers?.truth().web as WebTruth;
}

describe("Apache", () => {
  it("server-status?auto has mod_status's fields in order", async () => {
    const w = start();
    traffic(w, 10);
    const r = await exec(w, "web1", ["curl", "-s", "http://127.0.0.1/server-status?auto"]);
    expect(r.code).toBe(0);
    const keys = (t: string): string[] => t.split("\n").slice(1).filter(Boolean).map((l) => l.split(":")[0] ?? "");
    const ref = fixture("apache-server-status/apache_exporter-24-event.txt");
    expect(keys(r.stdout)).toEqual(keys(ref));
    expect(r.stdout.split("\n")[0]).toBe("127.0.0.1");
    expect(r.stdout).toMatch(/^CurrentTime: \w+day, \d\d-\w{3}-\d{4} \d\d:\d\d:\d\d UTC$/m);
    expect(r.stdout).toMatch(/^ReqPerSec: \.?\d/m);
    expect(r.stdout).toMatch(/^Scoreboard: [_W.]+$/m);
    const busy = Number(/^BusyWorkers: (\d+)/m.exec(r.stdout)?.[1]);
    const idle = Number(/^IdleWorkers: (\d+)/m.exec(r.stdout)?.[1]);
    const board = /^Scoreboard: (.*)$/m.exec(r.stdout)?.[1] ?? "";
    expect(board.replace(/[^W]/g, "").length).toBe(busy);
    expect(board.replace(/[^_]/g, "").length).toBe(idle);
  });

  it("curl fails to connect when Apache is down, and smoke tests see 200/503", async () => {
    const w = start();
    const code = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1/"];
    expect((await exec(w, "web1", code)).stdout).toBe("200");
    w.setService("web1", "apache2", false);
    const down = await exec(w, "web1", ["curl", "-sS", "http://127.0.0.1/server-status?auto"]);
    expect(down).toEqual({
      stdout: "",
      stderr: "curl: (7) Failed to connect to 127.0.0.1 port 80 after 0 ms: Couldn't connect to server\n",
      code: 7,
    });
    expect(w.tiers?.healthCheck("web1")).toBe(false);
    expect(status(w, "web1")).toBe(502);
    expect((await exec(w, "web2", ["apachectl", "configtest"])).stderr).toBe("Syntax OK\n");
  });
});

describe("maintenance mode", () => {
  it("one node's maintenance.php switches every node through the shared dataroot", async () => {
    const w = start();
    const on = await exec(w, "web1", [PHP, MAINT, "--enable"]);
    expect(on.stdout).toBe(
      "== Maintenance mode (http://203.0.113.10) ==\nYour site is currently in CLI maintenance mode, no web access is allowed.\n",
    );
    expect(fs.existsSync(path.join(w.dir, "drbd/r0/climaintenance.html"))).toBe(true);
    expect(status(w, "web1")).toBe(503);
    expect(status(w, "web2")).toBe(503);
    expect((await exec(w, "web2", [PHP, MAINT])).stdout).toBe("== Maintenance mode (http://203.0.113.10) ==\nStatus: enabled\n");
    const curl = await exec(w, "web2", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1/"]);
    expect(curl.stdout).toBe("503");
    const off = await exec(w, "web2", [PHP, MAINT, "--disable"]);
    expect(off.stdout).toContain("Maintenance mode has been disabled and the site is running normally again\n");
    expect(status(w, "web1")).toBe(200);
    expect((await exec(w, "web1", [PHP, MAINT, "--bogus"])).stderr).toBe("Unrecognised options:\n  --bogus\nPlease use --help option.\n");
  });
});

describe("code updates with the real rsync", () => {
  it("a same-version update rolls node by node; an upgrade needs upgrade.php", async () => {
    const w = start();
    const before = webTruth(w).nodes.web2?.codeFingerprint;
    const hot = await exec(w, "web1", ["rsync", "-ai", "--delete", "--exclude=config.php", "/srv/releases/4.4.2-hotfix/", "web2:/var/www/moodle/"]);
    expect(hot.code).toBe(0);
    const itemize = /^[<>ch.*][fdLDS][.+?cstpoguax]{9} \S/;
    expect(hot.stdout.split("\n").filter(Boolean).every((l) => itemize.test(l))).toBe(true);
    expect(fixture("rsync/jc-generic-rsync-i-attribute-changes.txt").split("\n").filter(Boolean).every((l) => itemize.test(l))).toBe(true);
    expect(hot.stdout).toContain("lib/weblib.php");
    expect(webTruth(w).nodes.web2?.codeFingerprint).not.toBe(before);
    expect(webTruth(w).sameVersion).toBe(true);
    expect(status(w, "web2")).toBe(200);

    const up = await exec(w, "web1", ["rsync", "-a", "--delete", "--exclude=config.php", "/srv/releases/4.5.0/", "192.168.10.21:/var/www/moodle/"]);
    expect(up.code).toBe(0);
    expect(webTruth(w).nodes.web2?.serves).toEqual({ version: "2024100700.00", release: "4.5 (Build: 20241007)" });
    expect(status(w, "web2")).toBe(503);
    expect(status(w, "web1")).toBe(200);
    const pending = await exec(w, "web2", [PHP, UPGRADE, "--is-pending"]);
    expect(pending).toEqual({ stdout: "", stderr: "An upgrade is pending\n", code: 2 });
    const run = await exec(w, "web2", [PHP, UPGRADE, "--non-interactive"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "Command line upgrade from 4.4.2+ (Build: 20240802) (2024042202.02) to 4.5 (Build: 20241007) (2024100700.00) completed successfully.\n",
    );
    expect(status(w, "web2")).toBe(200);
    expect(status(w, "web1")).toBe(500);
    const again = await exec(w, "web2", [PHP, UPGRADE, "--non-interactive"]);
    expect(again.stderr).toBe("No upgrade needed for the installed version 4.5 (Build: 20241007) (2024100700.00). Thanks for coming anyway!\n");
    expect(again.code).toBe(0);
    await exec(w, "web1", ["rsync", "-a", "--delete", "--exclude=config.php", "/srv/releases/4.5.0/", "/var/www/moodle/"]);
    expect(status(w, "web1")).toBe(200);
    expect((await exec(w, "web1", [PHP, "-l", "/var/www/moodle/version.php"])).stdout).toBe(
      "No syntax errors detected in /var/www/moodle/version.php\n",
    );
  });

  it("refuses remote shells and reports unreachable hosts like ssh does", async () => {
    const w = start();
    const e = await exec(w, "web1", ["rsync", "-a", "-e", "ssh -p 2222", "/srv/releases/4.4.2/", "web2:/tmp/x/"]);
    expect(e.code).toBe(1);
    w.powerVm("web2", false);
    const r = await exec(w, "web1", ["rsync", "-a", "/srv/releases/4.4.2/", "web2:/tmp/x/"]);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/^ssh: connect to host web2 port 22: No route to host\r\n/);
  });
});

describe("sessions", () => {
  it("database sessions survive a switch of node", async () => {
    const w = start({ sessionHandler: "database" });
    const login = w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null });
    expect(login?.status).toBe(200);
    const click = w.tiers?.serveRequest("web2", { userId: "u1", kind: "click", sessionId: login?.sessionId ?? null });
    expect(click).toEqual({ status: 200, sessionId: login?.sessionId });
    const count = await exec(w, "db1", ["mysql", "--defaults-file=/etc/mysql/clusterdeck.cnf", "-N", "-e", "SELECT COUNT(*) FROM mdl_sessions"]);
    expect(count.stdout).toBe("1\n");
    w.tiers?.serveRequest("web2", { userId: "u1", kind: "logout", sessionId: login?.sessionId ?? null });
    expect((await exec(w, "db1", ["mysql", "--defaults-file=/etc/mysql/clusterdeck.cnf", "-N", "-e", "SELECT COUNT(*) FROM mdl_sessions"])).stdout).toBe("0\n");
  });

  it("file sessions live on one node and are lost on the other", () => {
    const w = start({ sessionHandler: "file" });
    const login = w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null });
    const sid = login?.sessionId ?? "";
    const file = path.join(w.vmRoot("web1"), "var/lib/moodle/sessions", `sess_${sid}`);
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.statSync(file).mtimeMs).toBe(Math.floor(w.now() / 1000) * 1000);
    w.advance(30_000);
    expect(w.tiers?.serveRequest("web1", { userId: "u1", kind: "click", sessionId: sid }).status).toBe(200);
    expect(fs.statSync(file).mtimeMs).toBe(Math.floor(w.now() / 1000) * 1000);
    expect(w.tiers?.serveRequest("web2", { userId: "u1", kind: "click", sessionId: sid })).toEqual({ status: 303, sessionId: null });
    expect(webTruth(w).lostSessions).toBe(1);
  });
});

describe("NFS dataroot", () => {
  it("goes stale while no fs node exports it and comes back after the storage failover", async () => {
    const w = start();
    expect((await exec(w, "web1", ["findmnt", "-n", "-o", "SOURCE,TARGET,FSTYPE", "/var/moodledata"])).stdout).toBe(
      "192.168.10.30:/srv/moodledata /var/moodledata nfs4\n",
    );
    w.powerVm("fs1", false);
    expect(() => w.resolvePath("web1", "/var/moodledata/filedir")).toThrow(/Stale file handle/);
    expect(status(w, "web1")).toBe(500);
    w.advance(w.settings.heartbeatDeadtimeMs + 1000);
    expect(status(w, "web1")).toBe(200);
    expect(w.resolvePath("web1", "/var/moodledata")).toBe(path.join(w.dir, "drbd/r0"));
    const um = await exec(w, "web2", ["umount", "/var/moodledata"]);
    expect(um.code).toBe(0);
    expect(w.resolvePath("web2", "/var/moodledata")).toBe(path.join(w.vmRoot("web2"), "var/moodledata"));
    expect((await exec(w, "web2", ["mount", "-a"])).code).toBe(0);
    expect(w.tiers?.virtualFile?.("web2", "/proc/mounts")).toContain("192.168.10.30:/srv/moodledata /var/moodledata nfs4 rw,relatime,vers=4.2");
  });
});
