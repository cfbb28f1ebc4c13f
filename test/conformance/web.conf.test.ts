import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterCollector } from "@/lib/cluster/collector";
import { stateOf } from "@/lib/cluster/derive";
import type { ClusterState } from "@/lib/cluster/state";
import { codeDrift, maintenanceSource, sessionCounts } from "@/lib/cluster/view-helpers";
import { sudoersLines, sudoersRules } from "@/lib/commands/sudoers";
import { workflowCommands } from "@/lib/commands/workflow";
import { ClusterSpec } from "@/lib/inventory/schema";
import { parseRsyncItemize } from "@/lib/probes/rsync-itemize";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import { targetOf } from "@/lib/ssh/target";
import type { ExecResult } from "@/lib/ssh/types";
import { judgeSmoke, smokeUrl } from "@/lib/workflows/steps/code";
import { DATAROOT, DIRROOT, type MoodleDatabase, type WebNode, moodleDatabase, startWebNode } from "@/test/conformance/support/apache";
import { installSudoers } from "@/test/conformance/support/host";
import { waitFor } from "@/test/conformance/support/wait";

// The console's web commands against Debian 12's Apache 2.4.71 and PHP 8.2: one node with prefork + mod_php,
// one with event + php-fpm, each a conformance host serving the Moodle stand-in, and Moodle's settings in a
// real MariaDB. Everything is sent as the console sends it, over real sshd, as the unprivileged account whose
// only rights are the sudoers lines ClusterDeck generates for this cluster.

const WWWROOT = "http://moodle.example.test";
let db: MoodleDatabase;
let modPhp: WebNode;
let fpm: WebNode;
let cluster: ClusterSpec;
let pool: SshPool;
let collector: ClusterCollector;
let sudoers: { remove(): void } | null = null;

/** the commands under test here, by registry name: their generated sudoers lines are installed */
const UNDER_TEST = [
  "moodle-config",
  "apache-graceful",
  "php-fpm-reload",
  "moodle-maintenance-status",
  "moodle-maintenance-set",
  "moodle-maintenance-message",
  "moodle-upgrade-pending",
  "moodle-upgrade",
  "moodle-purge-caches",
];

async function poll(): Promise<ClusterState> {
  await collector.pollOnce();
  return stateOf(cluster, collector.snapshot());
}

const node = (state: ClusterState, name: string) => {
  const w = state.web.find((x) => x.name === name);
  if (!w) throw new Error(`no ${name} in the state`);
  return w;
};

function exec(host: WebNode | MoodleDatabase, line: string): Promise<ExecResult> {
  const spec = cluster.hosts.find((h) => h.address === host.host.address);
  if (!spec) throw new Error("not a host of the cluster");
  return pool.exec(targetOf(cluster, spec), line, { purpose: { kind: "test" }, timeoutMs: 60_000 });
}

beforeAll(async () => {
  db = await moodleDatabase();
  [modPhp, fpm] = await Promise.all([
    startWebNode({ name: "webmod", handler: "mod_php", wwwroot: WWWROOT, database: db }),
    startWebNode({ name: "webfpm", handler: "php-fpm", wwwroot: WWWROOT, database: db }),
  ]);
  cluster = ClusterSpec.parse({
    id: "webconf",
    servers: [{ name: "A" }, { name: "B" }],
    hosts: [modPhp.host.spec("web", "A"), fpm.host.spec("web", "B"), db.host.spec("db", "A")],
    balancer: { vip: "192.0.2.10" },
    web: { dirroot: DIRROOT, dataroot: DATAROOT, phpFpmService: "php8.2-fpm", codeFingerprint: { checkEverySeconds: 1, hashEverySeconds: 10 } },
    database: { defaultsFile: "/etc/mysql/clusterdeck.cnf", moodleDatabase: db.name, tablePrefix: db.prefix },
  });
  const user = modPhp.host.spec("web", "A").user;
  // the console's MariaDB account, as docs/host-commands.md asks for the settings probe
  await db.sql("CREATE USER 'clusterdeck'@'localhost' IDENTIFIED BY 'conformance-monitor'; GRANT SELECT ON moodle.mdl_config TO 'clusterdeck'@'localhost'");
  fs.writeFileSync(db.host.path("/etc/mysql/clusterdeck.cnf"), "[client]\nuser=clusterdeck\npassword=conformance-monitor\nsocket=/run/mysqld/mysqld.sock\n", { mode: 0o600 });
  await db.host.must(["chown", user, "/etc/mysql/clusterdeck.cnf"]);
  // the code folder belongs to the SSH account, which copies releases into it (config.php stays www-data's)
  for (const n of [modPhp, fpm]) await n.host.must(["sh", "-c", `chown -R ${user} ${DIRROOT} && chown www-data:www-data ${DIRROOT}/config.php`]);
  const rules = sudoersRules(cluster);
  sudoers = installSudoers("web", sudoersLines(user, [...rules.probes, ...rules.workflows].filter((r) => UNDER_TEST.includes(r.name))));
  pool = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 5_000 });
  collector = new ClusterCollector(cluster, pool);
});

afterAll(async () => {
  pool?.closeAll();
  sudoers?.remove();
  await Promise.all([modPhp?.stop(), fpm?.stop()]);
  await db?.stop();
});

describe("web probes on the real Apache, PHP and Moodle's settings", () => {
  it("read config.php as www-data though the SSH account cannot, and never its password", async () => {
    const denied = await exec(modPhp, `cat ${DIRROOT}/config.php`);
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toContain("Permission denied");
    await poll();
    const reading = collector.snapshot().hosts.find((h) => h.name === "webmod")?.readings["moodle-config"];
    expect(reading?.result).toMatchObject({ ok: true, value: { wwwroot: WWWROOT, dataroot: DATAROOT, dbhost: db.address, dbtype: "mariadb" } });
    expect(JSON.stringify(reading)).not.toContain(db.password);
  });

  it("tell mod_php from php-fpm, and read the site's settings from mdl_config", async () => {
    const state = await poll();
    expect(node(state, "webmod")).toMatchObject({ php: { handler: "mod_php", fpmRunning: false }, apache: { status: { mpm: "prefork" } }, wwwroot: WWWROOT });
    expect(node(state, "webfpm")).toMatchObject({ php: { handler: "php-fpm", fpmService: "php8.2-fpm", fpmRunning: true }, apache: { status: { mpm: "event" } } });
    expect(state.moodle).toMatchObject({ from: "mdb", settings: { dbsessions: false, maintenanceEnabled: false, version: "2024100705.01" } });
    expect(node(state, "webmod").moodle).toMatchObject({ version: "2024100705.01", branch: "405" });
    expect(codeDrift(state.web)).toMatchObject({ differ: false });
  });

  it("count the requests served between two polls, not Apache's lifetime average", async () => {
    await poll();
    for (let i = 0; i < 25; i++) await modPhp.request("/login/index.php");
    const state = await poll();
    const reading = collector.snapshot().hosts.find((h) => h.name === "webmod")?.readings["apache-status"];
    const seconds = ((reading?.at ?? 0) - (reading?.previous?.at ?? 0)) / 1000;
    expect(node(state, "webmod").apache.requestRate?.perSecond).toBeCloseTo(25 / seconds, 6);
    expect(node(state, "webmod").apache.status?.requestsPerSecond).not.toBeCloseTo(25 / seconds, 1);
  });

  it("keep file sessions in <dataroot>/sessions by default, one per anonymous request, counted per node when not shared", async () => {
    const before = node(await poll(), "webfpm").fileSessions ?? 0;
    for (let i = 0; i < 7; i++) await fpm.request("/");
    const state = await poll();
    expect(node(state, "webfpm")).toMatchObject({ sessionStore: { kind: "file", decidedBy: "Moodle's default", location: `${DATAROOT}/sessions` }, fileSessions: before + 7 });
    const counts = sessionCounts(state.web, state.databases);
    expect(counts.sharedFolder).toBeNull();
    expect(counts.fileTotal).toBe((node(state, "webmod").fileSessions ?? 0) + before + 7);
  });

  it("see sessions sent to the database by the admin setting dbsessions", async () => {
    await db.sql(`INSERT INTO ${db.name}.${db.prefix}config (name, value) VALUES ('dbsessions', '1')`);
    try {
      const rows = async () => Number((await db.sql(`SELECT COUNT(*) FROM ${db.name}.${db.prefix}sessions`)).trim());
      const before = await rows();
      await modPhp.request("/");
      expect(await rows()).toBe(before + 1);
      const state = await poll();
      expect(node(state, "webmod")).toMatchObject({ sessionHandler: "database", sessionStore: { kind: "database", decidedBy: "dbsessions setting" }, fileSessions: null });
    } finally {
      await db.sql(`DELETE FROM ${db.name}.${db.prefix}config WHERE name = 'dbsessions'`);
    }
  });

  it("see maintenance switched on from the web: users get 503 with no climaintenance.html", async () => {
    await db.sql(`INSERT INTO ${db.name}.${db.prefix}config (name, value) VALUES ('maintenance_enabled', '1')`);
    try {
      expect((await fpm.request("/login/index.php")).status).toBe(503);
      const state = await poll();
      expect(node(state, "webfpm")).toMatchObject({ maintenance: true, maintenanceCli: false });
      expect(maintenanceSource(state).text).toBe("switched on in Site administration (maintenance_enabled)");
    } finally {
      await db.sql(`DELETE FROM ${db.name}.${db.prefix}config WHERE name = 'maintenance_enabled'`);
    }
  });
});

describe("the smoke test as a workflow sends it", () => {
  const smoke = async (n: WebNode, url: string) => {
    const r = await exec(n, workflowCommands.smokeTest.build(cluster, { url }));
    return judgeSmoke(r.stdout, r.exitCode ?? -1, url, n.host.name);
  };

  it("passes on both nodes asked by the site's own name, where plain 127.0.0.1 gets Moodle's 303", async () => {
    const state = await poll();
    for (const n of [modPhp, fpm]) {
      const url = smokeUrl(node(state, n.host.name).wwwroot, cluster.siteUrl);
      expect(url).toBe(`${WWWROOT}/login/index.php`);
      expect(await smoke(n, url ?? "")).toMatchObject({ ok: true });
      const plain = await exec(n, "curl -sS -o /dev/null -w '%{http_code} %{redirect_url}\\n' http://127.0.0.1/login/index.php");
      expect(plain.stdout).toBe(`303 ${WWWROOT}/login/index.php\n`);
    }
  });

  it("says a 303 means wwwroot does not match what was asked", async () => {
    const verdict = await smoke(modPhp, "http://other.example.test/login/index.php");
    expect(verdict).toMatchObject({ ok: false });
    expect(verdict.ok ? "" : verdict.reason).toContain(`answered 303 to ${WWWROOT}/login/index.php`);
  });

  it("says 503 means maintenance, switched by Moodle's CLI as www-data through the generated sudoers", async () => {
    const on = await exec(fpm, workflowCommands.maintenanceSet.build(cluster, { mode: "enable" }));
    expect(on).toMatchObject({ exitCode: 0 });
    expect(on.stdout).toContain("Your site is currently in CLI maintenance mode");
    try {
      const verdict = await smoke(fpm, `${WWWROOT}/login/index.php`);
      expect(verdict.ok ? "" : verdict.reason).toContain("answered 503: Moodle is in maintenance mode");
      const state = await poll();
      expect(node(state, "webfpm")).toMatchObject({ maintenance: true, maintenanceCli: true });
      // Moodle 4.5 answers --enablelater while already on with its status, and exit 0 (a top-level return)
      const later = await exec(fpm, workflowCommands.maintenanceSet.build(cluster, { mode: { laterMinutes: 5 } }));
      expect(later).toMatchObject({ exitCode: 0 });
      expect(later.stdout).toContain("Status: enabled");
    } finally {
      expect(await exec(fpm, workflowCommands.maintenanceSet.build(cluster, { mode: "disable" }))).toMatchObject({ exitCode: 0 });
    }
    expect((await exec(fpm, workflowCommands.maintenanceStatus.build(cluster, {}))).stdout).toContain("Status: disabled");
    expect(await smoke(fpm, `${WWWROOT}/login/index.php`)).toMatchObject({ ok: true });
  });

  it("reads a pending upgrade from upgrade.php's exit code, as www-data", async () => {
    const pending = workflowCommands.upgradePending.build(cluster, {});
    expect((await exec(modPhp, pending)).exitCode).toBe(0);
    await db.sql(`UPDATE ${db.name}.${db.prefix}config SET value = '2024100700.00' WHERE name = 'version'`);
    try {
      expect((await exec(modPhp, pending)).exitCode).toBe(2);
      // users still get the site while an upgrade is pending
      expect(await smoke(modPhp, `${WWWROOT}/login/index.php`)).toMatchObject({ ok: true });
      expect(await exec(modPhp, workflowCommands.upgrade.build(cluster, {}))).toMatchObject({ exitCode: 0 });
      expect((await exec(modPhp, pending)).exitCode).toBe(0);
      expect(await exec(modPhp, workflowCommands.purgeCaches.build(cluster, {}))).toMatchObject({ exitCode: 0 });
    } finally {
      await db.sql(`UPDATE ${db.name}.${db.prefix}config SET value = '2024100705.01' WHERE name = 'version'`);
    }
  });
});

describe("a code change on a node", () => {
  it("copies a release with rsync --itemize-changes, lints what changed, and the fingerprint sees the node differ", async () => {
    const release = "/srv/releases/next";
    const user = modPhp.host.spec("web", "A").user;
    await modPhp.host.must(["sh", "-c", `mkdir -p ${release} && cp -a ${DIRROOT}/. ${release}/ && rm ${release}/config.php && chown -R ${user} /srv/releases`]);
    fs.writeFileSync(modPhp.host.path(`${release}/lib/newlib.php`), "<?php\nfunction newlib() { return 1; }\n");
    fs.appendFileSync(modPhp.host.path(`${release}/index.php`), "// a changed line\n");
    fs.rmSync(modPhp.host.path(`${release}/admin/cli/purge_caches.php`));
    const source = { host: "webmod", path: release };
    const preview = await exec(modPhp, workflowCommands.rsyncPreview.build(cluster, { source, node: "webmod" }));
    const previewed = parseRsyncItemize(preview.stdout);
    expect(previewed.ok && previewed.value.changes.filter((c) => c.kind !== "dir").map((c) => `${c.change} ${c.path}`).sort()).toEqual(["created lib/newlib.php", "deleted admin/cli/purge_caches.php", "updated index.php"]);
    const before = node(await poll(), "webmod").codeFingerprint;

    const applied = await exec(modPhp, workflowCommands.rsyncApply.build(cluster, { source, node: "webmod" }));
    expect(applied.exitCode).toBe(0);
    const copied = parseRsyncItemize(applied.stdout);
    expect(copied.ok && copied.value.changes.filter((c) => c.kind !== "dir").length).toBe(3);
    expect(fs.existsSync(modPhp.host.path(`${DIRROOT}/config.php`))).toBe(true);

    const lint = await exec(modPhp, workflowCommands.phpLint.build(cluster, { files: ["lib/newlib.php", "index.php"] }));
    expect(lint).toMatchObject({ exitCode: 0 });
    fs.writeFileSync(modPhp.host.path(`${DIRROOT}/lib/broken.php`), "<?php\nfunction broken( {\n");
    const bad = await exec(modPhp, workflowCommands.phpLint.build(cluster, { files: ["lib/broken.php"] }));
    expect(bad.exitCode).not.toBe(0);
    expect(`${bad.stdout}${bad.stderr}`).toContain("Parse error");
    fs.rmSync(modPhp.host.path(`${DIRROOT}/lib/broken.php`));

    // the fingerprint looks for changed folders every second here: the copied node now differs
    const after = await waitFor("the fingerprint to move", 30_000, async () => {
      const state = await poll();
      const fp = node(state, "webmod").codeFingerprint;
      return fp !== null && fp !== before ? state : null;
    });
    expect(codeDrift(after.web)).toMatchObject({ differ: true });
  });
});

describe("a reload after a code change", () => {
  /** OPcache's start_time has one-second resolution: wait until the clock has moved past it */
  const pastSecond = (t: number) => waitFor("the next second", 5_000, async () => (Date.now() / 1000 > t + 1 ? true : null));

  it("empties PHP's OPcache with apachectl graceful under mod_php", async () => {
    const t0 = await modPhp.opcacheStartTime();
    await pastSecond(t0);
    expect(await exec(modPhp, workflowCommands.apacheGraceful.build(cluster, {}))).toMatchObject({ exitCode: 0 });
    const t1 = await waitFor("a new OPcache", 20_000, async () => {
      const t = await modPhp.opcacheStartTime().catch(() => null);
      return t !== null && t !== t0 ? t : null;
    });
    expect(t1).toBeGreaterThan(t0);
  });

  it("leaves php-fpm's OPcache with apachectl graceful, and empties it with the php-fpm reload", async () => {
    const t0 = await fpm.opcacheStartTime();
    await pastSecond(t0);
    expect(await exec(fpm, workflowCommands.apacheGraceful.build(cluster, {}))).toMatchObject({ exitCode: 0 });
    // Apache has reloaded (a second configuration generation) and PHP still runs from the old OPcache
    await waitFor("Apache's second generation", 20_000, async () => {
      const r = await exec(fpm, "curl -fsS http://127.0.0.1/server-status?auto");
      return /ParentServerConfigGeneration: [2-9]/.test(r.stdout) ? true : null;
    });
    expect(await fpm.opcacheStartTime()).toBe(t0);

    const reload = await exec(fpm, workflowCommands.phpFpmReload.build(cluster, {}));
    expect(reload).toMatchObject({ exitCode: 0 });
    const t1 = await waitFor("php-fpm's new OPcache", 20_000, async () => {
      const t = await fpm.opcacheStartTime().catch(() => null);
      return t !== null && t !== t0 ? t : null;
    });
    expect(t1).toBeGreaterThan(t0);
    const state = await poll();
    expect(node(state, "webfpm").php).toMatchObject({ handler: "php-fpm", fpmRunning: true });
  });
});
