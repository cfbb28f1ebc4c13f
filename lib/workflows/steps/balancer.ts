import type { ClusterView } from "@/lib/cluster/findings-types";
import type { BalancerState, RealServerState } from "@/lib/cluster/state";
import { workflowCommands } from "@/lib/commands/workflow";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { type LiveReader, type StepDef, StepFailed, type StepRuntime, planned } from "@/lib/workflows/definition";
import { maskSecrets } from "@/lib/secrets/mask";
import { type EditableReal, plannedEdits } from "@/lib/workflows/ldirectord-edit";
import type { GuardResult, PlannedCommand } from "@/lib/workflows/types";

/**
 * Draining and undraining a web node on both balancers: in every virtual service of the VIP the node is a
 * real server of (one per port), in the running LVS table and in ldirectord.cf.
 */

type Forward = "-g" | "-m" | "-i";

export interface ServiceFact {
  port: number;
  forward: Forward;
  /** the node's weight in this balancer's running table when the plan was made */
  weight: number;
}

export interface ConfigLineFact {
  port: number | null;
  weight: number;
  line: number;
  /** the line as read when the run was planned, secrets masked (absent in runs planned before it was kept) */
  text?: string;
  /** the weight a ClusterDeck drain kept in the line's comment */
  drainedFrom: number | "default" | null;
  /** what a drain and an undrain would do to the line, and why */
  drain: { edit: boolean; why: string };
  undrain: { edit: boolean; why: string };
}

export interface BalancerFact {
  name: string;
  /** the first port's values, kept for callers that read one weight per balancer */
  forward: Forward;
  weight: number | null;
  configWeight: number | null;
  /** every virtual service of the VIP the node is a real server of, on this balancer */
  services: ServiceFact[];
  /** the inventory's ports whose virtual service lacks the node (or is missing) on this balancer */
  missingPorts: number[];
  /** the node's real= lines in this balancer's ldirectord.cf (null: the file could not be read) */
  configLines: ConfigLineFact[] | null;
  /** where ldirectord refuses the file, when it does */
  configRefused: string | null;
}

export interface NodeFacts {
  host: string;
  address: string;
  /** the first port (older callers) */
  port: number;
  balancers: BalancerFact[];
  /** balancers in the inventory that did not answer when the plan was made */
  silentBalancers: string[];
}

const FORWARD: Record<string, Forward> = { Route: "-g", Masq: "-m", Tunnel: "-i", Local: "-g" };

export function realServerOf(view: ClusterView, balancer: string, host: string): RealServerState | null {
  return view.state.balancers.find((b) => b.name === balancer)?.realServers.find((r) => r.host === host) ?? null;
}

export function configWeightOf(view: ClusterView, balancer: string, address: string): number | null {
  return view.state.balancers.find((b) => b.name === balancer)?.config?.reals.find((r) => r.address === address)?.weight ?? null;
}

function nodeIn(b: BalancerState, host: string, address: string): (r: RealServerState) => boolean {
  return (r) => r.host === host || r.address === address;
}

/** the node's real= lines in a balancer's ldirectord.cf, and what a drain and an undrain would do to each */
export function configLinesOf(config: { virtuals: readonly { reals: readonly EditableReal[] }[] } | null, address: string): ConfigLineFact[] | null {
  if (!config) return null;
  const edits = (action: "drain" | "undrain") => plannedEdits(config, address, action);
  const drain = edits("drain");
  const undrain = edits("undrain");
  return drain.map((d, i) => ({
    port: d.real.port,
    weight: d.real.weight,
    line: d.real.source.line,
    text: maskSecrets(d.real.source.text),
    drainedFrom: d.real.drainedFrom,
    drain: { edit: d.edit === "drain", why: d.why },
    undrain: { edit: undrain[i]?.edit === "undrain", why: undrain[i]?.why ?? "" },
  }));
}

export function nodeFacts(live: LiveReader, host: string): NodeFacts {
  const spec = live.cluster.hosts.find((h) => h.name === host);
  const address = spec?.clusterAddress ?? spec?.address ?? host;
  const ports = live.cluster.balancer.ports;
  const balancers: BalancerFact[] = [];
  const silentBalancers: string[] = [];
  for (const b of live.view.state.balancers) {
    if (!b.reachable || b.stale) {
      silentBalancers.push(b.name);
      continue;
    }
    const services = b.services.flatMap((s) => {
      const rs = s.port === null ? undefined : s.realServers.find(nodeIn(b, host, address));
      return rs && s.port !== null ? [{ port: s.port, forward: FORWARD[rs.forward] ?? "-g", weight: rs.weight }] : [];
    });
    const first = services.find((s) => s.port === ports[0]) ?? null;
    const configLines = configLinesOf(b.config, address);
    balancers.push({
      name: b.name,
      forward: first?.forward ?? "-g",
      weight: first?.weight ?? null,
      configWeight: b.config?.reals.find((r) => r.address === address)?.weight ?? null,
      services,
      missingPorts: ports.filter((p) => !services.some((s) => s.port === p)),
      configLines,
      configRefused: b.config?.refusedAt ? `line ${b.config.refusedAt.line}: ${b.config.refusedAt.reason}` : null,
    });
  }
  return { host, address, port: ports[0] ?? 80, balancers, silentBalancers };
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
  const notInTable = facts.balancers.filter((b) => b.services.length === 0).map((b) => b.name);
  const notInFile = facts.balancers.filter((b) => b.configLines !== null && b.configLines.length === 0).map((b) => b.name);
  const unread = facts.balancers.filter((b) => b.configLines === null).map((b) => b.name);
  const missing = [
    ...(notInTable.length ? [`the LVS table of ${notInTable.join(", ")}`] : []),
    ...(notInFile.length ? [`ldirectord.cf of ${notInFile.join(", ")}`] : []),
    ...(unread.length ? [`ldirectord.cf of ${unread.join(", ")} (it could not be read)`] : []),
  ];
  guards.push({
    id: "node-in-pool",
    ok: missing.length === 0 && facts.balancers.length > 0,
    message: missing.length === 0 ? `${facts.host} is in the pool on ${facts.balancers.map((b) => b.name).join(" and ")}` : `${facts.host} is not in ${missing.join(", nor in ")}`,
    overridable: false,
  });
  const refused = facts.balancers.filter((b) => b.configRefused !== null);
  guards.push({
    id: "ldirectord-reads-config",
    ok: refused.length === 0,
    message:
      refused.length === 0
        ? "ldirectord reads ldirectord.cf on every balancer"
        : `ldirectord refuses ldirectord.cf on ${refused.map((b) => `${b.name} (${b.configRefused ?? ""})`).join(", ")}: fix the file first, or ldirectord would not load the drained weights`,
    overridable: false,
  });
  return guards;
}

/** the node takes clients on every balancer, on every port: a weight to drain from and to put back afterwards */
export function inPoolGuard(facts: NodeFacts): GuardResult {
  const zero = facts.balancers.flatMap((b) => [
    ...b.services.filter((s) => s.weight === 0).map((s) => `${b.name} port ${s.port} (running)`),
    ...(b.configLines ?? []).filter((l) => l.weight === 0).map((l) => `${b.name} ldirectord.cf line ${l.line}`),
  ]);
  const stuck = facts.balancers.flatMap((b) => (b.configLines ?? []).filter((l) => l.weight > 0 && !l.drain.edit).map((l) => `${b.name}: ${l.drain.why}`));
  const ok = zero.length === 0 && stuck.length === 0;
  const message = ok
    ? `${facts.host} has a weight above 0 on every balancer and port`
    : zero.length > 0
      ? `${facts.host} already has weight 0 on ${zero.join(", ")}: it is out of the pool there; undrain it, or find out who set it`
      : `ldirectord.cf cannot be edited for ${facts.host}: ${stuck.join("; ")}`;
  return { id: "node-weight", ok, message, overridable: false };
}

const weightKey = (balancer: string, port: number) => `${balancer} port ${port}`;

/** the weights a drain records and an undrain puts back: each balancer and port */
export function weightsBefore(facts: NodeFacts): Record<string, number> {
  return Object.fromEntries(facts.balancers.flatMap((b) => b.services.map((s) => [weightKey(b.name, s.port), s.weight])));
}

function setWeights(cluster: ClusterSpec, facts: NodeFacts, weightOf: (b: BalancerFact, s: ServiceFact) => number): PlannedCommand[] {
  return facts.balancers.flatMap((b) =>
    b.services.map((s) => planned(cluster, b.name, workflowCommands.ipvsadmSetWeight, { realServer: `${facts.address}:${s.port}`, forward: s.forward, weight: weightOf(b, s) })),
  );
}

function configCommands(cluster: ClusterSpec, facts: NodeFacts, action: "drain" | "undrain"): PlannedCommand[] {
  const spec = action === "drain" ? workflowCommands.ldirectordDrain : workflowCommands.ldirectordUndrain;
  return facts.balancers.map((b) => planned(cluster, b.name, spec, { address: facts.address }));
}

/**
 * What an edit of ldirectord.cf changed, as a diff: the node's lines before (as the plan read them, or
 * described when an earlier step of the run changed them since) against the lines sed printed after
 * changing them. The file itself is never read here, and both sides are masked.
 */
export function configEditDiff(balancer: string, path: string, lines: readonly ConfigLineFact[], action: "drain" | "undrain", printed: string): string {
  const before = lines.flatMap((l) => {
    const read = action === "drain" ? l.drain.edit : l.undrain.edit;
    // undoing the other edit of this run: the line is as that edit left it, not as the plan read it
    const undoing = action === "drain" ? l.undrain.edit : l.drain.edit;
    if (read) return [`-${l.text ?? `line ${l.line}: weight ${l.weight}`}`];
    return undoing ? [`-line ${l.line}: as the ${action === "drain" ? "undrain" : "drain"} left it`] : [];
  });
  const after = printed.split("\n").filter((l) => l.trim() !== "");
  return [`--- ${balancer}:${path} (the node's real= lines before)`, `+++ ${balancer}:${path} (the lines sed changed)`, ...before, ...after.map((l) => `+${l}`)]
    .map(maskSecrets)
    .join("\n");
}

/** run the sed edit on each balancer; it prints the lines it changed, and the step records them as a diff */
async function editConfig(rt: StepRuntime, facts: NodeFacts, action: "drain" | "undrain"): Promise<string> {
  const done: string[] = [];
  for (const b of facts.balancers) {
    const expected = (b.configLines ?? []).filter((l) => (action === "drain" ? l.drain.edit : l.undrain.edit)).length;
    const spec = action === "drain" ? workflowCommands.ldirectordDrain : workflowCommands.ldirectordUndrain;
    const path = rt.cluster.balancer.ldirectordConfig;
    const record = (stdout: string) => configEditDiff(b.name, path, b.configLines ?? [], action, stdout);
    const result = await rt.exec(planned(rt.cluster, b.name, spec, { address: facts.address }), { record });
    const changed = result.stdout.split("\n").filter((l) => l.trim() !== "").length;
    if (changed < expected) {
      const whys = (b.configLines ?? []).map((l) => (action === "drain" ? l.drain.why : l.undrain.why)).join("; ");
      throw new StepFailed(`${b.name}: ${rt.cluster.balancer.ldirectordConfig}: ${changed} of ${expected} real= lines of ${facts.host} changed (${whys}); did the file change since it was read?`);
    }
    done.push(`${b.name} ${changed} line${changed === 1 ? "" : "s"}`);
  }
  return done.join(", ");
}

interface Expected {
  runtime: (b: BalancerFact, s: ServiceFact) => number;
  /** the weight each of the node's real= lines should have; null: left as it is */
  config: (b: BalancerFact, l: ConfigLineFact) => number | null;
}

function weightsMatch(view: ClusterView, facts: NodeFacts, expected: Expected): { done: boolean; progress: string } {
  const parts = facts.balancers.map((b) => {
    const state = view.state.balancers.find((x) => x.name === b.name);
    const runtime = b.services.map((s) => {
      const rs = state?.services.find((v) => v.port === s.port)?.realServers.find((r) => r.host === facts.host || r.address === facts.address);
      return { ok: rs?.weight === expected.runtime(b, s), text: `:${s.port} ${rs?.weight ?? "?"}` };
    });
    const lines = (b.configLines ?? []).map((l) => {
      const want = expected.config(b, l);
      const now = state?.config?.virtuals.flatMap((v) => v.reals).find((r) => r.source.line === l.line && r.address === facts.address)?.weight;
      return { ok: want === null || now === want, text: `line ${l.line} ${now ?? "?"}` };
    });
    return {
      ok: [...runtime, ...lines].every((x) => x.ok),
      text: `${b.name}: running ${runtime.map((x) => x.text).join(" ") || "-"}, ldirectord.cf ${lines.map((x) => x.text).join(", ") || "-"}`,
    };
  });
  return { done: parts.every((p) => p.ok), progress: parts.map((p) => p.text).join("; ") };
}

/** what still ties clients to the node: sticky templates and connections on the VIP holder, session files */
export function clientsOn(view: ClusterView, host: string): { count: number; progress: string } {
  let pinned = 0;
  let conns = 0;
  for (const b of view.state.balancers) {
    if (!b.holdsVip) continue;
    const reals = (b.services.length > 0 ? b.services.flatMap((s) => s.realServers) : b.realServers).filter((r) => r.host === host);
    // persistence templates are counted per address: the same clients whichever port they use
    pinned += reals[0]?.stickyClients ?? 0;
    conns += reals.reduce((n, r) => n + r.activeConns + r.inactiveConns, 0);
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

const ports = (facts: NodeFacts) => [...new Set(facts.balancers.flatMap((b) => b.services.map((s) => s.port)))].join(" and ");

export function drainSteps(cluster: ClusterSpec, facts: NodeFacts, options: DrainOptions): StepDef[] {
  const lbs = facts.balancers.map((b) => b.name).join(" and ");
  const previous = (b: BalancerFact, s: ServiceFact) => s.weight;
  const zero = () => 0;
  const persistence = cluster.balancer.persistence;
  return [
    {
      key: `drain-runtime-${facts.host}`,
      kind: "action",
      title: `Weight 0 for ${facts.host} on port ${ports(facts)} in the running tables of ${lbs}`,
      detail: "No new clients go to the node on any port; connected and pinned clients stay until they leave.",
      host: facts.host,
      segment: options.segment,
      planned: setWeights(cluster, facts, zero),
      plannedUndo: setWeights(cluster, facts, previous),
      async run(rt) {
        // recorded first, so a console that stops half-way still knows what to put back
        await rt.recordDrain(facts.host, weightsBefore(facts));
        for (const cmd of setWeights(rt.cluster, facts, zero)) await rt.exec(cmd);
        if (rt.get<number>(`zeroAt.${facts.host}`) === undefined) await rt.set(`zeroAt.${facts.host}`, Date.now());
        return `weight 0 on ${lbs}, port ${ports(facts)}`;
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
      detail: "So a balancer failover, a reboot or ldirectord's next reload keeps the node out. Every real= line of the node changes; its old weight stays in a comment ldirectord ignores.",
      host: facts.host,
      segment: options.segment,
      planned: configCommands(cluster, facts, "drain"),
      plannedUndo: configCommands(cluster, facts, "undrain"),
      runtimeNote: "sed edits the file on the balancer (through a link, keeping its mode and owner) and prints the lines it changed: only those are recorded.",
      async run(rt) {
        return editConfig(rt, facts, "drain");
      },
      async undo(rt) {
        await editConfig(rt, facts, "undrain");
      },
    },
    {
      key: `drain-verify-${facts.host}`,
      kind: "verify",
      title: `${lbs} show weight 0 for ${facts.host} on every port, running and configured`,
      host: facts.host,
      segment: options.segment,
      planned: [],
      async run(rt) {
        const since = Date.now();
        const expected: Expected = { runtime: zero, config: (_b, l) => (l.drain.edit ? 0 : null) };
        await rt.waitUntil((view) => weightsMatch(view, facts, expected), { timeoutMs: 30_000, failMessage: "the balancers do not show weight 0", until: null });
        return weightsMatch(await rt.view(since), facts, expected).progress;
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

/**
 * `weights`: what the drain recorded, per "<balancer> port <port>" (older records: per balancer); else the
 * weight the plan read (a rolling update plans before its drain); else ldirectord's default, 1.
 */
export function undrainSteps(cluster: ClusterSpec, facts: NodeFacts, weights: Record<string, number>, segment?: string): StepDef[] {
  const lbs = facts.balancers.map((b) => b.name).join(" and ");
  const restore = (b: BalancerFact, s: ServiceFact) => weights[weightKey(b.name, s.port)] ?? (s.weight > 0 ? s.weight : undefined) ?? weights[b.name] ?? 1;
  const zero = () => 0;
  // a line the drain marked gets its kept weight back; in a rolling update the plan sees the lines before the drain
  const configBack = (_b: BalancerFact, l: ConfigLineFact): number | null =>
    l.drainedFrom !== null ? (l.drainedFrom === "default" ? 1 : l.drainedFrom) : l.drain.edit ? l.weight : null;
  return [
    {
      key: `undrain-runtime-${facts.host}`,
      kind: "action",
      title: `Weight back for ${facts.host} on port ${ports(facts)} in the running tables of ${lbs}`,
      host: facts.host,
      segment,
      planned: setWeights(cluster, facts, restore),
      plannedUndo: setWeights(cluster, facts, zero),
      async run(rt) {
        for (const cmd of setWeights(rt.cluster, facts, restore)) await rt.exec(cmd);
        return facts.balancers.map((b) => b.services.map((s) => `${b.name}:${s.port} ${restore(b, s)}`).join(", ")).join(", ");
      },
      async undo(rt) {
        for (const cmd of setWeights(rt.cluster, facts, zero)) await rt.exec(cmd);
      },
    },
    {
      key: `undrain-config-${facts.host}`,
      kind: "action",
      title: `Weight back for ${facts.host} in ldirectord.cf on ${lbs}`,
      detail: "The weight each real= line had before the drain, from the comment the drain left.",
      host: facts.host,
      segment,
      planned: configCommands(cluster, facts, "undrain"),
      plannedUndo: configCommands(cluster, facts, "drain"),
      runtimeNote: "sed edits the file on the balancer and prints the lines it changed: only those are recorded.",
      async run(rt) {
        return editConfig(rt, facts, "undrain");
      },
      async undo(rt) {
        await editConfig(rt, facts, "drain");
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
        const expected: Expected = { runtime: restore, config: configBack };
        await rt.waitUntil((view) => weightsMatch(view, facts, expected), { timeoutMs: 30_000, failMessage: "the balancers do not show the weight back", until: null });
        await rt.clearDrain(facts.host);
        return weightsMatch(await rt.view(), facts, expected).progress;
      },
    },
  ];
}
