import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sudoersLines, sudoersRules } from "@/lib/commands/sudoers";
import { commandLine, hostCommands } from "@/lib/commands/registry";
import { workflowCommands } from "@/lib/commands/workflow";
import { ClusterSpec } from "@/lib/inventory/schema";
import { parseLdirectordConfig } from "@/lib/probes/ldirectord-cf";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import { targetOf } from "@/lib/ssh/target";
import { type ConformanceHost, installSudoers, startHost } from "@/test/conformance/support/host";

// ldirectord.cf as Debian 12's ldirectord 4.12 reads it. IPVS cannot run here (no kernel module), so ldirectord
// cannot start; `ldirectord <file> status` still runs its whole read_config first (exit 3: read, the daemon
// stopped; exit 2: "Error ... at line N"), which makes the real Perl parser the judge of the console's reader:
// on every recorded case and on a few hundred mutations of a Moodle-style file. Then the drain's edit as the
// console sends it, over sshd with the generated sudoers, on a 0600 file behind a link, judged by ldirectord.

const FIXTURES = path.join(process.cwd(), "lib/probes/__fixtures__/ldirectord");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-conf-ldirectord-"));

/** ldirectord's own verdict on a file: the refused line, or null when it reads the file */
function ldirectordVerdict(file: string): Promise<{ line: number | null; exit: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile("/usr/sbin/ldirectord", [file, "status"], { encoding: "utf8", timeout: 30_000 }, (error, _stdout, stderr) => {
      const exit = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      const line = /at line (\d+):/.exec(stderr)?.[1];
      resolve({ line: line === undefined ? null : Number(line), exit, stderr });
    });
  });
}

/** runs `f` on the items two at a time (ldirectord is a Perl script that takes about a second to load) */
async function inPairs<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 2) out.push(...(await Promise.all(items.slice(i, i + 2).map(f))));
  return out;
}

/** a small seeded generator, so a failing mutation can be found again */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const BASE = fs.readFileSync(path.join(FIXTURES, "cases/ok-moodle.cf"), "utf8");

type Mutation = (lines: string[], pick: (n: number) => number) => void;
const MUTATIONS: [string, Mutation][] = [
  ["indent", (l, pick) => {
    const i = pick(l.length);
    l[i] = (l[i] ?? "").replace(/^\s+/, " ".repeat(pick(9)));
  }],
  ["blank line", (l, pick) => l.splice(pick(l.length), 0, "")],
  ["inline comment", (l, pick) => {
    const i = pick(l.length);
    l[i] = `${l[i] ?? ""} # note ${i}`;
  }],
  ["trailing blank", (l, pick) => {
    const i = pick(l.length);
    l[i] = `${l[i] ?? ""}${[" ", "\t", "  "][pick(3)] ?? " "}`;
  }],
  ["comment line", (l, pick) => l.splice(pick(l.length), 0, ["#x", "\t# indented comment", "   # three", "#\treal=10.9.9.9:80 gate 1"][pick(4)] ?? "#x")],
  ["method and weight", (l, pick) => {
    const i = l.findIndex((x, n) => n >= pick(l.length) && /real=/.test(x));
    if (i >= 0) l[i] = (l[i] ?? "").replace(/gate \d+/, ["gate", "gate100", "bridge 5", "masq 0", "ipip 7 \"/x\", \"y\"", ""][pick(6)] ?? "gate");
  }],
  ["port name", (l, pick) => {
    const i = pick(l.length);
    l[i] = (l[i] ?? "").replace(/:80\b/, [":http", ":www", ":https", ":8080", ":99999"][pick(5)] ?? ":http");
  }],
  ["spaces around =", (l, pick) => {
    const i = pick(l.length);
    l[i] = (l[i] ?? "").replace("=", [" = ", " =", "= "][pick(3)] ?? " = ");
  }],
  ["value", (l, pick) => {
    const i = pick(l.length);
    l[i] = (l[i] ?? "").replace(/=.*/, ["=yes", "=no", "=0", "=abc", '="quoted"', "="][pick(6)] ?? "=yes");
  }],
  ["unknown directive", (l, pick) => l.splice(pick(l.length), 0, ["\tcolour=blue", "colour=blue", "\tcheckport=70000", "\tscheduler=WRR"][pick(4)] ?? "x=1")],
];

function mutate(seed: number): { text: string; applied: string[] } {
  const rnd = random(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const lines = BASE.replace(/\n$/, "").split("\n");
  const applied: string[] = [];
  const count = 1 + pick(3);
  for (let i = 0; i < count; i++) {
    const [name, m] = MUTATIONS[pick(MUTATIONS.length)] ?? MUTATIONS[0] ?? ["none", () => undefined];
    m(lines, pick);
    applied.push(name);
  }
  const crlf = pick(12) === 0;
  if (crlf) applied.push("CRLF");
  return { text: `${lines.join(crlf ? "\r\n" : "\n")}\n`, applied };
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the console reads ldirectord.cf as ldirectord 4.12 does", () => {
  it("on every recorded case: refused at the same line, or read", async () => {
    const files = [
      ...fs.readdirSync(path.join(FIXTURES, "cases")).map((f) => path.join(FIXTURES, "cases", f)),
      ...fs.readdirSync(FIXTURES).filter((f) => f.startsWith("ldirectord.cf-")).map((f) => path.join(FIXTURES, f)),
    ];
    expect(files.length).toBeGreaterThan(50);
    const disagreements: string[] = [];
    const verdicts = await inPairs(files, ldirectordVerdict);
    for (const [i, file] of files.entries()) {
      const real = verdicts[i] ?? { line: null, exit: -1, stderr: "" };
      const parsed = parseLdirectordConfig(fs.readFileSync(file, "utf8"));
      const ours = parsed.ok ? (parsed.value.refusedAt?.line ?? null) : -1;
      // a service name unknown to /etc/services: ldirectord refuses with a Perl warning and no line; the console
      // names the port as unread (its table of names is Debian's, the host's file may have more)
      const unknownName = parsed.ok && real.exit === 2 && parsed.value.refusedAt === null && parsed.value.unread.some((u) => /service name the console knows/.test(u.reason));
      const refused = real.exit === 2;
      if (!unknownName && (refused ? ours !== real.line : ours !== null)) disagreements.push(`${path.basename(file)}: ldirectord ${refused ? `refuses at ${real.line}` : "reads it"}, the console ${ours === -1 ? "cannot read it" : ours === null ? "reads it" : `refuses at ${ours}`}`);
    }
    expect(disagreements).toEqual([]);
  });

  it("on 60 mutations of a Moodle-style file (indentation, blank lines, comments, CRLF, methods, ports, values)", async () => {
    const seeds = Array.from({ length: 60 }, (_, i) => 9000 + i);
    const disagreements: string[] = [];
    // two at a time: ldirectord is a Perl script that takes about a second to load
    for (let i = 0; i < seeds.length; i += 2) {
      await Promise.all(
        seeds.slice(i, i + 2).map(async (seed) => {
          const { text, applied } = mutate(seed);
          const file = path.join(dir, `mutation-${seed}.cf`);
          fs.writeFileSync(file, text);
          const real = await ldirectordVerdict(file);
          const parsed = parseLdirectordConfig(text);
          if (!parsed.ok) {
            disagreements.push(`seed ${seed} (${applied.join(", ")}): the console cannot read it: ${parsed.reason}`);
            return;
          }
          const ours = parsed.value.refusedAt?.line ?? null;
          const unknownName = real.exit === 2 && parsed.value.refusedAt === null && parsed.value.unread.some((u) => /service name the console knows/.test(u.reason));
          if (unknownName) return;
          const theirs = real.exit === 2 ? real.line : null;
          if (ours !== theirs) disagreements.push(`seed ${seed} (${applied.join(", ")}): ldirectord ${theirs === null ? "reads it" : `refuses at ${theirs}`}, the console ${ours === null ? "reads it" : `refuses at ${ours}`}`);
        }),
      );
    }
    expect(disagreements).toEqual([]);
  });
});

describe("the drain's edit of ldirectord.cf on a balancer (issue 9, defect 24)", () => {
  let lb: ConformanceHost;
  let pool: SshPool;
  let cluster: ClusterSpec;
  let sudoers: { remove(): void } | null = null;
  const TARGET = "/etc/ha.d/conf/ldirectord-site.cf";
  const LINK = "/etc/ha.d/ldirectord.cf";
  const ORIGINAL = `${BASE}\nvirtual=203.0.113.20:3306\n\treal=192.168.10.18:3306 gate 1\n\tservice=mysql\n\tlogin="monitor"\n\tpasswd="s3cret"\n\tdatabase="ldirectord"\n\trequest="SELECT 1"\n`;

  beforeAll(async () => {
    lb = await startHost({ name: "ldlb", privateDirs: ["/etc/ha.d"] });
    pool = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 5_000 });
    cluster = ClusterSpec.parse({
      id: "ldconf",
      servers: [{ name: "A" }, { name: "B" }],
      hosts: [
        lb.spec("lb", "A"),
        { name: "web1", role: "web", server: "A", address: "192.0.2.11", clusterAddress: "192.168.10.11", auth: { agent: true } },
        { name: "web2", role: "web", server: "B", address: "192.0.2.21", clusterAddress: "192.168.10.21", auth: { agent: true } },
      ],
      balancer: { vip: "203.0.113.10", ports: [80, 443], ldirectordConfig: LINK },
    });
    const rules = sudoersRules(cluster);
    const wanted = [...rules.probes, ...rules.workflows].filter((r) => ["ldirectord-cf", "ldirectord-cf-drain", "ldirectord-cf-undrain"].includes(r.name));
    sudoers = installSudoers("ldirectord", sudoersLines(lb.spec("lb", "A").user, wanted));
    // the site's file, root's only (it holds a database check's password), behind the link ldirectord is given
    await lb.must(["mkdir", "-p", "/etc/ha.d/conf"]);
    await lb.must(["sh", "-c", `cat > ${TARGET} && chmod 600 ${TARGET} && chown root:adm ${TARGET} && ln -sfn conf/ldirectord-site.cf ${LINK}`], { input: ORIGINAL });
  });

  afterAll(async () => {
    pool?.closeAll();
    sudoers?.remove();
    await lb?.stop();
  });

  const send = (line: string) => {
    const spec = cluster.hosts.find((h) => h.name === lb.name);
    if (!spec) throw new Error("no lb");
    return pool.exec(targetOf(cluster, spec), line, { purpose: { kind: "test" }, timeoutMs: 60_000 });
  };
  const stat = async () => (await lb.must(["stat", "-c", "%a %U:%G %F", TARGET])).trim();
  const probe = async () => {
    const cmd = hostCommands.find((c) => c.name === "ldirectord-cf");
    const spec = cluster.hosts.find((h) => h.name === lb.name);
    if (!cmd || !spec) throw new Error("no probe");
    const line = commandLine(cmd, { cluster, host: spec, previous: () => undefined });
    if (!line) throw new Error("no line");
    const r = await send(line);
    expect(r, r.stderr).toMatchObject({ exitCode: 0 });
    const parsed = parseLdirectordConfig(r.stdout);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.value;
  };

  it("reads the 0600 file through sudo, and keeps no password", async () => {
    const value = await probe();
    expect(value.refusedAt).toBeNull();
    expect(value.virtuals.map((v) => v.virtual)).toEqual(["203.0.113.10:80", "203.0.113.10:443", "203.0.113.20:3306"]);
    expect(JSON.stringify(value)).not.toContain("s3cret");
  });

  it("drains web2 on every port: only the changed lines travel back, the mode, owner and link stay, ldirectord reads the result", async () => {
    const line = workflowCommands.ldirectordDrain.build(cluster, { address: "192.168.10.21" });
    expect(line).not.toContain("s3cret");
    const r = await send(line);
    expect(r, r.stderr).toMatchObject({ exitCode: 0, stderr: "" });
    expect(r.stdout).toBe("\treal=192.168.10.21:80 gate 0 #clusterdeck-drained-weight=100\n\treal=192.168.10.21:443 gate 0 #clusterdeck-drained-weight=50\n");
    expect(await stat()).toBe("600 root:adm regular file");
    expect((await lb.must(["readlink", LINK])).trim()).toBe("conf/ldirectord-site.cf");
    const value = await probe();
    expect(value.virtuals.flatMap((v) => v.reals.filter((x) => x.address === "192.168.10.21").map((x) => [v.port, x.weight, x.drainedFrom]))).toEqual([[80, 0, 100], [443, 0, 50]]);
    const verdict = await ldirectordVerdict(lb.path(TARGET));
    expect(verdict, verdict.stderr).toMatchObject({ exit: 3 });
  });

  it("undrains to the very file it was", async () => {
    const r = await send(workflowCommands.ldirectordUndrain.build(cluster, { address: "192.168.10.21" }));
    expect(r).toMatchObject({ exitCode: 0, stdout: "\treal=192.168.10.21:80 gate 100\n\treal=192.168.10.21:443 gate 50\n" });
    expect(fs.readFileSync(lb.path(TARGET), "utf8")).toBe(ORIGINAL);
    expect(await stat()).toBe("600 root:adm regular file");
  });

  it("sudo allows exactly that edit: another node's address, another file or another script is refused", async () => {
    const drain = workflowCommands.ldirectordDrain.build(cluster, { address: "192.168.10.21" });
    const neighbours = [
      workflowCommands.ldirectordDrain.build({ ...cluster, hosts: [...cluster.hosts, { ...lb.spec("web", "A"), name: "web9", clusterAddress: "192.168.10.99" }] }, { address: "192.168.10.99" }),
      drain.replace(LINK, TARGET),
      drain.replace("-i --follow-symlinks", "-i"),
      drain.replace("/w /dev/stdout'", "/w /etc/shadow'"),
    ];
    for (const n of neighbours) {
      const r = await send(n);
      expect(r.exitCode, n).toBe(1);
      expect(r.stderr, n).toContain("a password is required");
    }
    expect(fs.readFileSync(lb.path(TARGET), "utf8")).toBe(ORIGINAL);
  });
});
