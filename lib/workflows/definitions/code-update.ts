import { type WorkflowDefinition, guard } from "@/lib/workflows/definition";
import type { CodeUpdateParams } from "@/lib/workflows/params";
import { type NodeFacts, balancerGuards, drainSteps, inPoolGuard, nodeFacts, undrainSteps } from "@/lib/workflows/steps/balancer";
import {
  type ReleaseFacts,
  codeGuard,
  freshFingerprints,
  copyReleaseSteps,
  dropSnapshotStep,
  gracefulStep,
  installedVersion,
  lintStep,
  releaseFacts,
  smokeStep,
  smokeUrl,
  webHealthGuards,
} from "@/lib/workflows/steps/code";
import { webNodes } from "@/lib/workflows/steps/maintenance";

interface Facts extends ReleaseFacts {
  nodes: NodeFacts[];
  /** each node's login page as its config.php's wwwroot names it (the inventory's siteUrl when not read) */
  smokeUrls?: Record<string, string | null>;
  /** each node's code fingerprint hashed when the plan was made */
  fingerprints?: Record<string, string | null>;
}

export const codeUpdateWorkflow: WorkflowDefinition<CodeUpdateParams, Facts> = {
  kind: "code-update",
  title: ({ params, facts }) => `Rolling code update from ${params.sourceHost}:${params.sourcePath}${facts.release ? ` (${facts.release.release})` : ""}`,
  summary: ({ params, facts }) => [
    ["release", `${params.sourceHost}:${params.sourcePath}`],
    ["its version.php", facts.release ? `${facts.release.release} ($version ${facts.release.version})` : (facts.releaseProblem ?? "not read")],
    ["installed", Object.entries(facts.installed).map(([n, v]) => `${n}: ${v ? `${v.release} (${v.version})` : "unknown"}`).join(", ")],
    ["order", facts.nodes.map((n) => n.host).join(" → ")],
    ["each node", `drain (up to ${params.drainWaitSeconds} s for clients), dry run, your approval, copy, PHP check, reload (php-fpm too where it runs PHP), smoke test, undrain`],
  ],
  async gather(params, live) {
    const release = await releaseFacts(live, { host: params.sourceHost, path: params.sourcePath });
    const nodes = webNodes(live.cluster);
    const smokeUrls = Object.fromEntries(nodes.map((n) => [n, smokeUrl(live.view.state.web.find((w) => w.name === n)?.wwwroot ?? null, live.cluster.siteUrl)]));
    return { ...release, nodes: nodes.map((n) => nodeFacts(live, n)), smokeUrls, fingerprints: await freshFingerprints(live) };
  },
  guards(params, facts, live) {
    const installed = installedVersion(facts);
    const same = facts.release !== null && installed !== null && facts.release.version === installed;
    const drained = live.drains.map((d) => d.host);
    return [
      guard("release-readable", facts.release !== null, facts.release ? `${params.sourcePath} holds ${facts.release.release}` : `the release cannot be read: ${facts.releaseProblem}`, false),
      guard(
        "same-version",
        same,
        same
          ? `$version ${installed} is the installed one: a code update, no database upgrade`
          : facts.release && installed
            ? `the release's $version ${facts.release.version} differs from the installed ${installed}: that is an upgrade (use the Moodle upgrade workflow)`
            : "the installed $version is not known on every node",
        false,
      ),
      codeGuard(live.view, "roll out more code", facts.fingerprints),
      ...facts.nodes.map((n) => {
        const url = facts.smokeUrls?.[n.host] ?? null;
        return guard(
          `smoke-address-${n.host}`,
          url !== null,
          url !== null ? `${n.host} is checked at ${url}` : `the site's address on ${n.host} is not known (config.php's wwwroot unread, no siteUrl in the inventory): its smoke test could not ask Moodle as a user does`,
          false,
        );
      }),
      ...webHealthGuards(live.view, facts.nodes.map((n) => n.host), "a rolling update takes one node out at a time, so every other node must be serving"),
      guard("none-drained", drained.length === 0, drained.length === 0 ? "no node is drained" : `${drained.join(", ")} is drained; undrain it first (the update puts every node back in)`),
      ...(facts.nodes[0] ? balancerGuards(facts.nodes[0], "the drains") : []),
      ...facts.nodes.map((n) => ({ ...inPoolGuard(n), id: `node-weight-${n.host}` })),
    ];
  },
  warnings(_params, facts) {
    return facts.nodes.length < 2 ? ["With a single web node, the site is down while it is updated."] : [];
  },
  steps({ cluster, params, facts, runId }) {
    const source = { host: params.sourceHost, path: params.sourcePath };
    return facts.nodes.flatMap((node) => {
      const segment = node.host;
      const weights = Object.fromEntries(node.balancers.map((b) => [b.name, b.configWeight ?? b.weight ?? 1]));
      return [
        ...drainSteps(cluster, node, { segment, threshold: 0, maxWaitSeconds: params.drainWaitSeconds, onTimeout: "continue" }),
        ...copyReleaseSteps(cluster, node.host, { runId, source, segment, approve: true }),
        lintStep(cluster, node.host, segment),
        gracefulStep(cluster, node.host, segment),
        smokeStep(cluster, node.host, facts.smokeUrls?.[node.host] ?? null, segment),
        ...undrainSteps(cluster, node, weights, segment),
        dropSnapshotStep(cluster, node.host, runId, segment),
      ];
    });
  },
};
