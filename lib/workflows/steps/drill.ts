import type { ClusterView } from "@/lib/cluster/findings-types";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { parseIpvsadmConns } from "@/lib/probes/ipvsadm-conns";
import { ipvsadmConnsProbe } from "@/lib/probes/ipvsadm-conns";
import { type StepDef, type StepRuntime, StepFailed, guard } from "@/lib/workflows/definition";
import type { GuardResult, PlannedCommand } from "@/lib/workflows/types";

/** Pieces every failover drill shares: pre-flight guards, measuring, the scorecard. */

export interface ExpectationSpec {
  text: string;
  measure: string;
  bound: number;
}

export interface FailoverMarkView {
  id: number;
  tier: string;
  at: number;
  message: string;
}

export function verdictGuard(view: ClusterView, server: string): GuardResult {
  const v = view.verdict.servers.find((s) => s.server === server);
  return guard(
    `verdict-${server}`,
    v?.survives === true,
    v?.survives ? `the cluster can lose server ${server} now` : `the cluster cannot lose server ${server} now: ${v?.reasons.join("; ") || "no verdict yet"}`,
  );
}

export function antiFlapGuard(marks: readonly FailoverMarkView[], tiers: readonly string[]): GuardResult {
  const open = marks.filter((m) => tiers.includes(m.tier));
  return guard(
    "failover-acknowledged",
    open.length === 0,
    open.length === 0
      ? `no unacknowledged failover on ${tiers.join(", ")}`
      : `a failover on ${[...new Set(open.map((m) => m.tier))].join(", ")} is not acknowledged yet (${open[0]?.message}): acknowledge it on the Drills page first`,
    false,
  );
}

export function stickyRead(cluster: ClusterSpec, balancer: string): PlannedCommand {
  return { host: balancer, name: "ipvsadm-conns", line: `sudo -n ${ipvsadmConnsProbe.command()}`, readOnly: true };
}

/** client → real server, from a balancer's persistence templates */
export async function stickyClients(rt: StepRuntime, balancer: string): Promise<Record<string, string>> {
  const r = await rt.exec(stickyRead(rt.cluster, balancer));
  const parsed = parseIpvsadmConns(r.stdout);
  if (!parsed.ok) throw new StepFailed(`${balancer}: the LVS connection table could not be read: ${parsed.error}`);
  return Object.fromEntries(parsed.value.entries.filter((e) => e.isTemplate).map((e) => [e.source, `${e.destination}:${e.destinationPort}`]));
}

export function preflightVerdictStep(server: string, overridden: (g: string) => boolean): StepDef {
  return {
    key: "preflight-verdict",
    kind: "check",
    title: `The cluster can lose server ${server} now`,
    planned: [],
    async run(rt) {
      const view = await rt.view(Date.now());
      const g = verdictGuard(view, server);
      if (!g.ok && !overridden(g.id)) throw new StepFailed(g.message);
      return g.ok ? g.message : `overridden: ${g.message}`;
    },
  };
}

export function expectationsStep(expectations: readonly ExpectationSpec[]): StepDef {
  return {
    key: "expectations",
    kind: "check",
    title: "Expected outcomes, written before the drill",
    detail: expectations.map((e) => `• ${e.text}`).join("\n"),
    planned: [],
    async run(rt) {
      await rt.set("expectations", expectations);
      return `${expectations.length} expectations recorded`;
    },
  };
}

/** waits until the verdict says either server can fail again; stores the seconds it took */
export function redundantAgainStep(sinceKey?: string): StepDef {
  return {
    key: "redundant-again",
    kind: "wait",
    title: "The cluster can lose either server again",
    planned: [],
    async run(rt) {
      const since = (sinceKey ? rt.get<number>(sinceKey) : undefined) ?? Date.now();
      await rt.waitUntil(
        (view) => ({ done: view.verdict.redundant, progress: view.verdict.servers.map((s) => `${s.server}: ${s.survives ? "yes" : `no (${s.reasons[0] ?? ""})`}`).join("; ") }),
        { timeoutMs: 180_000, failMessage: "the cluster is not redundant again" },
      );
      const seconds = Math.round((Date.now() - since) / 100) / 10;
      await rt.set("redundantAgainSeconds", seconds);
      return `redundant again after ${seconds} s`;
    },
  };
}

/** the last step of every drill: the figures judged against the expectations and stored */
export function scorecardStep(score: (rt: StepRuntime) => Promise<string>): StepDef {
  return { key: "scorecard", kind: "check", title: "Scorecard", planned: [], run: score };
}
