import { canSwitchPower, setServerPower } from "@/lib/drills/power";
import { measure, probeOf, startProbe, stopProbe } from "@/lib/drills/probe";
import { type Measurement, judge, markFailover, storeScore, unacknowledged } from "@/lib/drills/score";
import type { ClusterView } from "@/lib/cluster/findings-types";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { type StepDef, type StepRuntime, StepFailed, type WorkflowDefinition, guard } from "@/lib/workflows/definition";
import type { DrillServerParams } from "@/lib/workflows/params";
import { type ExpectationSpec, type FailoverMarkView, antiFlapGuard, expectationsStep, preflightVerdictStep, scorecardStep, verdictGuard } from "@/lib/workflows/steps/drill";
import { dataGuards, drbdProblem, replicationProblem } from "@/lib/workflows/steps/preflight";

/**
 * Whole physical server drill: the server loses power (the lab's control API; on a real cluster the
 * operator pulls it and the console watches), every tier's failover is watched and checked, power
 * returns, and the cluster must be redundant again.
 */

interface Facts {
  server: string;
  vms: string[];
  /** the lab can switch power; a real cluster waits for the operator */
  switchable: boolean;
  vipOnServer: boolean;
  nfsOnServer: boolean;
  marks: FailoverMarkView[];
  expectations: ExpectationSpec[];
  overridden: string[];
}

const TIERS = ["balancer", "web", "storage", "database"];

function holdersOn(view: ClusterView, vms: readonly string[]): { vip: boolean; nfs: boolean } {
  return {
    vip: view.state.balancers.some((b) => b.holdsVip && vms.includes(b.name)),
    nfs: view.state.storage.some((s) => s.holdsNfsAddress && vms.includes(s.name)),
  };
}

function recovered(view: ClusterView, vms: readonly string[], cluster: ClusterSpec): { done: boolean; progress: string } {
  const silent = view.state.hosts.filter((h) => vms.includes(h.name) && (!h.reachable || h.stale)).map((h) => h.name);
  const drbd = drbdProblem(view).problem;
  const repl = replicationProblem(view, cluster).problem;
  const parts = [silent.length ? `not answering: ${silent.join(", ")}` : "every VM answers", drbd ? `DRBD: ${drbd}` : "DRBD UpToDate", repl ? `replication: ${repl}` : "replication caught up"];
  return { done: silent.length === 0 && drbd === null && repl === null, progress: parts.join("; ") };
}

async function scorecard(rt: StepRuntime, facts: Facts, aborted: boolean): Promise<string> {
  const probe = stopProbe(rt.runId);
  const m = probe ? measure(probe.site, probe.vip) : null;
  const measurements: Measurement[] = [
    { name: "unservedSeconds", value: m?.unservedSeconds ?? null, unit: "s" },
    { name: "noVipSeconds", value: m?.noVipSeconds ?? null, unit: "s" },
    { name: "failedRequests", value: m?.failedRequests ?? null, unit: "requests" },
    { name: "nfsMovedSeconds", value: rt.get<number>("nfsMovedSeconds") ?? null, unit: "s" },
    { name: "recoverySeconds", value: rt.get<number>("recoverySeconds") ?? null, unit: "s" },
  ];
  const expectations = judge(rt.get<ExpectationSpec[]>("expectations") ?? facts.expectations, measurements);
  const passed = await storeScore({ runId: rt.runId, clusterId: rt.cluster.id, kind: "server", target: facts.server, measurements, expectations, aborted });
  if (!aborted) {
    const tiers = ["web", ...(facts.vipOnServer ? ["balancer"] : []), ...(facts.nfsOnServer ? ["storage"] : [])];
    await markFailover(rt.cluster.id, tiers, `drill:${rt.runId}`, `server ${facts.server} powered off in a drill`);
  }
  const met = expectations.filter((e) => e.passed === true).length;
  return `${aborted ? "aborted; " : ""}${passed ? "passed" : "failed"}: ${met} of ${expectations.length} expectations met; site not served ${m?.unservedSeconds ?? "?"} s, recovery ${rt.get<number>("recoverySeconds") ?? "?"} s`;
}

export const serverDrill: WorkflowDefinition<DrillServerParams, Facts> = {
  kind: "drill-server",
  title: ({ params }) => `Whole-server failover drill: server ${params.server} off`,
  summary: ({ params, facts }) => [
    ["server", `${params.server} (${facts.vms.join(", ")})`],
    ["power", facts.switchable ? "switched by the console (lab)" : "you switch it; the console watches and tells you when"],
    ["VIP on this server", facts.vipOnServer ? "yes: the other balancer must take it" : "no"],
    ["NFS on this server", facts.nfsOnServer ? "yes: the other file server must take it" : "no"],
    ["abort and restore when", `the site is unserved for > ${params.maxUnservedSeconds} s`],
    ...facts.expectations.map((e, i) => [`expectation ${i + 1}`, e.text] as [string, string]),
  ],
  async gather(params, live) {
    const vms = live.cluster.hosts.filter((h) => h.server === params.server).map((h) => h.name);
    const on = holdersOn(live.view, vms);
    return {
      server: params.server,
      vms,
      switchable: canSwitchPower(live.cluster),
      vipOnServer: on.vip,
      nfsOnServer: on.nfs,
      marks: await unacknowledged(live.cluster.id),
      expectations: [
        { text: `the site answers through the VIP within ${params.maxUnservedSeconds} s of the power loss`, measure: "unservedSeconds", bound: params.maxUnservedSeconds },
        ...(on.nfs ? [{ text: "the other file server serves NFS within 60 s", measure: "nfsMovedSeconds", bound: 60 }] : []),
        { text: `after power returns, every VM answers and DRBD and replication catch up within ${params.maxRecoverySeconds} s`, measure: "recoverySeconds", bound: params.maxRecoverySeconds },
      ],
      overridden: [],
    };
  },
  guards(params, facts, live) {
    const known = live.cluster.servers.some((s) => s.name === params.server);
    return [
      guard("known-server", known, known ? `server ${params.server} carries ${facts.vms.join(", ")}` : `no physical server ${params.server} in the inventory`, false),
      verdictGuard(live.view, params.server),
      ...dataGuards(live.view, live.cluster),
      antiFlapGuard(facts.marks, TIERS),
    ];
  },
  warnings: (params, facts) => [
    `Every VM on server ${params.server} (${facts.vms.join(", ")}) loses power: users on ${facts.vms.filter((v) => v.startsWith("web")).join(", ") || "its web node"} lose their connections${facts.switchable ? "" : "; you switch the power yourself when the run asks"}.`,
  ],
  steps({ params, facts }) {
    const overridden = (g: string) => facts.overridden.includes(g);
    const powerOff: StepDef = facts.switchable
      ? {
          key: "power-off",
          kind: "action",
          title: `Power off server ${params.server}`,
          planned: [],
          runtimeNote: "Through the lab's control API (server-off).",
          async run(rt) {
            await rt.set("offAt", Date.now());
            return setServerPower(rt.cluster, params.server, false);
          },
          async undo(rt) {
            await setServerPower(rt.cluster, params.server, true);
          },
        }
      : {
          key: "power-off",
          kind: "approval",
          title: `Power off server ${params.server} now`,
          planned: [],
          approval: `Switch off server ${params.server} (all of ${facts.vms.join(", ")}), then approve: the console measures from your click.`,
        };
    const powerOn: StepDef = facts.switchable
      ? {
          key: "power-on",
          kind: "action",
          title: `Power server ${params.server} back on`,
          planned: [],
          async run(rt) {
            await rt.set("onAt", Date.now());
            return setServerPower(rt.cluster, params.server, true);
          },
        }
      : {
          key: "power-on",
          kind: "approval",
          title: `Power server ${params.server} back on`,
          planned: [],
          approval: `Switch server ${params.server} back on, then approve.`,
        };
    return [
      preflightVerdictStep(params.server, overridden),
      expectationsStep(facts.expectations),
      {
        key: "measure",
        kind: "action",
        title: "Start measuring: the site through the VIP every second, the VIP's owner twice a second",
        planned: [],
        async run(rt) {
          startProbe(rt.runId, rt.cluster, rt.actor);
          return undefined;
        },
        async undo(rt) {
          await scorecard(rt, facts, true);
        },
      },
      powerOff,
      {
        key: "watch-failover",
        kind: "wait",
        title: "Every tier fails over: the VIP, NFS, and the site through the VIP",
        detail: `Aborts and powers the server back on if the site goes unserved for more than ${params.maxUnservedSeconds} s.`,
        planned: [],
        async run(rt) {
          const offAt = rt.get<number>("offAt") ?? Date.now();
          if (rt.get<number>("offAt") === undefined) await rt.set("offAt", offAt);
          const probe = probeOf(rt.runId, rt.cluster, rt.actor);
          // the power loss is seen first: the site stops answering or the server's VMs go silent
          await new Promise((r) => setTimeout(r, 1000));
          await rt.waitUntil(
            (view) => {
              const m = measure(probe.site, probe.vip);
              if (m.unservedSeconds > params.maxUnservedSeconds) throw new StepFailed(`bound crossed: the site unserved for ${m.unservedSeconds} s (limit ${params.maxUnservedSeconds} s)`);
              const on = holdersOn(view, facts.vms);
              const gone = view.state.hosts.filter((h) => facts.vms.includes(h.name) && !h.reachable).length;
              const nfsElsewhere = view.state.storage.some((s) => s.holdsNfsAddress && !facts.vms.includes(s.name) && s.reachable);
              const served = !rt.cluster.siteUrl || probe.lastStatus() === 200;
              const done = gone === facts.vms.length && !on.vip && (!facts.nfsOnServer || nfsElsewhere) && served;
              return {
                done,
                progress: `${gone} of ${facts.vms.length} VMs silent; VIP on ${(probe.holders() ?? []).join(", ") || "nobody"}; NFS ${nfsElsewhere ? "served by the other file server" : "not moved"}; site ${probe.lastStatus() ?? "not answering"}; unserved ${m.unservedSeconds} s`,
              };
            },
            { timeoutMs: (params.maxUnservedSeconds + 120) * 1000, failMessage: "the failover did not complete" },
          );
          await rt.set("nfsMovedSeconds", facts.nfsOnServer ? Math.round((Date.now() - offAt) / 100) / 10 : null);
          const m = measure(probe.site, probe.vip);
          return `failed over; site unserved ${m.unservedSeconds} s`;
        },
      },
      powerOn,
      {
        key: "recovered",
        kind: "wait",
        title: `Server ${params.server} back: every VM answers, DRBD and replication caught up`,
        planned: [],
        async run(rt) {
          const onAt = rt.get<number>("onAt") ?? Date.now();
          await rt.waitUntil((view) => recovered(view, facts.vms, rt.cluster), { timeoutMs: params.maxRecoverySeconds * 1000 + 30_000, failMessage: "the server did not recover" });
          const seconds = Math.round((Date.now() - onAt) / 100) / 10;
          await rt.set("recoverySeconds", seconds);
          return `recovered after ${seconds} s`;
        },
      },
      scorecardStep((rt) => scorecard(rt, facts, false)),
    ];
  },
};
