import { measure, probeOf, startProbe, stopProbe } from "@/lib/drills/probe";
import { type Measurement, judge, markFailover, storeScore, unacknowledged } from "@/lib/drills/score";
import { workflowCommands } from "@/lib/commands/workflow";
import { type StepRuntime, StepFailed, type WorkflowDefinition, guard, planned } from "@/lib/workflows/definition";
import type { DrillBalancerParams } from "@/lib/workflows/params";
import { type ExpectationSpec, type FailoverMarkView, antiFlapGuard, expectationsStep, preflightVerdictStep, redundantAgainStep, scorecardStep, stickyClients, stickyRead, verdictGuard } from "@/lib/workflows/steps/drill";
import { dataGuards } from "@/lib/workflows/steps/preflight";
import { type VipReturn, vipReturn } from "@/lib/cluster/preemption";

/**
 * Balancer failover drill: stop the HA daemon on the balancer holding the VIP, watch the other one
 * take it, check the site through the VIP, start the daemon again. Measured while it runs.
 */

interface Facts {
  active: string | null;
  standby: string | null;
  server: string | null;
  service: "heartbeat" | "keepalived" | null;
  /** what the restart of the HA daemon on `active` does to the VIP (keepalived preempts by default) */
  vipReturn?: VipReturn;
  marks: FailoverMarkView[];
  expectations: ExpectationSpec[];
  overridden: string[];
}

/** seconds allowed beyond keepalived's own timer before calling the VIP's return late */
const RETURN_SLACK_SECONDS = 5;

export function expectationsOf(p: DrillBalancerParams, active: string, standby: string, back: VipReturn | undefined): ExpectationSpec[] {
  const afterRestore: ExpectationSpec[] =
    back?.returnsTo && back.afterSeconds !== null
      ? [{ text: `${active} takes the VIP back within ${Math.ceil(back.afterSeconds + RETURN_SLACK_SECONDS)} s of the restart (keepalived preempts)`, measure: "vipBackSeconds", bound: Math.ceil(back.afterSeconds + RETURN_SLACK_SECONDS) }]
      : back?.known
        ? [{ text: `the VIP stays on ${standby} after the restart (${back.why})`, measure: "vipMovedAgain", bound: 0 }]
        : [];
  return [
    { text: `${standby} holds the VIP within ${p.maxNoVipSeconds} s: seconds with no VIP owner ≤ ${p.maxNoVipSeconds}`, measure: "noVipSeconds", bound: p.maxNoVipSeconds },
    { text: `the site answers through the VIP again within ${p.maxUnservedSeconds} s`, measure: "unservedSeconds", bound: p.maxUnservedSeconds },
    ...afterRestore,
    { text: "the cluster is redundant again within 120 s of the restore", measure: "redundantAgainSeconds", bound: 120 },
  ];
}

async function scorecard(rt: StepRuntime, facts: Facts, aborted: boolean): Promise<string> {
  const probe = stopProbe(rt.runId);
  const m = probe ? measure(probe.site, probe.vip) : null;
  const sticky = rt.get<{ before: number; kept: number }>("sticky");
  const measurements: Measurement[] = [
    { name: "noVipSeconds", value: m?.noVipSeconds ?? null, unit: "s" },
    { name: "unservedSeconds", value: m?.unservedSeconds ?? null, unit: "s" },
    { name: "failedRequests", value: m?.failedRequests ?? null, unit: "requests" },
    { name: "stickyClientsBefore", value: sticky?.before ?? null, unit: "clients" },
    { name: "stickyClientsLost", value: sticky ? sticky.before - sticky.kept : null, unit: "clients" },
    { name: "redundantAgainSeconds", value: rt.get<number>("redundantAgainSeconds") ?? null, unit: "s" },
    { name: "vipBackSeconds", value: rt.get<number>("vipBackSeconds") ?? null, unit: "s" },
    { name: "vipMovedAgain", value: rt.get<number>("vipMovedAgain") ?? null, unit: "moves" },
  ];
  const expectations = judge(rt.get<ExpectationSpec[]>("expectations") ?? facts.expectations, measurements);
  const passed = await storeScore({ runId: rt.runId, clusterId: rt.cluster.id, kind: "balancer", target: facts.active ?? "?", measurements, expectations, aborted });
  const back = rt.get<string>("vipEndedOn");
  const route = back === facts.active ? `from ${facts.active} to ${facts.standby} and back to ${facts.active}` : `from ${facts.active} to ${facts.standby}`;
  if (!aborted) await markFailover(rt.cluster.id, ["balancer"], `drill:${rt.runId}`, `VIP moved ${route} in a drill`);
  const met = expectations.filter((e) => e.passed === true).length;
  return `${aborted ? "aborted; " : ""}${passed ? "passed" : "failed"}: ${met} of ${expectations.length} expectations met; no VIP owner ${m?.noVipSeconds ?? "?"} s, site not served ${m?.unservedSeconds ?? "?"} s, sticky clients lost ${sticky ? sticky.before - sticky.kept : "?"}`;
}

export const balancerDrill: WorkflowDefinition<DrillBalancerParams, Facts> = {
  kind: "drill-balancer",
  title: ({ facts }) => `Balancer failover drill: ${facts.active ?? "?"} → ${facts.standby ?? "?"}`,
  summary: ({ params, facts }) => [
    ["VIP now on", facts.active ?? "no single owner"],
    ["expected to move to", facts.standby ?? "?"],
    ["how", facts.service ? `service ${facts.service} stop on ${facts.active} (systemctl under systemd, the init script otherwise), then start it again` : "not possible (HA stack)"],
    ["when it starts again", facts.vipReturn ? facts.vipReturn.why : "not known"],
    ["abort and restore when", `no VIP owner for > ${params.maxNoVipSeconds} s, or the site unserved for > ${params.maxUnservedSeconds} s`],
    ...facts.expectations.map((e, i) => [`expectation ${i + 1}`, e.text] as [string, string]),
  ],
  async gather(params, live) {
    const holders = live.view.state.balancers.filter((b) => b.holdsVip).map((b) => b.name);
    const active = holders.length === 1 ? (holders[0] ?? null) : null;
    const standby = live.view.state.balancers.find((b) => b.name !== active)?.name ?? null;
    const ha = live.cluster.balancer.ha;
    const marks = await unacknowledged(live.cluster.id);
    const activeState = live.view.state.balancers.find((b) => b.name === active);
    const standbyState = live.view.state.balancers.find((b) => b.name === standby);
    const back = activeState && standbyState ? vipReturn(live.cluster, activeState, standbyState) : undefined;
    return {
      active,
      standby,
      server: live.cluster.hosts.find((h) => h.name === active)?.server ?? null,
      service: ha === "pacemaker" ? null : ha,
      vipReturn: back,
      marks,
      expectations: expectationsOf(params, active ?? "the active balancer", standby ?? "the other balancer", back),
      overridden: [],
    };
  },
  guards(_params, facts, live) {
    return [
      guard("one-vip-owner", facts.active !== null, facts.active ? `${facts.active} holds the VIP` : "the VIP has no single owner now", false),
      guard("ha-stack", facts.service !== null, facts.service ? `the balancers run ${facts.service}` : "the balancers run Pacemaker: move the VIP with crm instead; this drill stops heartbeat or keepalived", false),
      ...(facts.server ? [verdictGuard(live.view, facts.server)] : []),
      ...dataGuards(live.view, live.cluster),
      antiFlapGuard(facts.marks, ["balancer"]),
    ];
  },
  warnings: (_p, facts) => [
    `Clients pinned to a web node through ${facts.active ?? "the active balancer"} lose their pin when the VIP moves (LVS persistence is per balancer); with file sessions some users must log in again.`,
    ...(facts.vipReturn?.returnsTo
      ? [`Starting ${facts.service ?? "the HA daemon"} on ${facts.active ?? "?"} again moves the VIP back to it (${facts.vipReturn.why}): a second move, and pinned clients lose their pins a second time. Set nopreempt (with state BACKUP) on both balancers to keep the VIP where it went.`]
      : facts.vipReturn && !facts.vipReturn.known
        ? [`Whether the VIP moves back when ${facts.service ?? "the HA daemon"} starts again on ${facts.active ?? "?"} is not known: ${facts.vipReturn.why}.`]
        : []),
  ],
  steps({ cluster, params, facts }) {
    const active = facts.active ?? "lb1";
    const standby = facts.standby ?? "lb2";
    const service = facts.service ?? "heartbeat";
    const stop = planned(cluster, active, workflowCommands.haServiceStop, { service });
    const start = planned(cluster, active, workflowCommands.haServiceStart, { service });
    const overridden = (g: string) => facts.overridden.includes(g);
    return [
      preflightVerdictStep(facts.server ?? "A", overridden),
      expectationsStep(facts.expectations),
      {
        key: "measure",
        kind: "action",
        title: "Start measuring: the site through the VIP every second, the VIP's owner twice a second",
        planned: [stickyRead(cluster, active)],
        runtimeNote: cluster.siteUrl ? `GET ${cluster.siteUrl}login/index.php from the console; ip -o addr show on each balancer.` : "No siteUrl in the inventory: only the VIP's owner is measured.",
        async run(rt) {
          const before = await stickyClients(rt, active);
          await rt.set("stickyBefore", before);
          startProbe(rt.runId, rt.cluster, rt.actor);
          return `${Object.keys(before).length} sticky clients on ${active}`;
        },
        async undo(rt) {
          // an aborted drill still leaves its figures
          await scorecard(rt, facts, true);
        },
      },
      {
        key: "stop-ha",
        kind: "action",
        title: `Stop ${service} on ${active}`,
        host: active,
        planned: [stop],
        plannedUndo: [start],
        async run(rt) {
          await rt.set("stoppedAt", Date.now());
          await rt.exec(stop);
          return undefined;
        },
        async undo(rt) {
          await rt.exec(start);
        },
      },
      {
        key: "watch-failover",
        kind: "wait",
        title: `${standby} takes the VIP and the site answers through it`,
        detail: `Aborts and restores if no balancer holds the VIP for more than ${params.maxNoVipSeconds} s or the site goes unserved for more than ${params.maxUnservedSeconds} s.`,
        planned: [],
        async run(rt) {
          const probe = probeOf(rt.runId, rt.cluster, rt.actor);
          await rt.waitUntil(
            () => {
              const m = measure(probe.site, probe.vip);
              if (m.noVipSeconds > params.maxNoVipSeconds) throw new StepFailed(`bound crossed: no VIP owner for ${m.noVipSeconds} s (limit ${params.maxNoVipSeconds} s)`);
              if (m.unservedSeconds > params.maxUnservedSeconds) throw new StepFailed(`bound crossed: the site unserved for ${m.unservedSeconds} s (limit ${params.maxUnservedSeconds} s)`);
              const holders = probe.holders() ?? [];
              const served = !rt.cluster.siteUrl || probe.lastStatus() === 200;
              const moved = holders.length === 1 && holders[0] === standby;
              return { done: moved && served, progress: `VIP on ${holders.join(", ") || "nobody"}; site ${probe.lastStatus() ?? "not answering"}; no owner ${m.noVipSeconds} s, unserved ${m.unservedSeconds} s` };
            },
            { timeoutMs: (Math.max(params.maxNoVipSeconds, params.maxUnservedSeconds) + 10) * 1000, failMessage: "the failover did not complete" },
          );
          const m = measure(probe.site, probe.vip);
          return `VIP on ${standby}; no owner ${m.noVipSeconds} s; site unserved ${m.unservedSeconds} s`;
        },
      },
      {
        key: "sticky-after",
        kind: "verify",
        title: `Sticky clients on ${standby}`,
        detail: "Pins do not follow the VIP (no LVS sync daemon): a returning client is scheduled afresh.",
        planned: [stickyRead(cluster, standby)],
        async run(rt) {
          await new Promise((r) => setTimeout(r, 3000));
          const before = rt.get<Record<string, string>>("stickyBefore") ?? {};
          const after = await stickyClients(rt, standby);
          const kept = Object.entries(before).filter(([client, dest]) => after[client] === dest).length;
          await rt.set("sticky", { before: Object.keys(before).length, kept });
          return `${Object.keys(before).length} pinned before; ${kept} pinned to the same node again`;
        },
      },
      {
        key: "restore",
        kind: "action",
        title: facts.vipReturn?.returnsTo
          ? `Start ${service} on ${active} again (it takes the VIP back from ${standby}: keepalived preempts)`
          : facts.vipReturn?.known
            ? `Start ${service} on ${active} again (the VIP stays on ${standby})`
            : `Start ${service} on ${active} again`,
        detail: facts.vipReturn?.why,
        host: active,
        planned: [start],
        async run(rt) {
          const holderBefore = (await rt.view()).state.vipHolders.join(",");
          await rt.exec(start);
          const restoredAt = Date.now();
          await rt.set("restoredAt", restoredAt);
          const expected = facts.vipReturn?.returnsTo ?? standby;
          const timeoutMs = facts.vipReturn?.known ? ((facts.vipReturn.afterSeconds ?? 0) + RETURN_SLACK_SECONDS + 10) * 1000 : 0;
          // watch where the VIP settles: back on the restarted balancer (preemption), or still on the standby
          let movedAt: number | null = null;
          if (timeoutMs > 0) await rt.waitUntil(
            (view) => {
              const holders = view.state.vipHolders.join(",");
              if (movedAt === null && holders !== holderBefore) movedAt = Date.now();
              return { done: holders === expected && (expected === standby ? Date.now() - restoredAt > (facts.vipReturn?.afterSeconds ?? 3.5) * 1000 + 2000 : true), progress: `VIP on ${holders || "nobody"}` };
            },
            { timeoutMs, failMessage: `the VIP did not settle on ${expected} after the restart`, onTimeout: "continue" },
          );
          const holders = (await rt.view()).state.vipHolders;
          await rt.set("vipEndedOn", holders.join(","));
          await rt.set("vipMovedAgain", holders.includes(active) ? 1 : 0);
          if (holders.length === 1 && holders[0] === active) await rt.set("vipBackSeconds", Math.round(((movedAt ?? Date.now()) - restoredAt) / 100) / 10);
          return holders.length === 1 ? `the VIP is on ${holders[0]}${holders[0] === active ? " again" : ""}` : `the VIP is on ${holders.join(" and ") || "no balancer"}`;
        },
      },
      redundantAgainStep("restoredAt"),
      scorecardStep((rt) => scorecard(rt, facts, false)),
    ];
  },
};
