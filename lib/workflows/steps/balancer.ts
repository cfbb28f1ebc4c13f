import type { ClusterView } from "@/lib/cluster/findings-types";
import type { RealServerState } from "@/lib/cluster/state";
import { workflowCommands } from "@/lib/commands/workflow";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { ldirectordCfProbe } from "@/lib/probes/ldirectord-cf";
import { type LiveReader, type StepDef, StepFailed, type StepRuntime, planned } from "@/lib/workflows/definition";
import { setRealWeight } from "@/lib/workflows/ldirectord-edit";
import type { GuardResult, PlannedCommand } from "@/lib/workflows/types";

/** Draining and undraining a web node on both balancers: in the running LVS table and in ldirectord.cf. */

export interface BalancerFact {
  name: string;
  forward: "-g" | "-m" | "-i";
  /** the weight in this balancer's running table, null when the node is not in it */
  weight: number | null;
  /** the weight ldirectord.cf gives the node, null when unknown */
  configWeight: number | null;
}

export interface NodeFacts {
  host: string;
  address: string;
  port: number;
  balancers: BalancerFact[];
  /** balancers in the inventory that did not answer when the plan was made */
  silentBalancers: string[];
}

const FORWARD: Record<string, BalancerFact["forward"]> = { Route: "-g", Masq: "-m", Tunnel: "-i", Local: "-g" };

export function realServerOf(view: ClusterView, balancer: string, host: string): RealServerState | null {
  return view.state.balancers.find((b) => b.name === balancer)?.realServers.find((r) => r.host === host) ?? null;
}

export function configWeightOf(view: ClusterView, balancer: string, address: string): number | null {
  return view.state.balancers.find((b) => b.name === balancer)?.config?.reals.find((r) => r.address === address)?.weight ?? null;
}

export function nodeFacts(live: LiveReader, host: string): NodeFacts {
  const spec = live.cluster.hosts.find((h) => h.name === host);
  const address = spec?.clusterAddress ?? spec?.address ?? host;
  const port = live.cluster.balancer.ports[0] ?? 80;
  const balancers: BalancerFact[] = [];
  const silentBalancers: string[] = [];
  for (const b of live.view.state.balancers) {
    if (!b.reachable || b.stale) {
      silentBalancers.push(b.name);
      continue;
    }
    const rs = b.realServers.find((r) => r.host === host) ?? null;
    balancers.push({ name: b.name, forward: FORWARD[rs?.forward ?? "Route"] ?? "-g", weight: rs?.weight ?? null, configWeight: configWeightOf(live.view, b.name, address) });
  }
  return { host, address, port, balancers, silentBalancers };
}

export function balancerGuards(facts: NodeFacts, doing: string): GuardResult[] {
  const guards: GuardResult[] = [];
  guards.push({
    id: "balancers-answer",
    ok: facts.silentBalancers.length === 0,
    message:
      facts.silentBalancers.length === 0
        ? "both balancers answer"
        : `${facts.silentBalancers.join(", ")} does not answer: ${doing} would not reach its table or its ldirectord.cf, so a failover to it would undo it`,
    overridable: true,
  });
  const missing = facts.balancers.filter((b) => b.weight === null || b.configWeight === null).map((b) => b.name);
  guards.push({
    id: "node-in-pool",
    ok: missing.length === 0 && facts.balancers.length > 0,
    message: missing.length === 0 ? `${facts.host} is in the pool on ${facts.balancers.map((b) => b.name).join(" and ")}` : `${facts.host} is not in the LVS table or ldirectord.cf of ${missing.join(", ")}`,
    overridable: false,
  });
  return guards;
}

/** the node takes clients on every balancer: a weight to drain from and to put back afterwards */
export function inPoolGuard(facts: NodeFacts): GuardResult {
  const zero = facts.balancers.filter((b) => b.weight === 0 || b.configWeight === 0).map((b) => `${b.name} (running ${b.weight ?? "?"}, ldirectord.cf ${b.configWeight ?? "?"})`);
  return {
    id: "node-weight",
    ok: zero.length === 0,
    message: zero.length === 0 ? `${facts.host} has a weight above 0 on every balancer` : `${facts.host} already has weight 0 on ${zero.join(", ")}: it is out of the pool there; undrain it, or find out who set it`,
    overridable: false,
  };
}

function ldirectordRead(cluster: ClusterSpec, host: string): PlannedCommand {
  return { host, name: "ldirectord-cf", line: ldirectordCfProbe.command({ path: cluster.balancer.ldirectordConfig }), readOnly: true };
}

function setWeights(cluster: ClusterSpec, facts: NodeFacts, weightOf: (b: BalancerFact) => number): PlannedCommand[] {
  return facts.balancers.map((b) =>
    planned(cluster, b.name, workflowCommands.ipvsadmSetWeight, { realServer: `${facts.address}:${facts.port}`, forward: b.forward, weight: weightOf(b) }),
  );
}

function writeConfigExample(cluster: ClusterSpec, facts: NodeFacts, weightOf: (b: BalancerFact) => number): PlannedCommand[] {
  return facts.balancers.flatMap((b) => [
    ldirectordRead(cluster, b.name),
    planned(cluster, b.name, workflowCommands.ldirectordWrite, {
      content: `# ${cluster.balancer.ldirectordConfig} exactly as read, with one line changed:\n\treal=${facts.address}:${facts.port} gate ${weightOf(b)}`,
    }),
  ]);
}

/** read ldirectord.cf, change the node's weight, write it back; returns the weight it had */
async function editConfig(rt: StepRuntime, facts: NodeFacts, balancer: string, weight: number): Promise<number> {
  const read = await rt.exec(ldirectordRead(rt.cluster, balancer));
  const virtual = `${rt.cluster.balancer.vip}:${facts.port}`;
  const edit = setRealWeight(read.stdout, virtual, { address: facts.address, port: facts.port }, weight);
  if (!edit.ok) throw new StepFailed(`${balancer}: ${rt.cluster.balancer.ldirectordConfig}: ${edit.problem}`);
  if (edit.previous !== weight) {
    await rt.exec(planned(rt.cluster, balancer, workflowCommands.ldirectordWrite, { content: edit.text }));
  }
  return edit.previous;
}

function weightsMatch(view: ClusterView, facts: NodeFacts, weightOf: (b: BalancerFact) => number): { done: boolean; progress: string } {
  const parts = facts.balancers.map((b) => {
    const runtime = realServerOf(view, b.name, facts.host)?.weight ?? null;
    const config = configWeightOf(view, b.name, facts.address);
    return { b: b.name, ok: runtime === weightOf(b) && config === weightOf(b), text: `${b.name}: running ${runtime ?? "?"}, ldirectord.cf ${config ?? "?"}` };
  });
  return { done: parts.every((p) => p.ok), progress: parts.map((p) => p.text).join("; ") };
}

/** what still ties clients to the node: sticky templates and connections on the VIP holder, session files */
export function clientsOn(view: ClusterView, host: string): { count: number; progress: string } {
  let pinned = 0;
  let conns = 0;
  for (const b of view.state.balancers) {
    if (!b.holdsVip) continue;
    const rs = b.realServers.find((r) => r.host === host);
    pinned += rs?.stickyClients ?? 0;
    conns += (rs?.activeConns ?? 0) + (rs?.inactiveConns ?? 0);
  }
  const web = view.state.web.find((w) => w.name === host);
  const files = web?.sessionHandler === "file" && web.fileSessions !== null ? `, ${web.fileSessions} session files on ${host}` : "";
  return { count: Math.max(pinned, 0) + conns, progress: `${pinned} clients pinned, ${conns} connections${files}` };
}

export interface DrainOptions {
  segment?: string;
  /** finish when pinned clients + connections fall to this */
  threshold: number;
  maxWaitSeconds: number;
  /** after maxWaitSeconds: ask the operator (a drain), or go on (a rolling update) */
  onTimeout: "ask" | "continue";
}

export function drainSteps(cluster: ClusterSpec, facts: NodeFacts, options: DrainOptions): StepDef[] {
  const lbs = facts.balancers.map((b) => b.name).join(" and ");
  const previous = (b: BalancerFact) => b.configWeight ?? b.weight ?? 1;
  const zero = () => 0;
  const persistence = cluster.balancer.persistence;
  return [
    {
      key: `drain-runtime-${facts.host}`,
      kind: "action",
      title: `Weight 0 for ${facts.host} in the running tables of ${lbs}`,
      detail: "No new clients go to the node; connected and pinned clients stay until they leave.",
      host: facts.host,
      segment: options.segment,
      planned: setWeights(cluster, facts, zero),
      plannedUndo: setWeights(cluster, facts, previous),
      async run(rt) {
        // recorded first, so a console that stops half-way still knows what to put back
        await rt.recordDrain(facts.host, Object.fromEntries(facts.balancers.map((b) => [b.name, previous(b)])));
        for (const cmd of setWeights(rt.cluster, facts, zero)) await rt.exec(cmd);
        if (rt.get<number>(`zeroAt.${facts.host}`) === undefined) await rt.set(`zeroAt.${facts.host}`, Date.now());
        return `weight 0 on ${lbs}`;
      },
      async undo(rt) {
        for (const cmd of setWeights(rt.cluster, facts, previous)) await rt.exec(cmd);
        await rt.clearDrain(facts.host);
      },
    },
    {
      key: `drain-config-${facts.host}`,
      kind: "action",
      title: `Weight 0 for ${facts.host} in ldirectord.cf on ${lbs}`,
      detail: "So a balancer failover, a reboot or ldirectord's next check keeps the node out.",
      host: facts.host,
      segment: options.segment,
      planned: writeConfigExample(cluster, facts, zero),
      plannedUndo: writeConfigExample(cluster, facts, previous),
      runtimeNote: "The file is read just before it is written; only the node's real= line changes.",
      async run(rt) {
        for (const b of facts.balancers) await editConfig(rt, facts, b.name, 0);
        return undefined;
      },
      async undo(rt) {
        for (const b of facts.balancers) await editConfig(rt, facts, b.name, previous(b));
      },
    },
    {
      key: `drain-verify-${facts.host}`,
      kind: "verify",
      title: `${lbs} show weight 0 for ${facts.host}, running and configured`,
      host: facts.host,
      segment: options.segment,
      planned: [],
      async run(rt) {
        const since = Date.now();
        await rt.waitUntil((view) => weightsMatch(view, facts, zero), { timeoutMs: 30_000, failMessage: "the balancers do not show weight 0", until: null });
        return weightsMatch(await rt.view(since), facts, zero).progress;
      },
    },
    {
      key: `drain-wait-${facts.host}`,
      kind: "wait",
      title: `Clients leave ${facts.host}`,
      detail:
        persistence > 0
          ? `Pinned clients stay for the persistence timeout (${persistence} s) after their last request. Finishes at ${options.threshold} or fewer, or when you say so.`
          : `Finishes when ${options.threshold} or fewer connections remain, or when you say so.`,
      host: facts.host,
      segment: options.segment,
      planned: [],
      async run(rt) {
        const zeroAt = rt.get<number>(`zeroAt.${facts.host}`) ?? Date.now();
        const result = await rt.waitUntil(
          (view) => {
            const c = clientsOn(view, facts.host);
            return { done: c.count <= options.threshold, progress: c.progress };
          },
          {
            timeoutMs: options.maxWaitSeconds * 1000,
            until: persistence > 0 ? zeroAt + persistence * 1000 : null,
            canFinishEarly: true,
            failMessage: `clients were still on ${facts.host} after ${options.maxWaitSeconds} s`,
            onTimeout: options.onTimeout,
          },
        );
        const c = clientsOn(await rt.view(), facts.host);
        return result === "done" ? `drained: ${c.progress}` : result === "finished-early" ? `ended early by an operator: ${c.progress}` : `went on after ${options.maxWaitSeconds} s: ${c.progress}`;
      },
    },
  ];
}

export function undrainSteps(cluster: ClusterSpec, facts: NodeFacts, weights: Record<string, number>, segment?: string): StepDef[] {
  const lbs = facts.balancers.map((b) => b.name).join(" and ");
  const restore = (b: BalancerFact) => weights[b.name] ?? b.configWeight ?? 1;
  const zero = () => 0;
  return [
    {
      key: `undrain-runtime-${facts.host}`,
      kind: "action",
      title: `Weight back for ${facts.host} in the running tables of ${lbs}`,
      host: facts.host,
      segment,
      planned: setWeights(cluster, facts, restore),
      plannedUndo: setWeights(cluster, facts, zero),
      async run(rt) {
        for (const cmd of setWeights(rt.cluster, facts, restore)) await rt.exec(cmd);
        return facts.balancers.map((b) => `${b.name} ${restore(b)}`).join(", ");
      },
      async undo(rt) {
        for (const cmd of setWeights(rt.cluster, facts, zero)) await rt.exec(cmd);
      },
    },
    {
      key: `undrain-config-${facts.host}`,
      kind: "action",
      title: `Weight back for ${facts.host} in ldirectord.cf on ${lbs}`,
      host: facts.host,
      segment,
      planned: writeConfigExample(cluster, facts, restore),
      plannedUndo: writeConfigExample(cluster, facts, zero),
      runtimeNote: "The file is read just before it is written; only the node's real= line changes.",
      async run(rt) {
        for (const b of facts.balancers) await editConfig(rt, facts, b.name, restore(b));
        return undefined;
      },
      async undo(rt) {
        for (const b of facts.balancers) await editConfig(rt, facts, b.name, 0);
      },
    },
    {
      key: `undrain-verify-${facts.host}`,
      kind: "verify",
      title: `${lbs} show ${facts.host}'s weight back, running and configured`,
      host: facts.host,
      segment,
      planned: [],
      async run(rt) {
        await rt.waitUntil((view) => weightsMatch(view, facts, restore), { timeoutMs: 30_000, failMessage: "the balancers do not show the weight back", until: null });
        await rt.clearDrain(facts.host);
        return weightsMatch(await rt.view(), facts, restore).progress;
      },
    },
  ];
}
