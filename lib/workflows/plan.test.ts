import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findingsOf } from "@/lib/cluster/findings";
import type { ClusterState } from "@/lib/cluster/state";
import { verdictOf } from "@/lib/cluster/verdict";
import { hostCommands } from "@/lib/commands/registry";
import { allWorkflowCommands } from "@/lib/commands/workflow";
import type { ExecResult } from "@/lib/ssh/types";
import type { DrainRecord, LiveReader, WorkflowDefinition } from "@/lib/workflows/definition";
import { definitionOf } from "@/lib/workflows/registry";
import type { WorkflowKind } from "@/lib/workflows/types";
import { labClusterSpec } from "@/test/support/cluster-spec";
import { channel, db, healthyCluster, silence, web } from "@/test/support/cluster-state";

// Plans are pure: the live view and what the hosts answered in, steps and guards out. These build
// every workflow's plan from a cluster state and real version.php files, and hold the plans to the
// command registry (nothing outside it is ever sent) and the guards to their refusals.

const FIXTURES = path.join(__dirname, "../probes/__fixtures__/moodle");
const V35 = fs.readFileSync(path.join(FIXTURES, "version-php-3.5.15-moodle-8c732857.txt"), "utf8");
const V19 = fs.readFileSync(path.join(FIXTURES, "version-php-1.9.9-moodle-00067c19.txt"), "utf8");
const V35_VERSION = /\$version\s*=\s*([\d.]+)/.exec(V35)?.[1] ?? "";
const V19_VERSION = /\$version\s*=\s*([\d.]+)/.exec(V19)?.[1] ?? "";

const cluster = labClusterSpec();

function serving(state: ClusterState, version: string): ClusterState {
  for (const w of state.web) w.moodle = { version, release: "installed", branch: null };
  return state;
}

function reader(state: ClusterState, versionPhp: string, drains: DrainRecord[] = []): LiveReader {
  return {
    cluster,
    view: { state, findings: findingsOf(state, cluster), verdict: verdictOf(state, cluster) },
    drains,
    async read(host, spec): Promise<ExecResult> {
      // the fingerprint hashed now: what the node's state says it serves
      const fingerprint = /^sha1:([0-9a-f]{40})$/.exec(state.web.find((w) => w.name === host)?.codeFingerprint ?? "")?.[1];
      const stdout = spec.name === "code-fingerprint-now" ? (fingerprint ? `hashed 1 checked 1 ${fingerprint}  -\n` : "") : versionPhp;
      return { host, command: spec.name, stdout, stderr: "", exitCode: 0, signal: null, outcome: "ok", durationMs: 1, truncated: false };
    },
  };
}

async function planOf(kind: WorkflowKind, params: unknown, live: LiveReader) {
  const def = definitionOf(kind) as unknown as WorkflowDefinition<unknown, unknown>;
  const facts = await def.gather(params, live);
  return {
    steps: def.steps({ cluster, params, facts, runId: "run1" }),
    guards: def.guards(params, facts, live),
    warnings: def.warnings(params, facts, live),
  };
}

const CASES: [WorkflowKind, unknown, string][] = [
  ["maintenance", { action: "enable", message: "Back soon" }, V35],
  ["maintenance", { action: "enable-later", minutes: 10, message: "" }, V35],
  ["maintenance", { action: "disable" }, V35],
  ["drain", { host: "web1", threshold: 0 }, V35],
  ["undrain", { host: "web1" }, V35],
  ["code-update", { sourceHost: "web1", sourcePath: "/srv/releases/x", drainWaitSeconds: 0 }, V35],
  ["upgrade", { sourceHost: "web1", sourcePath: "/srv/releases/x", message: "" }, V35],
];

describe("workflow plans", () => {
  const registered = new Map<string, { runAs: string } | null>([
    ...allWorkflowCommands.map((c) => [c.name, { runAs: c.runAs }] as const),
    ...hostCommands.map((c) => [c.name, c.sudo ? { runAs: "root" } : { runAs: "self" }] as const),
  ]);

  it.each(CASES)("%s %j: every command is a registered one, with sudo exactly where it runs as someone else", async (kind, params, versionPhp) => {
    const { steps } = await planOf(kind, params, reader(serving(healthyCluster(), V19_VERSION), versionPhp));
    expect(steps.length).toBeGreaterThan(1);
    const commands = steps.flatMap((s) => [...s.planned, ...(s.plannedUndo ?? [])]);
    for (const c of commands) {
      const spec = registered.get(c.name);
      expect(spec, c.name).toBeDefined();
      expect(c.line.split("\n").some((l) => /(^|&& )sudo -n /.test(l)), `${c.name}: ${c.line}`).toBe(spec?.runAs !== "self");
      expect(cluster.hosts.some((h) => h.name === c.host), c.host).toBe(true);
    }
    // keys identify steps across restarts: they must be unique within a run
    expect(new Set(steps.map((s) => s.key)).size).toBe(steps.length);
    // every action that changes something says how it is undone, or is one that needs none
    for (const s of steps.filter((x) => x.kind === "action" && x.undo === undefined)) {
      expect(s.key, `${kind}: ${s.title}`).toMatch(/^(snapshot-|drop-snapshot-|graceful-|purge-|dump$|upgrade$|maintenance-message$)/);
    }
  });

  it("drain plans weight 0 on both balancers, at runtime and in ldirectord.cf, and warns about file sessions", async () => {
    const state = healthyCluster();
    web(state, "web1").sessionHandler = "file";
    web(state, "web1").fileSessions = 12;
    const { steps, guards, warnings } = await planOf("drain", { host: "web1", threshold: 0 }, reader(state, V35));
    expect(guards.filter((g) => !g.ok)).toEqual([]);
    expect(steps[0]?.planned.map((c) => `${c.host}: ${c.line}`)).toEqual([
      "lb1: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0",
      "lb2: sudo -n ipvsadm -e -t 203.0.113.10:80 -r 192.168.10.11:80 -g -w 0",
    ]);
    expect(steps[1]?.planned.map((c) => `${c.host}: ${c.name}`)).toEqual(["lb1: ldirectord-cf-drain", "lb2: ldirectord-cf-drain"]);
    expect(warnings).toEqual([expect.stringContaining("Sessions are kept in files on web1 (12 now)")]);
  });

  it("never drains the last serving node, and says why", async () => {
    const { guards } = await planOf("drain", { host: "web1", threshold: 0 }, reader(silence(healthyCluster(), "web2"), V35));
    expect(guards.find((g) => !g.ok)).toEqual({ id: "not-last-node", ok: false, message: "web1 is the last web node serving: draining it takes the site down", overridable: true });
  });

  it("drain notices a silent balancer: the drain would not survive a failover to it", async () => {
    const { guards, steps } = await planOf("drain", { host: "web1", threshold: 0 }, reader(silence(healthyCluster(), "lb2"), V35));
    expect(guards.find((g) => g.id === "balancers-answer")).toMatchObject({ ok: false, message: expect.stringContaining("lb2 does not answer") });
    expect(steps[0]?.planned.map((c) => c.host)).toEqual(["lb1"]);
  });

  it("a rolling update refuses another $version, and a sick other node", async () => {
    const live = reader(serving(healthyCluster(), V19_VERSION), V35);
    const other = await planOf("code-update", { sourceHost: "web1", sourcePath: "/srv/r", drainWaitSeconds: 0 }, live);
    expect(other.guards.find((g) => g.id === "same-version")).toMatchObject({
      ok: false,
      overridable: false,
      message: `the release's $version ${V35_VERSION} differs from the installed ${V19_VERSION}: that is an upgrade (use the Moodle upgrade workflow)`,
    });
    const sick = serving(healthyCluster(), V35_VERSION);
    web(sick, "web2").apache.active = false;
    const s = await planOf("code-update", { sourceHost: "web1", sourcePath: "/srv/r", drainWaitSeconds: 0 }, reader(sick, V35));
    expect(s.guards.filter((g) => !g.ok).map((g) => g.message)).toEqual([expect.stringContaining("web2 has Apache down")]);
    const order = s.steps.map((x) => x.key);
    expect(order.indexOf("rsync-web1")).toBeGreaterThan(order.indexOf("approve-web1"));
    expect(order.indexOf("undrain-verify-web1")).toBeLessThan(order.indexOf("drain-runtime-web2"));
  });

  it("an upgrade refuses broken replication or DRBD out of sync, and an older release", async () => {
    const broken = serving(healthyCluster(), V19_VERSION);
    channel(broken).sqlRunning = "No";
    channel(broken).lastSqlError = "Error 'Duplicate entry' on query";
    const b = await planOf("upgrade", { sourceHost: "web1", sourcePath: "/srv/r", message: "" }, reader(broken, V35));
    expect(b.guards.filter((g) => !g.ok).map((g) => g.id)).toEqual(["replication-healthy"]);
    expect(b.guards.find((g) => g.id === "replication-healthy")?.message).toMatch(/SQL No \(Error 'Duplicate entry' on query\)/);

    // a replica that came back from a reboot writable (read_only is not kept across a restart)
    const writable = serving(healthyCluster(), V19_VERSION);
    db(writable, "db2").readOnly = false;
    const w = await planOf("upgrade", { sourceHost: "web1", sourcePath: "/srv/r", message: "" }, reader(writable, V35));
    expect(w.guards.filter((g) => !g.ok).map((g) => [g.id, g.message])).toEqual([
      ["replication-healthy", "db2 replicates but is writable (read_only OFF): a write there is on no other server and stops replication"],
    ]);

    const older = await planOf("upgrade", { sourceHost: "web1", sourcePath: "/srv/r", message: "" }, reader(serving(healthyCluster(), V35_VERSION), V19));
    expect(older.guards.find((g) => g.id === "newer-version")).toMatchObject({ ok: false, overridable: false, message: expect.stringContaining("Moodle cannot downgrade") });
  });

  it("refuses to reopen the site while nodes serve different code", async () => {
    const state = healthyCluster();
    for (const w of state.web) w.codeFingerprint = `sha1:${"a".repeat(40)}`;
    const sameInPoll = structuredClone(state);
    web(state, "web2").codeFingerprint = `sha1:${"b".repeat(40)}`;
    const { guards } = await planOf("maintenance", { action: "disable" }, reader(state, V35));
    expect(guards.find((g) => g.id === "same-code")).toMatchObject({ ok: false, message: expect.stringContaining("do not reopen the site until they match") });
    // the poll's (cached) fingerprints agree, but the ones hashed for the plan do not: the plan's decide
    const stale = reader(sameInPoll, V35);
    const freshRead = reader(state, V35).read;
    const { guards: again } = await planOf("maintenance", { action: "disable" }, { ...stale, read: freshRead });
    expect(again.find((g) => g.id === "same-code")?.ok).toBe(false);
  });
});
