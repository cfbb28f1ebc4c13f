import { maintenanceSource } from "@/lib/cluster/view-helpers";
import { workflowCommands } from "@/lib/commands/workflow";
import { type WorkflowDefinition, guard, planned } from "@/lib/workflows/definition";
import type { MaintenanceParams } from "@/lib/workflows/params";
import { cliNode, maintenanceOffSteps, maintenanceOnSteps, ownMessageWarning, verifyMaintenanceStep, webNodes } from "@/lib/workflows/steps/maintenance";
import { codeGuard, freshFingerprints } from "@/lib/workflows/steps/code";

interface Facts {
  node: string;
  /** every web node's maintenance flag as last read */
  flags: Record<string, boolean | null>;
  /** before reopening: each node's code fingerprint hashed when the plan was made */
  fingerprints?: Record<string, string | null>;
}

export const maintenanceWorkflow: WorkflowDefinition<MaintenanceParams, Facts> = {
  kind: "maintenance",
  title: ({ params }) =>
    params.action === "enable" ? "Maintenance mode on" : params.action === "enable-later" ? `Maintenance mode on in ${params.minutes} min` : "Maintenance mode off",
  summary: ({ params, facts }) => [
    ["action", params.action === "enable" ? "on now" : params.action === "enable-later" ? `on in ${params.minutes} minutes` : "off"],
    ...(params.action !== "disable" ? [["message", params.message || "(Moodle's standard page)"] as [string, string]] : []),
    ["Moodle CLI on", facts.node],
    ["now", Object.entries(facts.flags).map(([n, f]) => `${n}: ${f === null ? "unknown" : f ? "on" : "off"}`).join(", ")],
  ],
  async gather(params, live) {
    return {
      node: cliNode(live.cluster, live.view),
      flags: Object.fromEntries(webNodes(live.cluster).map((n) => [n, live.view.state.web.find((w) => w.name === n)?.maintenance ?? null])),
      ...(params.action === "disable" ? { fingerprints: await freshFingerprints(live) } : {}),
    };
  },
  guards(params, facts, live) {
    const guards = [];
    const silent = live.view.state.web.filter((w) => !w.reachable || w.stale).map((w) => w.name);
    guards.push(
      guard(
        "web-nodes-answer",
        silent.length === 0,
        silent.length === 0 ? "every web node answers" : `${silent.join(", ")} does not answer: the console could not confirm maintenance there`,
      ),
    );
    if (params.action === "disable") guards.push(codeGuard(live.view, "reopen the site", facts.fingerprints));
    const on = Object.values(facts.flags).some((f) => f === true);
    if (params.action !== "disable" && on) guards.push(guard("already-on", false, `maintenance mode is already on: ${maintenanceSource(live.view.state).text}`, true));
    if (params.action === "disable" && !on && Object.values(facts.flags).every((f) => f === false)) {
      guards.push(guard("already-off", false, "maintenance mode is already off", true));
    }
    return guards;
  },
  warnings(params, _facts, live) {
    if (params.action === "disable") return [];
    return ["Every user is logged out of the web pages and sees the maintenance page until it is switched off.", ...ownMessageWarning(live.view, params.message)];
  },
  steps({ cluster, params, facts }) {
    const node = facts.node;
    if (params.action === "enable") return maintenanceOnSteps(cluster, node, params.message);
    if (params.action === "disable") return maintenanceOffSteps(cluster, node);
    const later = planned(cluster, node, workflowCommands.maintenanceSet, { mode: { laterMinutes: params.minutes } });
    const cancelLater = planned(cluster, node, workflowCommands.maintenanceSet, { mode: "disable" });
    const [message, enable] = maintenanceOnSteps(cluster, node, params.message);
    if (!message || !enable) throw new Error("maintenance steps changed shape");
    return [
      message,
      {
        key: "maintenance-announce",
        kind: "action",
        title: `Announce maintenance in ${params.minutes} minutes (users see Moodle's warning)`,
        host: node,
        planned: [later],
        plannedUndo: [cancelLater],
        async run(rt) {
          if (rt.get<number>("enableAt") === undefined) await rt.set("enableAt", Date.now() + params.minutes * 60_000);
          const r = await rt.exec(later);
          return r.stdout.trim().split("\n").slice(-1)[0];
        },
        async undo(rt) {
          await rt.exec(cancelLater);
        },
      },
      {
        key: "maintenance-countdown",
        kind: "wait",
        title: `Count down ${params.minutes} minutes`,
        detail: "Finish now to switch maintenance on at once.",
        planned: [],
        async run(rt) {
          const at = rt.get<number>("enableAt") ?? Date.now();
          const r = await rt.waitUntil(
            () => {
              const left = Math.max(0, Math.round((at - Date.now()) / 1000));
              return { done: left === 0, progress: left === 0 ? "time" : `${Math.floor(left / 60)} min ${left % 60} s left` };
            },
            { timeoutMs: params.minutes * 60_000 + 120_000, until: at, canFinishEarly: true, failMessage: "the countdown overran" },
          );
          return r === "finished-early" ? "ended early by an operator" : "time reached";
        },
      },
      enable,
      verifyMaintenanceStep(cluster, true),
    ];
  },
};
