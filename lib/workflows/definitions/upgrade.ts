import { DUMP_ROOT, workflowCommands } from "@/lib/commands/workflow";
import { type StepDef, StepFailed, type WorkflowDefinition, guard, planned } from "@/lib/workflows/definition";
import type { UpgradeParams } from "@/lib/workflows/params";
import { type ReleaseFacts, copyReleaseSteps, dropSnapshotStep, installedVersion, releaseFacts, reloadPhp, webHealthGuards } from "@/lib/workflows/steps/code";
import { cliNode, maintenanceOffSteps, maintenanceOnSteps, ownMessageWarning, webNodes } from "@/lib/workflows/steps/maintenance";
import { dataGuards, preflightSteps, replicationProblem } from "@/lib/workflows/steps/preflight";

interface Facts extends ReleaseFacts {
  nodes: string[];
  cliNode: string;
  replica: string | null;
  /** guards an admin overrode when the run started (filled in by the engine's start) */
  overridden: string[];
}

function compareVersions(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return x === y ? 0 : x > y ? 1 : -1;
}

export const upgradeWorkflow: WorkflowDefinition<UpgradeParams, Facts> = {
  kind: "upgrade",
  title: ({ facts, params }) => `Upgrade Moodle to ${facts.release?.release ?? `${params.sourceHost}:${params.sourcePath}`}`,
  summary: ({ params, facts }) => [
    ["release", `${params.sourceHost}:${params.sourcePath}`],
    ["its version.php", facts.release ? `${facts.release.release} ($version ${facts.release.version})` : (facts.releaseProblem ?? "not read")],
    ["installed", Object.entries(facts.installed).map(([n, v]) => `${n}: ${v ? `${v.release} (${v.version})` : "unknown"}`).join(", ")],
    ["dump on", facts.replica ?? "no replica"],
    ["upgrade.php on", facts.cliNode],
    ["maintenance page", params.message || "(Moodle's standard page)"],
  ],
  async gather(params, live) {
    const release = await releaseFacts(live, { host: params.sourceHost, path: params.sourcePath });
    return {
      ...release,
      nodes: webNodes(live.cluster),
      cliNode: cliNode(live.cluster, live.view),
      replica: replicationProblem(live.view, live.cluster).replica,
      overridden: [],
    };
  },
  guards(params, facts, live) {
    const installed = installedVersion(facts);
    const newer = facts.release !== null && installed !== null && compareVersions(facts.release.version, installed) > 0;
    return [
      guard("release-readable", facts.release !== null, facts.release ? `${params.sourcePath} holds ${facts.release.release}` : `the release cannot be read: ${facts.releaseProblem}`, false),
      guard(
        "newer-version",
        newer,
        newer
          ? `$version ${facts.release?.version} is newer than the installed ${installed}`
          : facts.release && installed
            ? facts.release.version === installed
              ? `the release has the installed $version ${installed}: no upgrade needed (use the rolling code update)`
              : `the release's $version ${facts.release.version} is older than the installed ${installed}: Moodle cannot downgrade`
            : "the installed $version is not known on every node",
        false,
      ),
      ...dataGuards(live.view, live.cluster),
      ...webHealthGuards(live.view, facts.nodes, "the new code must reach every node"),
    ];
  },
  warnings(params, facts, live) {
    return [
      ...ownMessageWarning(live.view, params.message),
      `The site goes into maintenance for the whole upgrade: nobody can use it until it is switched off at the end.`,
      `The upgrade changes the database once, for every node; it cannot be undone except by restoring the dump taken on ${facts.replica ?? "the replica"} first.`,
    ];
  },
  steps({ cluster, params, facts, runId }) {
    const source = { host: params.sourceHost, path: params.sourcePath };
    const dumpFile = `${DUMP_ROOT}/moodle-${runId}.sql`;
    const replica = facts.replica ?? "db2";
    const dump = planned(cluster, replica, workflowCommands.dump, { file: dumpFile });
    const dumpCheck = planned(cluster, replica, workflowCommands.dumpCheck, { file: dumpFile });
    const upgrade = planned(cluster, facts.cliNode, workflowCommands.upgrade, {});
    const pending = planned(cluster, facts.cliNode, workflowCommands.upgradePending, {});
    const overridden = (g: string) => facts.overridden.includes(g);
    const [maintenanceMessage, maintenanceOn, maintenanceVerify] = maintenanceOnSteps(cluster, facts.cliNode, params.message);
    if (!maintenanceMessage || !maintenanceOn || !maintenanceVerify) throw new Error("maintenance steps changed shape");
    const steps: StepDef[] = [
      ...preflightSteps(overridden),
      {
        key: "dump",
        kind: "action",
        title: `Dump the database on the replica ${replica}`,
        detail: "A consistent copy (one transaction) taken where it does not slow the site.",
        host: replica,
        planned: [dump],
        async run(rt) {
          await rt.exec(dump, { timeoutMs: 3_600_000 });
          return dumpFile;
        },
      },
      {
        key: "dump-check",
        kind: "verify",
        title: "The dump is complete",
        host: replica,
        planned: [dumpCheck],
        async run(rt) {
          const r = await rt.exec(dumpCheck);
          const [size, last] = r.stdout.trim().split("\n");
          if (!last?.startsWith("-- Dump completed")) throw new StepFailed(`${dumpFile} does not end with "-- Dump completed": the dump is incomplete`);
          return `${dumpFile}: ${(Number(size) / 1024).toFixed(0)} KiB, complete`;
        },
      },
      {
        key: "approve-maintenance",
        kind: "approval",
        title: "Approve: take the site into maintenance",
        planned: [],
        approval: `The dump is at ${replica}:${dumpFile}. Approve to put the site into maintenance and copy ${facts.release?.release ?? "the release"} to ${facts.nodes.join(", ")}.`,
      },
      maintenanceMessage,
      maintenanceOn,
      maintenanceVerify,
      ...facts.nodes.flatMap((n) => copyReleaseSteps(cluster, n, { runId, source, approve: false })),
      {
        key: "approve-upgrade",
        kind: "approval",
        title: `Approve: run upgrade.php on ${facts.cliNode}`,
        planned: [],
        approval: `Every node has the new code. Approve to upgrade the database with ${facts.cliNode}'s admin/cli/upgrade.php; after this, going back means restoring the dump.`,
      },
      {
        key: "upgrade",
        kind: "action",
        title: `Upgrade the database (admin/cli/upgrade.php on ${facts.cliNode})`,
        host: facts.cliNode,
        planned: [upgrade],
        pointOfNoReturn: true,
        idempotent: false,
        async run(rt) {
          const r = await rt.exec(upgrade, { timeoutMs: 3_600_000 });
          return r.stdout.trim().split("\n").slice(-1)[0];
        },
      },
      ...facts.nodes.map(
        (n): StepDef => ({
          key: `purge-${n}`,
          kind: "action",
          title: `Purge caches and reload Apache on ${n} (and php-fpm where it runs PHP)`,
          host: n,
          planned: [
            planned(cluster, n, workflowCommands.purgeCaches, {}),
            planned(cluster, n, workflowCommands.apacheGraceful, {}),
            planned(cluster, n, workflowCommands.phpFpmReload, {}),
          ],
          runtimeNote: "php-fpm is reloaded only on a node whose Apache hands PHP to it: the CLI's cache purge does not touch the web server's OPcache.",
          async run(rt) {
            await rt.exec(planned(rt.cluster, n, workflowCommands.purgeCaches, {}), { timeoutMs: 600_000 });
            await rt.exec(planned(rt.cluster, n, workflowCommands.apacheGraceful, {}));
            return reloadPhp(rt, n);
          },
        }),
      ),
      {
        key: "versions-match",
        kind: "verify",
        title: "Every node serves the new version, and the database has it",
        planned: [pending],
        async run(rt) {
          const want = facts.release?.version;
          await rt.waitUntil(
            (view) => {
              const versions = facts.nodes.map((n) => `${n}: ${view.state.web.find((w) => w.name === n)?.moodle?.version ?? "?"}`);
              const done = facts.nodes.every((n) => view.state.web.find((w) => w.name === n)?.moodle?.version === want);
              return { done, progress: versions.join(", ") };
            },
            { timeoutMs: 30_000, failMessage: `not every node serves $version ${want}` },
          );
          const r = await rt.exec(pending, { allow: [2] });
          if (r.exitCode === 2) throw new StepFailed("upgrade.php still reports a pending upgrade");
          return `all nodes and the database at ${want}`;
        },
      },
      {
        key: "approve-reopen",
        kind: "approval",
        title: "Approve: reopen the site",
        planned: [],
        approval: cluster.siteUrl
          ? `Versions match. Testers can check the site on a node directly; approve to switch maintenance off and check ${cluster.siteUrl} through the VIP.`
          : "Versions match. Approve to switch maintenance off.",
      },
      ...maintenanceOffSteps(cluster, facts.cliNode).filter((s) => s.key !== "upgrade-not-pending"),
      ...facts.nodes.map((n) => dropSnapshotStep(cluster, n, runId)),
    ];
    return steps;
  },
};
