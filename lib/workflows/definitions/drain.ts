import { type LiveReader, type WorkflowDefinition, guard } from "@/lib/workflows/definition";
import type { DrainParams, UndrainParams } from "@/lib/workflows/params";
import { type NodeFacts, balancerGuards, clientsOn, drainSteps, inPoolGuard, nodeFacts, realServerOf, undrainSteps } from "@/lib/workflows/steps/balancer";
import type { GuardResult } from "@/lib/workflows/types";

/** "port 80: 100 running, 100 in ldirectord.cf; port 443: ..." */
function describeWeights(b: NodeFacts["balancers"][number]): string {
  const services = b.services.map((s) => {
    const lines = (b.configLines ?? []).filter((l) => l.port === null || l.port === s.port).map((l) => l.weight);
    return `port ${s.port}: weight ${s.weight}, ldirectord.cf ${lines.length ? lines.join("/") : "?"}`;
  });
  return services.join("; ") || "not in its table";
}

interface DrainFacts extends NodeFacts {
  sessionHandler: "file" | "database" | "other" | null;
  fileSessions: number | null;
  clientsNow: string;
}

function webHost(live: LiveReader, host: string): GuardResult {
  const spec = live.cluster.hosts.find((h) => h.name === host);
  return guard("is-web-node", spec?.role === "web", spec ? (spec.role === "web" ? `${host} is a web node` : `${host} is a ${spec.role} host, not a web node`) : `${host} is not in the inventory`, false);
}

/** web nodes that would still take new clients if `host` stopped: up, Apache active, weight > 0 on the VIP holder */
function otherServing(live: LiveReader, host: string): string[] {
  const holders = live.view.state.balancers.filter((b) => b.holdsVip);
  const drained = new Set(live.drains.map((d) => d.host));
  return live.view.state.web
    .filter((w) => w.name !== host && w.reachable && !w.stale && w.apache.active === true && !drained.has(w.name))
    .filter((w) => holders.length === 0 || holders.some((b) => (realServerOf(live.view, b.name, w.name)?.weight ?? 0) > 0))
    .map((w) => w.name);
}

export const drainWorkflow: WorkflowDefinition<DrainParams, DrainFacts> = {
  kind: "drain",
  title: ({ params }) => `Drain ${params.host}`,
  summary: ({ params, facts, cluster }) => [
    ["node", params.host],
    ["balancers", facts.balancers.map((b) => `${b.name} (${describeWeights(b)})`).join(", ") || "none answering"],
    ["finish at", `${params.threshold} clients or fewer`],
    ["ask after", `${params.maxWaitSeconds ?? Math.max(60, cluster.balancer.persistence)} s of waiting`],
    ["sessions", facts.sessionHandler === "file" ? `in files on ${params.host} (${facts.fileSessions ?? "?"} now)` : facts.sessionHandler === "database" ? "in the database" : "handler not known"],
    ["now", facts.clientsNow],
  ],
  async gather(params, live) {
    const web = live.view.state.web.find((w) => w.name === params.host);
    return {
      ...nodeFacts(live, params.host),
      sessionHandler: web?.sessionHandler ?? null,
      fileSessions: web?.fileSessions ?? null,
      clientsNow: clientsOn(live.view, params.host).progress,
    };
  },
  guards(params, facts, live) {
    const others = otherServing(live, params.host);
    const already = live.drains.find((d) => d.host === params.host);
    return [
      webHost(live, params.host),
      guard(
        "not-last-node",
        others.length > 0,
        others.length > 0 ? `${others.join(", ")} keeps serving` : `${params.host} is the last web node serving: draining it takes the site down`,
      ),
      guard("not-drained", !already, already ? `${params.host} is already drained (run ${already.runId})` : `${params.host} is not drained yet`, false),
      ...balancerGuards(facts, "the drain"),
      inPoolGuard(facts),
    ];
  },
  warnings(params, facts) {
    if (facts.sessionHandler === "file") {
      return [
        `Sessions are kept in files on ${params.host}${facts.fileSessions !== null ? ` (${facts.fileSessions} now)` : ""}: users still on it when it is taken out lose their session and must log in again. Waiting for the clients to leave avoids most of that.`,
      ];
    }
    if (facts.sessionHandler === null) return [`The session handler on ${params.host} is not known: if sessions are local to it, they are lost when it is taken out.`];
    return [];
  },
  steps({ cluster, params, facts }) {
    return drainSteps(cluster, facts, {
      threshold: params.threshold,
      maxWaitSeconds: params.maxWaitSeconds ?? Math.max(60, cluster.balancer.persistence),
      onTimeout: "ask",
    });
  },
};

interface UndrainFacts extends NodeFacts {
  weights: Record<string, number>;
  drainRun: string | null;
}

export const undrainWorkflow: WorkflowDefinition<UndrainParams, UndrainFacts> = {
  kind: "undrain",
  title: ({ params }) => `Undrain ${params.host}`,
  summary: ({ params, facts }) => [
    ["node", params.host],
    ["weights to restore", Object.entries(facts.weights).map(([b, w]) => `${b}: ${w}`).join(", ") || "ldirectord's default (1)"],
    ["ldirectord.cf", facts.balancers.map((b) => `${b.name}: ${(b.configLines ?? []).map((l) => l.undrain.why).join("; ") || "no line of the node"}`).join(" · ")],
    ["drained by", facts.drainRun ?? "no recorded drain"],
  ],
  async gather(params, live) {
    const drain = live.drains.find((d) => d.host === params.host);
    const facts = nodeFacts(live, params.host);
    // without a recorded drain, the weights ldirectord.cf's drain marks kept, per port
    const marked = facts.balancers.flatMap((b) =>
      b.services.map((s) => {
        const mark = (b.configLines ?? []).find((l) => (l.port === null || l.port === s.port) && l.drainedFrom !== null)?.drainedFrom;
        return [`${b.name} port ${s.port}`, mark === undefined || mark === null || mark === "default" ? 1 : mark] as const;
      }),
    );
    const weights = drain?.previousWeights ?? Object.fromEntries(marked);
    return { ...facts, weights, drainRun: drain?.runId ?? null };
  },
  guards(params, facts, live) {
    const web = live.view.state.web.find((w) => w.name === params.host);
    const healthy = web !== undefined && web.reachable && !web.stale && web.apache.active === true;
    return [
      webHost(live, params.host),
      guard("node-healthy", healthy, healthy ? `${params.host} answers and Apache runs` : `${params.host} is not healthy (not answering or Apache down): clients sent to it would fail`),
      guard(
        "was-drained",
        facts.drainRun !== null,
        facts.drainRun !== null ? `${params.host} was drained by run ${facts.drainRun}` : `${params.host} has no recorded drain: the weights to restore come from ldirectord.cf's drain marks (1 where there is none)`,
      ),
      ...balancerGuards(facts, "the undrain"),
    ];
  },
  warnings: () => [],
  steps({ cluster, facts }) {
    return undrainSteps(cluster, facts, facts.weights);
  },
};
