import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WebVm } from "../../model/types";
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
const SESSIONS = "drbd/r0/sessions";

function status(w: TestWorld, node: WebVm): number {
  return w.tiers?.serveRequest(node, { userId: "u7", kind: "login", sessionId: null }).status ?? 0;
}

interface NodeTruth {
  serves: { version: string; release: string } | null;
  codeFingerprint: string | null;
  sessionStore: string | null;
  sessionDir: string | null;
  sessionFiles: number | null;
  opcacheResetAt: number | null;
}
interface WebTruth {
  nodes: Record<string, NodeTruth>;
  lostSessions: number;
  sameVersion: boolean;
}

function webTruth(w: TestWorld): WebTruth {
  return w.tiers?.truth().web as WebTruth;
}

/** the smoke test as the console may send it, from the node to itself */
const code = (url: string, ...opts: string[]): string[] => ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", ...opts, url];
/** SQL as Moodle's own database account, the way its admin pages write mdl_config */
const moodleSql = (w: TestWorld, sql: string) => exec(w, "web1", ["mysql", "-h", "192.168.10.18", "-u", "moodle", "-pmoodle-lab-secret", "moodle", "-e", sql]);
const sessionFiles = (w: TestWorld): string[] => fs.readdirSync(path.join(w.dir, SESSIONS)).filter((n) => n.startsWith("sess_"));
const keys = (t: string): string[] => t.split("\n").slice(1).filter(Boolean).map((l) => l.split(":")[0] ?? "");

describe("Apache's server-status?auto (2.4.71, captured here)", () => {
  it.each([
    ["mod_php", "prefork", "apache-2.4.71-prefork-modphp-CAPTURED.txt"],
    ["php-fpm", "event", "apache-2.4.71-event-phpfpm-CAPTURED.txt"],
  ] as const)("under %s prints %s's fields in the real order", async (phpHandler, mpm, file) => {
    const w = start({ phpHandler });
    traffic(w, 10);
    w.advance(3000);
    const r = await exec(w, "web1", ["curl", "-s", "http://127.0.0.1/server-status?auto"]);
    expect(r.code).toBe(0);
    expect(keys(r.stdout)).toEqual(keys(fixture(`apache-server-status/${file}`)));
    expect(r.stdout.split("\n")[0]).toBe("127.0.0.1");
    expect(r.stdout).toContain(`ServerMPM: ${mpm}\nServer Built: 2026-11-12T08:58:41\n`);
    expect(r.stdout).toMatch(/^CurrentTime: \w+day, \d\d-\w{3}-\d{4} \d\d:\d\d:\d\d UTC$/m);
    expect(r.stdout).toMatch(/^GracefulWorkers: 0$/m);
    expect(r.stdout).toMatch(/^Scoreboard: [_W.]{150}$/m);
  });

  it("counts the status request itself as a busy worker, and ReqPerSec is the lifetime average", async () => {
    const w = start();
    w.advance(10_000);
    const idle = (await exec(w, "web1", ["curl", "-s", "http://127.0.0.1/server-status?auto"])).stdout;
    expect(idle).toMatch(/^BusyWorkers: 1$/m);
    expect(/^Scoreboard: (.*)$/m.exec(idle)?.[1]?.replace(/[^W]/g, "")).toBe("W");
    for (let i = 0; i < 4; i++) w.tiers?.serveRequest("web1", { userId: `u${i}`, kind: "login", sessionId: null });
    const busy = (await exec(w, "web1", ["curl", "-s", "http://127.0.0.1/server-status?auto"])).stdout;
    const field = (name: string): number => Number(new RegExp(`^${name}: (\\S+)$`, "m").exec(busy)?.[1]);
    expect(field("BusyWorkers")).toBeGreaterThanOrEqual(2);
    expect(field("BusyWorkers") + field("IdleWorkers")).toBe(/^Scoreboard: (.*)$/m.exec(busy)?.[1]?.replace(/[^W_]/g, "").length);
    expect(field("ReqPerSec")).toBeCloseTo(field("Total Accesses") / field("Uptime"), 4);
  });

  it("prints no per-second rates in the first second after a start, and a graceful keeps counters and uptime", async () => {
    const w = start({ phpHandler: "php-fpm" });
    w.setService("web1", "apache2", false);
    w.advance(500);
    w.setService("web1", "apache2", true);
    w.advance(500);
    const first = (await exec(w, "web1", ["curl", "-s", "http://127.0.0.1/server-status?auto"])).stdout;
    expect(first).toMatch(/^Uptime: 0\nBusyWorkers: 1$/m);
    expect(first).toContain("ServerUptime:\n");
    expect(first).not.toContain("ReqPerSec");
    w.advance(5000);
    traffic(w, 6);
    await exec(w, "web1", ["apachectl", "graceful"]);
    const after = (await exec(w, "web1", ["curl", "-s", "http://127.0.0.1/server-status?auto"])).stdout;
    expect(after).toContain("ParentServerConfigGeneration: 2\nParentServerMPMGeneration: 1\n");
    expect(after).toMatch(/^ServerUptimeSeconds: 5$/m);
    expect(after).toMatch(/^Total Accesses: 4$/m);
    expect(after).toMatch(/^Stopping: [12]$/m);
    expect(after).toMatch(/^Scoreboard: G+/m);
  });

  it("answers 403 to anyone but the node itself (Require local)", async () => {
    const w = start();
    const r = await exec(w, "web2", ["curl", "-s", "-i", "http://192.168.10.11/server-status?auto"]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(r.stdout).toContain("<address>Apache/2.4.71 (Debian) Server at 192.168.10.11 Port 80</address>");
  });
});

describe("curl on a web node, as Moodle answers it", () => {
  it("gets 303 to wwwroot for a foreign Host, and the page with the site's own name", async () => {
    const w = start();
    const r = await exec(w, "web1", ["curl", "-sS", "-i", "http://127.0.0.1/login/index.php?lang=en"]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 303 See Other\r\n/);
    expect(r.stdout).toContain("\r\nX-Redirect-By: Moodle\r\nLocation: http://203.0.113.10/login/index.php?lang=en\r\n");
    expect((await exec(w, "web1", code("http://127.0.0.1/login/index.php"))).stdout).toBe("303");
    expect((await exec(w, "web1", code("http://203.0.113.10/login/index.php", "--resolve", "203.0.113.10:80:127.0.0.1"))).stdout).toBe("200");
    expect((await exec(w, "web1", code("http://127.0.0.1/login/index.php", "-H", "Host: 203.0.113.10"))).stdout).toBe("200");
    // the VIP is on every DR real server's lo: asking for it by name needs no --resolve on the node
    expect((await exec(w, "web2", code("http://203.0.113.10/login/index.php"))).stdout).toBe("200");
    const followed = await exec(w, "web1", ["curl", "-sS", "-L", "-o", "/dev/null", "-w", "%{http_code} %{num_redirects} %{url_effective}", "http://127.0.0.1/login/index.php"]);
    expect(followed).toEqual({ stdout: "200 1 http://203.0.113.10/login/index.php", stderr: "", code: 0 });
    const capped = await exec(w, "web1", ["curl", "-sS", "-L", "--max-redirs", "0", "-o", "/dev/null", "-w", "%{http_code} [%{redirect_url}]", "http://127.0.0.1/login/index.php"]);
    expect(capped).toEqual({ stdout: "303 [http://203.0.113.10/login/index.php]", stderr: "curl: (47) Maximum (0) redirects followed\n", code: 47 });
  });

  it("answers 301 for a folder without its slash, 404 for nothing, and fails to connect when Apache is down", async () => {
    const w = start();
    const dir = await exec(w, "web1", ["curl", "-sI", "-H", "Host: 203.0.113.10", "http://127.0.0.1/login"]);
    expect(dir.stdout).toMatch(/^HTTP\/1\.1 301 Moved Permanently\r\n[^]*Location: http:\/\/203\.0\.113\.10\/login\/\r\n/);
    expect((await exec(w, "web1", code("http://127.0.0.1/nothere.php", "-H", "Host: 203.0.113.10"))).stdout).toBe("404");
    const bad = await exec(w, "web1", ["curl", "-s", "-H", "Host: 203.0.113.10", "http://127.0.0.1/login/%zz.php"]);
    expect(bad.stdout).toContain("<title>400 Bad Request</title>\n</head><body>\n<h1>Bad Request</h1>\n<p>Your browser sent a request that this server could not understand.<br />\n</p>\n<hr>");
    w.setService("web1", "apache2", false);
    expect(await exec(w, "web1", code("http://127.0.0.1/login/index.php"))).toEqual({
      stdout: "000",
      stderr: "curl: (7) Failed to connect to 127.0.0.1 port 80 after 0 ms: Couldn't connect to server\n",
      code: 7,
    });
    expect(w.tiers?.healthCheck("web1")).toBe(false);
    expect(status(w, "web1")).toBe(502);
    expect((await exec(w, "web2", ["apachectl", "configtest"])).stderr).toBe("Syntax OK\n");
  });

  it("refuses options it does not know, as curl 7.88 does", async () => {
    const w = start();
    expect(await exec(w, "web1", ["curl", "--bogus", "http://127.0.0.1/"])).toEqual({
      stdout: "",
      stderr: "curl: option --bogus: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n",
      code: 2,
    });
  });
});

describe("maintenance mode", () => {
  it("one node's maintenance.php switches every node through the shared dataroot; a foreign Host gets 503 too", async () => {
    const w = start();
    const on = await exec(w, "web1", [PHP, MAINT, "--enable"]);
    expect(on.stdout).toBe("== Maintenance mode (http://203.0.113.10) ==\nYour site is currently in CLI maintenance mode, no web access is allowed.\n");
    expect(fs.existsSync(path.join(w.dir, "drbd/r0/climaintenance.html"))).toBe(true);
    expect(status(w, "web1")).toBe(503);
    expect(status(w, "web2")).toBe(503);
    expect((await exec(w, "web2", [PHP, MAINT])).stdout).toBe("== Maintenance mode (http://203.0.113.10) ==\nStatus: enabled\n");
    // lib/setup.php looks for climaintenance.html before it compares the Host with wwwroot
    const page = await exec(w, "web2", ["curl", "-s", "-i", "http://127.0.0.1/login/index.php"]);
    expect(page.stdout).toMatch(/^HTTP\/1\.1 503 Moodle under maintenance\r\n[^]*Retry-After: 300\r\n/);
    expect((await exec(w, "web2", code("http://127.0.0.1/"))).stdout).toBe("503");
    // again while on: Moodle 4.5 prints the message again and leaves the file as it is
    expect((await exec(w, "web1", [PHP, MAINT, "--enable"])).stdout).toContain("Your site is currently in CLI maintenance mode");
    const off = await exec(w, "web2", [PHP, MAINT, "--disable"]);
    expect(off.stdout).toContain("Maintenance mode has been disabled and the site is running normally again\n");
    expect(status(w, "web1")).toBe(200);
    expect((await exec(w, "web1", [PHP, MAINT, "--bogus"])).stderr).toBe("Unrecognised options:\n  --bogus\nPlease use --help option.\n");
  });

  it("--enablelater while maintenance is on says so and exits 0 (admin/cli/maintenance.php's top-level `return 1`)", async () => {
    const w = start();
    await exec(w, "web1", [PHP, MAINT, "--enable"]);
    expect(await exec(w, "web1", [PHP, MAINT, "--enablelater=10"])).toEqual({
      stdout: "== Maintenance mode (http://203.0.113.10) ==\nStatus: enabled\n",
      stderr: "",
      code: 0,
    });
  });

  it("--enablelater switches CLI maintenance on at the first request after its time, redirecting that one to wwwroot", async () => {
    const w = start();
    const later = await exec(w, "web1", [PHP, MAINT, "--enablelater=2"]);
    expect(later.stdout).toMatch(/^== Maintenance mode \(http:\/\/203\.0\.113\.10\) ==\nstatus: CLI maintenance mode will be enabled on \w+day, \d+ \w+ \d{4}, \d+:\d\d [AP]M\n$/);
    expect((await exec(w, "web2", [PHP, MAINT])).stdout).toContain("status: CLI maintenance mode will be enabled on");
    w.advance(60_000);
    expect(status(w, "web2")).toBe(200);
    w.advance(61_000);
    const first = await exec(w, "web2", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", "Host: 203.0.113.10", "http://127.0.0.1/index.php"]);
    expect(first.stdout).toBe("303 http://203.0.113.10/");
    expect(fs.existsSync(path.join(w.dir, "drbd/r0/climaintenance.html"))).toBe(true);
    expect(status(w, "web1")).toBe(503);
    expect((await exec(w, "web1", [PHP, MAINT])).stdout).toContain("Status: enabled\n");
  });

  it("maintenance_enabled from the admin pages: 503 for the front page and users, the login page still served", async () => {
    const w = start();
    expect((await moodleSql(w, "UPDATE mdl_config SET value='1' WHERE name='maintenance_enabled'")).code).toBe(0);
    expect(fs.existsSync(path.join(w.dir, "drbd/r0/climaintenance.html"))).toBe(false);
    const front = await exec(w, "web1", ["curl", "-s", "-i", "-H", "Host: 203.0.113.10", "http://127.0.0.1/"]);
    expect(front.stdout).toMatch(/^HTTP\/1\.1 503 Moodle under maintenance\r\n/);
    expect(front.stdout).toContain("The site is undergoing maintenance and is currently not available");
    expect((await exec(w, "web1", code("http://127.0.0.1/login/index.php", "-H", "Host: 203.0.113.10"))).stdout).toBe("200");
    expect(status(w, "web2")).toBe(503);
    expect((await exec(w, "web2", [PHP, MAINT])).stdout).toContain("Status: enabled\n");
    await exec(w, "web2", [PHP, MAINT, "--disable"]);
    expect(status(w, "web2")).toBe(200);
  });

  it("$CFG->maintenance_message in config.php replaces the template in climaintenance.html", async () => {
    const w = start();
    fs.writeFileSync(path.join(w.dir, "drbd/r0/climaintenance.template.html"), "<p>template</p>\n");
    const cfg = path.join(w.vmRoot("web1"), "var/www/moodle/config.php");
    fs.writeFileSync(cfg, fs.readFileSync(cfg, "utf8").replace("$CFG->admin ", "$CFG->maintenance_message = 'Back at <b>six</b>';\n$CFG->admin "));
    await exec(w, "web1", [PHP, MAINT, "--enable"]);
    const html = fs.readFileSync(path.join(w.dir, "drbd/r0/climaintenance.html"), "utf8");
    expect(html).toContain("<div class='alert-danger'>Back at <b>six</b></div>");
    expect(html).not.toContain("template");
    expect(fs.statSync(path.join(w.dir, "drbd/r0/climaintenance.html")).mode & 0o777).toBe(0o666);
  });
});

describe("upgrades", () => {
  it("a pending upgrade still serves users; upgrade.php then brings the database up", async () => {
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
    // the database (4.4.2+, 2024042202.02) is past 4.4's major changes (2024010400.00): no redirect, the site works on
    expect(status(w, "web2")).toBe(200);
    expect((await exec(w, "web2", code("http://127.0.0.1/", "-H", "Host: 203.0.113.10"))).stdout).toBe("200");
    expect((await exec(w, "web2", code("http://127.0.0.1/admin/index.php", "-H", "Host: 203.0.113.10"))).stdout).toBe("200");
    expect((await exec(w, "web1", code("http://127.0.0.1/admin/index.php", "-H", "Host: 203.0.113.10"))).stdout).toBe("303");
    expect(status(w, "web1")).toBe(200);
    const pending = await exec(w, "web2", [PHP, UPGRADE, "--is-pending"]);
    expect(pending).toEqual({ stdout: "", stderr: "An upgrade is pending\n", code: 2 });
    const run = await exec(w, "web2", [PHP, UPGRADE, "--non-interactive"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "Command line upgrade from 4.4.2+ (Build: 20240802) (2024042202.02) to 4.5 (Build: 20241007) (2024100700.00) completed successfully.\n",
    );
    expect(status(w, "web2")).toBe(200);
    const again = await exec(w, "web2", [PHP, UPGRADE, "--non-interactive"]);
    expect(again.stderr).toBe("No upgrade needed for the installed version 4.5 (Build: 20241007) (2024100700.00). Thanks for coming anyway!\n");
    expect(again.code).toBe(0);
    await exec(w, "web1", ["rsync", "-a", "--delete", "--exclude=config.php", "/srv/releases/4.5.0/", "/var/www/moodle/"]);
    expect(status(w, "web1")).toBe(200);
  });

  it("a major upgrade (database older than 2024010400.00) sends everyone to admin/index.php", async () => {
    const w = start();
    expect((await moodleSql(w, "UPDATE mdl_config SET value='2023100900.00' WHERE name='version'")).code).toBe(0);
    const r = await exec(w, "web1", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", "Host: 203.0.113.10", "http://127.0.0.1/login/index.php"]);
    expect(r.stdout).toBe("303 http://203.0.113.10/admin/index.php");
    expect(status(w, "web1")).toBe(303);
  });

  it("php -l checks only the first file, and `php -l --` checks stdin (PHP 8.2)", async () => {
    const w = start();
    expect((await exec(w, "web1", [PHP, "-l", "/var/www/moodle/version.php"])).stdout).toBe("No syntax errors detected in /var/www/moodle/version.php\n");
    expect((await exec(w, "web1", [PHP, "-l", "--", "/var/www/moodle/version.php"])).stdout).toBe("No syntax errors detected in Standard input code\n");
    expect(await exec(w, "web1", [PHP, "-l", "/var/www/moodle/nothere.php"])).toEqual({ stdout: "", stderr: "Could not open input file: /var/www/moodle/nothere.php\n", code: 1 });
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
  it("by default are files in the shared dataroot: one made on web1 is valid on web2, and every request without a cookie makes one", async () => {
    const w = start({ sessionHandler: "file" });
    expect(webTruth(w).nodes.web1).toMatchObject({ sessionStore: "file", sessionDir: "/var/moodledata/sessions" });
    const login = w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null });
    const sid = login?.sessionId ?? "";
    const file = path.join(w.dir, SESSIONS, `sess_${sid}`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(file).mtimeMs).toBe(Math.floor(w.now() / 1000) * 1000);
    w.advance(30_000);
    expect(w.tiers?.serveRequest("web2", { userId: "u1", kind: "click", sessionId: sid })).toEqual({ status: 200, sessionId: sid });
    expect(fs.statSync(file).mtimeMs).toBe(Math.floor(w.now() / 1000) * 1000);
    expect(webTruth(w).lostSessions).toBe(0);
    for (const node of ["web1", "web2"] as const) await exec(w, node, code("http://127.0.0.1/login/index.php", "-H", "Host: 203.0.113.10"));
    expect(sessionFiles(w)).toHaveLength(3);
    expect(webTruth(w).nodes.web2?.sessionFiles).toBe(3);
    // a redirect for the wrong Host comes before any session
    await exec(w, "web1", code("http://127.0.0.1/login/index.php"));
    expect(sessionFiles(w)).toHaveLength(3);
    const rows = await exec(w, "db1", ["mysql", "--defaults-file=/etc/mysql/clusterdeck.cnf", "-N", "-e", "SELECT COUNT(*) FROM mdl_sessions"]);
    expect(rows.stdout).toBe("3\n");
  });

  it("are cleaned by Moodle's cron: a first visit never used again goes after 3 minutes, a user's stays", async () => {
    const w = start({ sessionHandler: "file" });
    const login = w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null });
    await exec(w, "web1", code("http://127.0.0.1/", "-H", "Host: 203.0.113.10"));
    expect(sessionFiles(w)).toHaveLength(2);
    w.advance(60_000);
    w.tiers?.serveRequest("web1", { userId: "u1", kind: "click", sessionId: login?.sessionId ?? null });
    w.advance(4 * 60_000);
    expect(sessionFiles(w)).toEqual([`sess_${login?.sessionId ?? ""}`]);
  });

  it("kept on a node's own disk ($CFG->session_file_save_path) are lost on the other", () => {
    const w = start({ sessionHandler: "file" });
    for (const vm of ["web1", "web2"] as const) {
      const cfg = path.join(w.vmRoot(vm), "var/www/moodle/config.php");
      fs.writeFileSync(cfg, fs.readFileSync(cfg, "utf8").replace("require_once", "$CFG->session_file_save_path = '/var/lib/moodle/sessions';\n\nrequire_once"));
      fs.mkdirSync(path.join(w.vmRoot(vm), "var/lib/moodle/sessions"), { recursive: true });
    }
    const sid = w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null }).sessionId ?? "";
    expect(fs.existsSync(path.join(w.vmRoot("web1"), "var/lib/moodle/sessions", `sess_${sid}`))).toBe(true);
    expect(w.tiers?.serveRequest("web2", { userId: "u1", kind: "click", sessionId: sid })).toEqual({ status: 303, sessionId: null });
    expect(webTruth(w).lostSessions).toBe(1);
  });

  it("database sessions survive a switch of node", async () => {
    const w = start({ sessionHandler: "database" });
    expect(webTruth(w).nodes.web1?.sessionStore).toBe("database");
    const login = w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null });
    expect(login?.status).toBe(200);
    const click = w.tiers?.serveRequest("web2", { userId: "u1", kind: "click", sessionId: login?.sessionId ?? null });
    expect(click).toEqual({ status: 200, sessionId: login?.sessionId });
    const count = await exec(w, "db1", ["mysql", "--defaults-file=/etc/mysql/clusterdeck.cnf", "-N", "-e", "SELECT COUNT(*) FROM mdl_sessions"]);
    expect(count.stdout).toBe("1\n");
    expect(fs.existsSync(path.join(w.dir, SESSIONS))).toBe(true);
    expect(sessionFiles(w)).toEqual([]);
    w.tiers?.serveRequest("web2", { userId: "u1", kind: "logout", sessionId: login?.sessionId ?? null });
    expect((await exec(w, "db1", ["mysql", "--defaults-file=/etc/mysql/clusterdeck.cnf", "-N", "-e", "SELECT COUNT(*) FROM mdl_sessions"])).stdout).toBe("0\n");
  });

  it("go to the database when config.php names no handler but the admin set dbsessions", async () => {
    const w = start({ sessionHandler: "file" });
    expect((await moodleSql(w, "UPDATE mdl_config SET value='1' WHERE name='dbsessions'")).code).toBe(0);
    expect(webTruth(w).nodes.web1).toMatchObject({ sessionStore: "database", sessionDir: null });
    w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null });
    expect(sessionFiles(w)).toEqual([]);
  });
});

describe("the PHP handler and OPcache", () => {
  const reset = (w: TestWorld, vm: WebVm): number | null => webTruth(w).nodes[vm]?.opcacheResetAt ?? null;

  it("mod_php: Apache's graceful empties the OPcache", async () => {
    const w = start({ phpHandler: "mod_php" });
    w.advance(1000);
    await exec(w, "web1", ["apachectl", "graceful"]);
    expect(reset(w, "web1")).toBe(w.now());
  });

  it("php-fpm: Apache's graceful leaves it, reloading php8.2-fpm empties it, and PHP pages are 503 while php-fpm is down", async () => {
    const w = start({ phpHandler: "php-fpm" });
    w.advance(1000);
    await exec(w, "web1", ["apachectl", "graceful"]);
    await exec(w, "web1", ["apachectl", "restart"]);
    expect(reset(w, "web1")).toBeNull();
    w.tiers?.onServiceControl?.("web1", "php8.2-fpm", "reload");
    expect(reset(w, "web1")).toBe(w.now());
    w.setService("web1", "php8.2-fpm", false);
    const down = await exec(w, "web1", ["curl", "-s", "-i", "-H", "Host: 203.0.113.10", "http://127.0.0.1/login/index.php"]);
    expect(down.stdout).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(down.stdout).toContain("<p>The server is temporarily unable to service your\nrequest due to maintenance downtime or capacity\nproblems. Please try again later.</p>");
    expect((await exec(w, "web1", code("http://127.0.0.1/server-status?auto"))).stdout).toBe("200");
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
