import type { ClusterView } from "@/lib/cluster/findings-types";
import { workflowCommands } from "@/lib/commands/workflow";
import { longestOutage, measure, probeOf, startProbe, stopProbe } from "@/lib/drills/probe";
import { type Measurement, judge, markFailover, storeScore, unacknowledged } from "@/lib/drills/score";
import { sshPool, targetOf } from "@/lib/ssh";
import { type StepRuntime, StepFailed, type WorkflowDefinition, guard, planned } from "@/lib/workflows/definition";
import type { DrillStorageParams } from "@/lib/workflows/params";
import { type ExpectationSpec, type FailoverMarkView, antiFlapGuard, expectationsStep, preflightVerdictStep, redundantAgainStep, scorecardStep, verdictGuard } from "@/lib/workflows/steps/drill";
import { webNodes } from "@/lib/workflows/steps/maintenance";
import { dataGuards, drbdProblem } from "@/lib/workflows/steps/preflight";

/**
 * Storage switchover drill: the file server serving NFS hands its resources to its peer the way
 * heartbeat does it (stop the export, unmount, demote DRBD, then on the peer promote, mount, export
 * and take the NFS address), while the console checks every second that each web node can read the
 * dataroot. Then the cluster must be redundant again with nothing out of sync.
 */

interface Facts {
  primary: string | null;
  peer: string | null;
  server: string | null;
  heartbeat: boolean;
  webNodes: string[];
  marks: FailoverMarkView[];
  expectations: ExpectationSpec[];
  overridden: string[];
}

const NFS_EVERY_MS = 1000;

function nfsOwner(view: ClusterView): string | null {
  const holders = view.state.storage.filter((s) => s.reachable && (s.holdsNfsAddress || s.drbd.some((r) => r.role === "Primary")));
  return holders.length === 1 ? (holders[0]?.name ?? null) : null;
}

function outOfSyncKb(view: ClusterView): number | null {
  const values = view.state.storage.flatMap((s) => s.drbd.map((r) => r.outOfSyncKb)).filter((v): v is number => v !== null);
  return values.length ? Math.max(...values) : null;
}

async function scorecard(rt: StepRuntime, facts: Facts, aborted: boolean): Promise<string> {
  const probe = stopProbe(rt.runId);
  const m = probe ? measure(probe.site, probe.vip) : null;
  const nfs = probe?.checks.get("dataroot");
  const measurements: Measurement[] = [
    { name: "nfsDownSeconds", value: nfs ? longestOutage(nfs, NFS_EVERY_MS) : null, unit: "s" },
    { name: "unservedSeconds", value: m?.unservedSeconds ?? null, unit: "s" },
    { name: "failedRequests", value: m?.failedRequests ?? null, unit: "requests" },
    { name: "outOfSyncKb", value: rt.get<number>("outOfSyncKb") ?? null, unit: "KiB" },
    { name: "redundantAgainSeconds", value: rt.get<number>("redundantAgainSeconds") ?? null, unit: "s" },
  ];
  const expectations = judge(rt.get<ExpectationSpec[]>("expectations") ?? facts.expectations, measurements);
  const passed = await storeScore({ runId: rt.runId, clusterId: rt.cluster.id, kind: "storage", target: facts.primary ?? "?", measurements, expectations, aborted });
  if (!aborted) await markFailover(rt.cluster.id, ["storage"], `drill:${rt.runId}`, `NFS moved from ${facts.primary} to ${facts.peer} in a drill`);
  const met = expectations.filter((e) => e.passed === true).length;
  return `${aborted ? "aborted; " : ""}${passed ? "passed" : "failed"}: ${met} of ${expectations.length} expectations met; dataroot unreadable ${measurements[0]?.value ?? "?"} s, site not served ${m?.unservedSeconds ?? "?"} s, out of sync ${rt.get<number>("outOfSyncKb") ?? "?"} KiB`;
}

export const storageDrill: WorkflowDefinition<DrillStorageParams, Facts> = {
  kind: "drill-storage",
  title: ({ facts }) => `Storage switchover drill: ${facts.primary ?? "?"} → ${facts.peer ?? "?"}`,
  summary: ({ params, facts }) => [
    ["NFS served by", facts.primary ?? "no single file server"],
    ["moves to", facts.peer ?? "?"],
    ["how", "hb_standby on the serving file server: heartbeat stops the export, unmounts, demotes DRBD; its peer promotes, mounts, exports and takes the NFS address"],
    ["watched on", `${facts.webNodes.join(", ")}: the dataroot read every second`],
    ["abort and switch back when", `a web node cannot read the dataroot for > ${params.maxNfsDownSeconds} s`],
    ...facts.expectations.map((e, i) => [`expectation ${i + 1}`, e.text] as [string, string]),
  ],
  async gather(params, live) {
    const primary = nfsOwner(live.view);
    const peer = live.view.state.storage.find((s) => s.name !== primary)?.name ?? null;
    return {
      primary,
      peer,
      server: live.cluster.hosts.find((h) => h.name === primary)?.server ?? null,
      heartbeat: live.cluster.storage.ha === "heartbeat",
      webNodes: webNodes(live.cluster),
      marks: await unacknowledged(live.cluster.id),
      expectations: [
        { text: `every web node reads the dataroot again within ${params.maxNfsDownSeconds} s`, measure: "nfsDownSeconds", bound: params.maxNfsDownSeconds },
        { text: `the site answers through the VIP again within ${params.maxNfsDownSeconds} s`, measure: "unservedSeconds", bound: params.maxNfsDownSeconds },
        { text: "nothing is out of sync between the file servers afterwards", measure: "outOfSyncKb", bound: 0 },
        { text: "the cluster is redundant again within 120 s", measure: "redundantAgainSeconds", bound: 120 },
      ],
      overridden: [],
    };
  },
  guards(_params, facts, live) {
    return [
      guard("one-nfs-owner", facts.primary !== null, facts.primary ? `${facts.primary} serves NFS` : "no single file server serves NFS now", false),
      guard("ha-stack", facts.heartbeat, facts.heartbeat ? "the file servers run heartbeat" : "this drill hands resources over with heartbeat's hb_standby; the file servers run another HA stack", false),
      ...(facts.server ? [verdictGuard(live.view, facts.server)] : []),
      ...dataGuards(live.view, live.cluster),
      antiFlapGuard(facts.marks, ["storage"]),
    ];
  },
  warnings: (_params, facts) => [
    `Moodle cannot read or write its files while NFS moves from ${facts.primary ?? "the serving file server"} to ${facts.peer ?? "its peer"}: pages that touch the dataroot stall or fail for those seconds.`,
  ],
  steps({ cluster, params, facts }) {
    const primary = facts.primary ?? "fs1";
    const peer = facts.peer ?? "fs2";
    const standby = planned(cluster, primary, workflowCommands.hbStandby, {});
    const takeBack = planned(cluster, primary, workflowCommands.hbTakeover, {});
    const overridden = (g: string) => facts.overridden.includes(g);
    return [
      preflightVerdictStep(facts.server ?? "A", overridden),
      expectationsStep(facts.expectations),
      {
        key: "measure",
        kind: "action",
        title: "Start measuring: the dataroot on every web node and the site through the VIP, every second",
        planned: facts.webNodes.map((n) => planned(cluster, n, workflowCommands.datarootCheck, {})),
        async run(rt) {
          const probe = startProbe(rt.runId, rt.cluster, rt.actor);
          const hosts = rt.cluster.hosts.filter((h) => facts.webNodes.includes(h.name));
          const line = workflowCommands.datarootCheck.build(rt.cluster, {});
          probe.addCheck("dataroot", NFS_EVERY_MS, async () => {
            const results = await Promise.all(
              hosts.map((h) =>
                sshPool()
                  .exec(targetOf(rt.cluster, h), line, { timeoutMs: 4000, purpose: { kind: "probe", probes: ["dataroot-check"] }, actor: rt.actor })
                  .then((r) => r.exitCode === 0)
                  .catch(() => false),
              ),
            );
            return results.every(Boolean);
          });
          return undefined;
        },
        async undo(rt) {
          await scorecard(rt, facts, true);
        },
      },
      {
        key: "standby",
        kind: "action",
        title: `Hand NFS from ${primary} to ${peer} (hb_standby on ${primary})`,
        host: primary,
        planned: [standby],
        plannedUndo: [takeBack],
        async run(rt) {
          await rt.exec(standby);
          return undefined;
        },
        async undo(rt) {
          await rt.exec(takeBack);
        },
      },
      {
        key: "watch-switchover",
        kind: "wait",
        title: `${peer} serves NFS and every web node reads the dataroot`,
        detail: `Aborts and takes the resources back if a web node cannot read the dataroot for more than ${params.maxNfsDownSeconds} s.`,
        planned: [],
        async run(rt) {
          const probe = probeOf(rt.runId, rt.cluster, rt.actor);
          await rt.waitUntil(
            (view) => {
              const samples = probe.checks.get("dataroot") ?? [];
              const down = longestOutage(samples, NFS_EVERY_MS);
              if (down > params.maxNfsDownSeconds) throw new StepFailed(`bound crossed: the dataroot unreadable for ${down} s (limit ${params.maxNfsDownSeconds} s)`);
              const owner = nfsOwner(view);
              const readable = samples.at(-1)?.ok === true;
              const served = !rt.cluster.siteUrl || probe.lastStatus() === 200;
              return { done: owner === peer && readable && served, progress: `NFS on ${owner ?? "nobody"}; dataroot ${readable ? "readable" : "not readable"}; site ${probe.lastStatus() ?? "not answering"}; unreadable ${down} s` };
            },
            { timeoutMs: (params.maxNfsDownSeconds + 30) * 1000, failMessage: "the switchover did not complete" },
          );
          return `NFS on ${peer}`;
        },
      },
      {
        key: "in-sync",
        kind: "wait",
        title: "DRBD connected and UpToDate on both sides; nothing out of sync",
        planned: [],
        async run(rt) {
          await rt.waitUntil(
            (view) => {
              const p = drbdProblem(view).problem;
              return { done: p === null, progress: p ?? "UpToDate on both sides" };
            },
            { timeoutMs: 120_000, failMessage: "DRBD did not come back in sync" },
          );
          const oos = outOfSyncKb(await rt.view(Date.now())) ?? 0;
          await rt.set("outOfSyncKb", oos);
          return `${oos} KiB out of sync`;
        },
      },
      redundantAgainStep(),
      scorecardStep((rt) => scorecard(rt, facts, false)),
    ];
  },
};
