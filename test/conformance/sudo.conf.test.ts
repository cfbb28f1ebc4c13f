import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostCommands } from "@/lib/commands/registry";
import { type SudoCall, debianPath, sudoCalls } from "@/lib/commands/sudoers-syntax";
import { probeLines, sudoersLines, sudoersRules } from "@/lib/commands/sudoers";
import { allWorkflowCommands } from "@/lib/commands/workflow";
import { parseInventory } from "@/lib/inventory/load";
import { ClusterSpec, type HaStack, type HostSpec, type Role } from "@/lib/inventory/schema";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import { shellJoin } from "@/lib/ssh/quote";
import { targetOf } from "@/lib/ssh/target";
import type { ExecResult, HostTarget } from "@/lib/ssh/types";
import { type ConformanceHost, allocateAddress, installSudoers, startHost } from "@/test/conformance/support/host";

// Every sudoers line ClusterDeck generates, installed into the real sudo (1.9.13 on Debian 12) for the console's
// unprivileged account, must accept exactly the command lines the console sends (built by the registry) and
// refuse their neighbours. Lines whose program can run here really run, over real sshd, as the console runs them;
// the others (IPVS, DRBD, nfsd, Pacemaker, systemd units) are asked of sudo with `-l`, which applies the same rules.

type Mode = "run" | "list";

/**
 * How each command that needs sudo is proven, and with which arguments beyond its docs example (workflow
 * commands). A command that needs sudo and is missing here fails "every sudo command has a proof".
 */
const PROBES: Record<string, Mode> = {
  // ipvsadm runs as root and stops at "Can't initialize ipvs: Protocol not available" (no IPVS module here)
  ipvsadm: "run",
  "ipvsadm-stats": "run",
  "ipvsadm-rate": "run",
  "ipvsadm-conns": "run",
  // heartbeat is not running on this host: "Heartbeat is stopped on this machine.", exit 1, from cl_status itself
  "cl-status": "run",
  // config.php is 0640 www-data, as Moodle's installer leaves it: read as www-data, only the keys asked for
  "moodle-config": "run",
  // both may hold passwords (ldirectord's passwd=, VRRP auth_pass): 0600 root, read through sudo
  "ldirectord-cf": "run",
  "keepalived-conf": "run",
  "crm-mon-xml": "list",
  "drbd-events2": "list",
  exportfs: "list",
};

interface WorkflowProof {
  mode: Mode;
  cases?: (c: ClusterSpec) => unknown[];
}

const webAddresses = (c: ClusterSpec) => c.hosts.filter((h) => h.role === "web").map((h) => h.clusterAddress ?? h.address);

const WORKFLOWS: Record<string, WorkflowProof> = {
  "ipvsadm-set-weight": {
    mode: "list",
    // a drain on every real server of every port; every width of weight and forwarding method on one of them
    cases: (c) => {
      const servers = c.balancer.ports.flatMap((port) => webAddresses(c).map((address) => `${address}:${port}`));
      return [
        ...servers.map((realServer) => ({ realServer, forward: "-g", weight: 0 })),
        ...[1, 100, 65535].map((weight, i) => ({ realServer: servers[servers.length - 1], forward: (["-m", "-i", "-g"] as const)[i], weight })),
      ];
    },
  },
  "ldirectord-cf-drain": { mode: "run", cases: (c) => webAddresses(c).map((address) => ({ address })) },
  "ldirectord-cf-undrain": { mode: "run", cases: (c) => webAddresses(c).map((address) => ({ address })) },
  "moodle-maintenance-status": { mode: "run" },
  "moodle-maintenance-message": { mode: "run", cases: () => [{ html: "<p>Back at 18:00, löschen: ; && $(id)</p>" }, { html: null }] },
  "moodle-maintenance-set": {
    mode: "run",
    cases: () => [{ mode: "disable" }, { mode: { laterMinutes: 1 } }, { mode: { laterMinutes: 30 } }, { mode: { laterMinutes: 1440 } }],
  },
  "moodle-upgrade-pending": { mode: "run" },
  "moodle-upgrade": { mode: "run" },
  "moodle-purge-caches": { mode: "run" },
  // Apache in the host's own network namespace, its pid file and logs in the host's private folders
  "apache-graceful": { mode: "run" },
  // php-fpm's reload is run for real against php-fpm by the web suite (test/conformance/web*.conf.test.ts)
  "php-fpm-reload": { mode: "list" },
  // the init scripts act on pid files in the machine's shared /run (another test's daemon), and hb_standby needs a
  // running heartbeat: the balancer suite runs these against its own daemons
  "ha-service-stop": { mode: "list", cases: () => [{ service: "keepalived" }] },
  "ha-service-start": { mode: "list", cases: () => [{ service: "keepalived" }] },
  "hb-standby": { mode: "list" },
  "hb-takeover": { mode: "list" },
  "moodle-dbhost-read": { mode: "run" },
  "moodle-dbhost-set": {
    mode: "run",
    cases: (c) => c.hosts.filter((h) => h.role === "db").flatMap((h) => [{ host: h.clusterAddress ?? h.name }, { host: h.name }]),
  },
  "db-floating-address-add": { mode: "run", cases: (c) => (c.database.moodleHost.kind === "floating" ? [c.database.moodleHost] : []) },
  "db-floating-address-del": { mode: "run", cases: (c) => (c.database.moodleHost.kind === "floating" ? [c.database.moodleHost] : []) },
};

interface Sent {
  name: string;
  kind: "probe" | "workflow";
  mode: Mode | undefined;
  args: unknown;
  line: string;
  calls: SudoCall[];
}

/**
 * Every line the console sends that holds a sudo call, for this cluster, as the registry builds it: workflow
 * commands with the arguments above (their docs example only where it belongs to the cluster: the docs').
 */
function sentLines(cluster: ClusterSpec, withExamples = false): Sent[] {
  const out: Sent[] = [];
  const seen = new Set<string>();
  const add = (s: Sent) => {
    if (s.calls.length === 0 || seen.has(s.line)) return;
    seen.add(s.line);
    out.push(s);
  };
  for (const p of probeLines(cluster)) add({ name: p.name, kind: "probe", mode: PROBES[p.name], args: null, line: p.line, calls: sudoCalls(p.line) });
  for (const w of allWorkflowCommands) {
    const proof = WORKFLOWS[w.name];
    const cases = proof?.cases?.(cluster);
    // no cases: the example is the command; an empty list: the command does not apply to this cluster
    const all = cases === undefined ? [w.example] : withExamples && cases.length > 0 ? [w.example, ...cases] : cases;
    for (const args of all) {
      // the cases above are written for each command's own argument type
      const line = w.build(cluster, args as never);
      add({ name: w.name, kind: "workflow", mode: proof?.mode, args, line, calls: sudoCalls(line) });
    }
  }
  return out;
}

/** the line as sent, with `-l` after each `sudo -n`: sudo then says whether it would run it, and runs nothing */
function listing(s: Sent): string {
  let line = s.line;
  for (const call of [...s.calls].sort((a, b) => b.start - a.start)) {
    if (!line.startsWith("sudo -n ", call.start)) throw new Error(`${s.name}: a sudo call without -n: ${s.line}`);
    line = `${line.slice(0, call.start)}sudo -n -l ${line.slice(call.start + "sudo -n ".length)}`;
  }
  return line;
}

function sudoLine(runAs: string, argv: readonly string[]): string {
  return `sudo -n -l ${runAs === "root" ? "" : `-u ${runAs} `}${shellJoin(argv)}`;
}

const key = (runAs: string, argv: readonly string[]) => `${runAs}\0${argv.join("\0")}`;

/** Calls next to one the console sends: one more argument, one argument changed or dropped, another account. */
function neighbours(call: SudoCall): { runAs: string; argv: string[] }[] {
  const { runAs, argv } = call;
  const out: { runAs: string; argv: string[] }[] = [
    { runAs, argv: [...argv, "/etc/shadow"] },
    { runAs, argv: [...argv, ";", "id"] },
    { runAs: runAs === "root" ? "www-data" : "root", argv },
  ];
  if (argv.length > 1) out.push({ runAs, argv: argv.slice(0, -1) });
  argv.forEach((arg, i) => {
    if (i === 0) return;
    const swap = (value: string) => out.push({ runAs, argv: argv.map((a, j) => (j === i ? value : a)) });
    swap(`${arg}x`);
    if (/^[0-9]+$/.test(arg)) swap("1234567");
    if (arg.startsWith("/")) {
      swap(path.posix.basename(arg));
      swap(`${path.posix.dirname(arg)}/../../../etc/shadow`);
    }
  });
  return out;
}

let host: ConformanceHost;
let target: HostTarget;
let pool: SshPool;
let floating: { address: string; release(): void };
let vip: { address: string; release(): void };
const stubs: string[] = [];
/** lines already run for real (a line two cluster variants share runs once) */
const alreadyRan = new Set<string>();
const overlays = fs.mkdtempSync(path.join(os.tmpdir(), "cd-conf-sudo-"));

function clusterOf(ha: HaStack): ClusterSpec {
  const hosts: HostSpec[] = (["lb", "web", "fs", "db"] as Role[]).flatMap((role, r) =>
    ["A", "B"].map((server, s) => ({ ...host.spec(role, server), name: `${role}${s + 1}`, clusterAddress: `192.168.10.${10 * (s + 1) + r}` })),
  );
  return ClusterSpec.parse({
    id: `sudo-${ha}`,
    servers: [{ name: "A" }, { name: "B" }],
    hosts,
    balancer: { vip: vip.address, ports: [80, 443], ha },
    storage: { ha },
    database: { moodleHost: { kind: "floating", address: floating.address, prefix: 32, device: "eth0" } },
  });
}

function exampleCluster(): ClusterSpec {
  const parsed = parseInventory(fs.readFileSync(path.join(process.cwd(), "docs", "clusterdeck.example.yaml"), "utf8"));
  if (!parsed.ok || !parsed.inventory.clusters[0]) throw new Error("docs/clusterdeck.example.yaml does not load");
  return parsed.inventory.clusters[0];
}

async function exec(line: string): Promise<ExecResult> {
  return pool.exec(target, line, { purpose: { kind: "test" }, timeoutMs: 30_000 });
}

/** a program this host lacks (no DRBD, nfsd or Pacemaker packages) gets a stub in an overlay, for sudo -l to find */
async function ensureProgram(program: string): Promise<void> {
  if ((await host.run(["test", "-x", program])).code === 0) return;
  const dir = path.posix.dirname(program);
  const upper = path.join(overlays, dir.replaceAll("/", "_"), "upper");
  if (!fs.existsSync(upper)) {
    const work = path.join(overlays, dir.replaceAll("/", "_"), "work");
    fs.mkdirSync(upper, { recursive: true });
    fs.mkdirSync(work, { recursive: true });
    await host.must(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${dir},upperdir=${upper},workdir=${work}`, dir]);
  }
  await host.must(["tee", program], { input: "#!/bin/sh\necho 'conformance stub: never run' >&2\nexit 99\n" });
  await host.must(["chmod", "0755", program]);
  stubs.push(program);
}

const CONFIG_PHP = `<?php  // Moodle configuration file
unset($CFG);
global $CFG;
$CFG = new stdClass();
$CFG->dbtype    = 'mariadb';
$CFG->dbhost    = '192.168.10.18';  // the source
$CFG->dbname    = 'moodle';
$CFG->dbpass    = 'secret, never read';
$CFG->wwwroot   = 'https://moodle.example.org';
$CFG->dataroot  = '/var/moodledata';
require_once(__DIR__ . '/lib/setup.php');
`;

const LDIRECTORD_CF = `checktimeout=3
checkinterval=1
quiescent=yes

virtual=203.0.113.10:80
\treal=192.168.10.11:80 gate 100
\treal=192.168.10.21:80 gate 100
\tservice=http
\tscheduler=wlc
\tpersistent=300
\tprotocol=tcp
\tchecktype=negotiate
\trequest="login/index.php"
\treceive="Moodle"

virtual=203.0.113.10:443
\treal=192.168.10.11:443 gate 100
\treal=192.168.10.21:443 gate 100
\tservice=https
\tscheduler=wlc
\tpersistent=300
\tprotocol=tcp
\tchecktype=connect
`;

const KEEPALIVED_CONF = `vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    nopreempt
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        203.0.113.10/32
    }
}
`;

/** stand-ins for Moodle's CLI scripts: they say who runs them and with what, and that is all these proofs need */
const CLI_STANDIN = `<?php
echo json_encode(["user" => posix_getpwuid(posix_geteuid())["name"], "script" => basename(__FILE__), "args" => array_slice($argv, 1)]), "\\n";
`;

beforeAll(async () => {
  host = await startHost({
    name: "sudo",
    privateDirs: ["/var/www", "/var/moodledata", "/etc/ha.d", "/etc/keepalived", "/run/apache2", "/var/log/apache2", "/var/cache/apache2"],
  });
  target = targetOf({ id: "sudo" } as ClusterSpec, host.spec("web", "A"));
  pool = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 5_000 });
  floating = allocateAddress();
  vip = allocateAddress();
  await host.must(["mkdir", "-p", "/var/www/moodle/admin/cli"]);
  for (const script of ["maintenance.php", "upgrade.php", "purge_caches.php"]) fs.writeFileSync(host.path(`/var/www/moodle/admin/cli/${script}`), CLI_STANDIN);
  // as Moodle's installer leaves it: 0640, www-data (lib/installlib.php install_generate_configphp, admin/cli/install.php)
  fs.writeFileSync(host.path("/var/www/moodle/config.php"), CONFIG_PHP);
  await host.must(["chown", "www-data:www-data", "/var/www/moodle/config.php", "/var/moodledata"]);
  await host.must(["chmod", "0640", "/var/www/moodle/config.php"]);
  // what Debian's apache2 package would have running: Apache in this host's namespace, with the stock config
  await host.must(["apache2ctl", "start"]);
  for (const [file, text] of [["/etc/ha.d/ldirectord.cf", LDIRECTORD_CF], ["/etc/keepalived/keepalived.conf", KEEPALIVED_CONF]] as const) {
    fs.writeFileSync(host.path(file), text);
    await host.must(["chown", "root:root", file]);
    await host.must(["chmod", "0600", file]);
  }
});

afterAll(async () => {
  pool?.closeAll();
  await host?.stop();
  floating?.release();
  vip?.release();
  fs.rmSync(overlays, { recursive: true, force: true });
});

describe("every sudo command the console sends", () => {
  it("has a proof here", () => {
    const missing = new Set<string>();
    for (const ha of ["heartbeat", "keepalived", "pacemaker"] as const) {
      for (const s of sentLines(clusterOf(ha))) if (s.mode === undefined) missing.add(`${s.kind} ${s.name}: ${s.line}`);
    }
    for (const w of allWorkflowCommands) if (w.runAs !== "self" && !WORKFLOWS[w.name]) missing.add(`workflow ${w.name} runs as ${w.runAs}`);
    for (const p of hostCommands) if (p.sudo && !PROBES[p.name]) missing.add(`probe ${p.name}`);
    expect([...missing], "add each to PROBES or WORKFLOWS in this file, with the arguments that prove it").toEqual([]);
    const names = new Set([...hostCommands.map((c) => c.name), ...allWorkflowCommands.map((w) => w.name)]);
    expect([...Object.keys(PROBES), ...Object.keys(WORKFLOWS)].filter((n) => !names.has(n)), "proofs of commands the registry no longer has").toEqual([]);
  });
});

type Verify = (s: Sent, r: ExecResult) => Promise<void>;

const jsonOf = (text: string) => JSON.parse(text) as { user: string; script: string; args: string[] };
const fileOf = async (file: string) => (await host.must(["cat", file])).toString();
const ownerAndMode = async (file: string) => (await host.must(["stat", "-c", "%U:%G %a", file])).trim();

/** what each command that really runs must have done, beyond sudo letting it run (no `sudo:` complaint) */
const VERIFY: Record<string, Verify> = {
  ipvsadm: async (_s, r) => expect(r.stderr).toContain("Can't initialize ipvs: Protocol not available"),
  "cl-status": async (_s, r) => expect({ code: r.exitCode, out: r.stdout.split("\n")[0] }).toEqual({ code: 1, out: "Heartbeat is stopped on this machine." }),
  "ldirectord-cf": async (_s, r) => expect({ code: r.exitCode, out: r.stdout }).toEqual({ code: 0, out: LDIRECTORD_CF }),
  "keepalived-conf": async (_s, r) => expect({ code: r.exitCode, out: r.stdout }).toEqual({ code: 0, out: KEEPALIVED_CONF }),
  "ldirectord-cf-drain": async (s, r) => {
    expect(r.exitCode).toBe(0);
    const address = (s.args as { address: string }).address;
    const lines = (await fileOf("/etc/ha.d/ldirectord.cf")).split("\n").filter((l) => l.includes(`real=${address}:`));
    expect(lines.length).toBe(2);
    for (const line of lines) expect(line).toMatch(/ gate 0\b/);
    expect(await ownerAndMode("/etc/ha.d/ldirectord.cf")).toBe("root:root 600");
  },
  "ldirectord-cf-undrain": async (s, r) => {
    expect(r.exitCode).toBe(0);
    const address = (s.args as { address: string }).address;
    const lines = (await fileOf("/etc/ha.d/ldirectord.cf")).split("\n").filter((l) => l.includes(`real=${address}:`));
    expect(lines).toEqual([`\treal=${address}:80 gate 100`, `\treal=${address}:443 gate 100`]);
    expect(await ownerAndMode("/etc/ha.d/ldirectord.cf")).toBe("root:root 600");
  },
  "moodle-maintenance-message": async (s, r) => {
    expect(r.exitCode).toBe(0);
    const html = (s.args as { html: string | null }).html;
    const exists = (await host.run(["test", "-e", "/var/moodledata/climaintenance.template.html"])).code === 0;
    expect(exists).toBe(html !== null);
    if (html !== null) {
      expect(await fileOf("/var/moodledata/climaintenance.template.html")).toBe(`${html}\n`);
      expect(await ownerAndMode("/var/moodledata/climaintenance.template.html")).toMatch(/^www-data:www-data /);
    }
  },
  "apache-graceful": async (_s, r) => {
    expect(r.exitCode).toBe(0);
    await expect.poll(() => fileOf("/var/log/apache2/error.log"), { timeout: 10_000 }).toContain("Graceful restart requested, doing restart");
  },
  "moodle-config": async (_s, r) => {
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("$CFG->dbhost    = '192.168.10.18';");
    expect(r.stdout).not.toContain("dbpass");
  },
  "moodle-dbhost-read": async (_s, r) => expect({ code: r.exitCode, out: r.stdout }).toEqual({ code: 0, out: "$CFG->dbhost    = '192.168.10.18';  // the source\n" }),
  "moodle-dbhost-set": async (s, r) => {
    expect(r.exitCode).toBe(0);
    const config = await fileOf("/var/www/moodle/config.php");
    expect(config).toContain(`$CFG->dbhost    = '${(s.args as { host: string }).host}';  // the source\n`);
    expect(config).toContain("$CFG->dbpass    = 'secret, never read';");
    // sed -i replaces the file; as root it keeps owner and mode, so the web server still reads it
    expect(await ownerAndMode("/var/www/moodle/config.php")).toBe("www-data:www-data 640");
  },
  "db-floating-address-add": async (s, r) => {
    expect(r.exitCode).toBe(0);
    expect(await host.must(["ip", "-o", "addr", "show", "dev", "eth0"])).toContain(`inet ${(s.args as { address: string }).address}/32`);
  },
  "db-floating-address-del": async (s, r) => {
    expect(r.exitCode).toBe(0);
    expect(await host.must(["ip", "-o", "addr", "show", "dev", "eth0"])).not.toContain(`inet ${(s.args as { address: string }).address}/`);
  },
};
for (const name of ["ipvsadm-stats", "ipvsadm-rate", "ipvsadm-conns"]) VERIFY[name] = VERIFY.ipvsadm as Verify;
for (const name of ["moodle-maintenance-status", "moodle-maintenance-set", "moodle-upgrade-pending", "moodle-upgrade", "moodle-purge-caches"]) {
  VERIFY[name] = async (s, r) => {
    expect(r.exitCode).toBe(0);
    const call = s.calls[0];
    expect(jsonOf(r.stdout)).toEqual({ user: "www-data", script: path.posix.basename(call?.argv[1] ?? ""), args: call?.argv.slice(2) });
  };
}

const VARIANTS: { label: string; cluster: () => ClusterSpec; examples: boolean; neighbours: boolean; run: boolean }[] = [
  { label: "a heartbeat cluster", cluster: () => clusterOf("heartbeat"), examples: false, neighbours: true, run: true },
  { label: "a keepalived cluster", cluster: () => clusterOf("keepalived"), examples: false, neighbours: false, run: true },
  { label: "a Pacemaker cluster", cluster: () => clusterOf("pacemaker"), examples: false, neighbours: false, run: false },
  { label: "the example inventory (docs/clusterdeck.example.yaml)", cluster: exampleCluster, examples: true, neighbours: true, run: false },
];

describe.each(VARIANTS.map((v, index) => ({ ...v, index })))("the generated sudoers lines, for $label,", (variant) => {
  let sent: Sent[];
  let sudoers: { remove(): void } | null = null;

  beforeAll(async () => {
    const cluster = variant.cluster();
    sent = sentLines(cluster, variant.examples);
    const rules = sudoersRules(cluster);
    // installSudoers has visudo -cf check them first
    sudoers = installSudoers(`sudo-${variant.index}`, sudoersLines(host.spec("web", "A").user, [...rules.probes, ...rules.workflows]));
    for (const s of sent) for (const call of s.calls) await ensureProgram(debianPath(call.argv[0] ?? ""));
  });

  afterAll(() => sudoers?.remove());

  it("accept every line exactly as the console sends it (sudo -n -l)", async () => {
    const refused: string[] = [];
    for (const s of sent) {
      const r = await exec(listing(s));
      if (r.exitCode !== 0) refused.push(`${s.name}: ${s.line}\n  -> exit ${r.exitCode} ${r.stderr.trim()}`);
    }
    expect(refused).toEqual([]);
  });

  if (variant.run) {
    it("let the console run every line whose program runs here, as root or www-data as it asks", async () => {
      const ran: string[] = [];
      for (const s of sent.filter((x) => x.mode === "run" && !alreadyRan.has(x.line))) {
        alreadyRan.add(s.line);
        const r = await exec(s.line);
        expect(r.stderr, `${s.name}: ${s.line}`).not.toMatch(/^sudo: /m);
        const verify = VERIFY[s.name];
        if (!verify) throw new Error(`${s.name} really runs here: say in VERIFY what it must have done`);
        await verify(s, r);
        ran.push(s.name);
      }
      expect(ran.length).toBeGreaterThan(0);
    });
  }

  if (variant.neighbours) {
    it("refuse every neighbour: another file, option or account, an extra or missing argument", async () => {
      const legit = new Set(sent.flatMap((s) => s.calls.map((c) => key(c.runAs, c.argv))));
      const checks = new Map<string, string>();
      for (const s of sent) {
        for (const call of s.calls) {
          for (const n of neighbours(call)) if (!legit.has(key(n.runAs, n.argv))) checks.set(key(n.runAs, n.argv), sudoLine(n.runAs, n.argv));
        }
      }
      const lines = [...checks.values()];
      const script = lines.map((l, i) => `${l} >/dev/null 2>&1; echo "${i} $?"`).join("\n");
      const r = await exec(script);
      const codes = new Map(r.stdout.trim().split("\n").map((l) => l.split(" ").map(Number) as [number, number]));
      expect(codes.size).toBe(lines.length);
      expect(lines.filter((_, i) => codes.get(i) !== 1)).toEqual([]);
    });
  }
});
