import type { ClusterView } from "@/lib/cluster/findings-types";
import { workflowCommands } from "@/lib/commands/workflow";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { type StepDef, StepFailed, type StepRuntime, planned } from "@/lib/workflows/definition";

/** Moodle's CLI maintenance mode: switched on one node (the flag is in the shared dataroot), verified on all. */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/** the page users see instead of the site (climaintenance.template.html) */
export function maintenancePage(message: string): string {
  const paragraphs = message
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p.trim()).replace(/\n/g, "<br>")}</p>`)
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Maintenance</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 6em auto; text-align: center">
<h1>The site is under maintenance</h1>
${paragraphs}
</body></html>`;
}

/** the web node that runs Moodle's CLI: the first one answering with Apache up */
export function cliNode(cluster: ClusterSpec, view: ClusterView): string {
  const web = view.state.web.find((w) => w.reachable && !w.stale && w.apache.active === true) ?? view.state.web.find((w) => w.reachable);
  return web?.name ?? cluster.hosts.find((h) => h.role === "web")?.name ?? "web1";
}

/**
 * Moodle writes climaintenance.html from $CFG->maintenance_message when it is set and not blank, before the
 * template this workflow writes (lib/adminlib.php enable_cli_maintenance_mode()): say so before the start.
 */
export function ownMessageWarning(view: ClusterView, message: string): string[] {
  if (!message) return [];
  const inConfig = view.state.web.filter((w) => w.maintenanceMessageInConfig === true).map((w) => w.name);
  const inSettings = view.state.moodle?.settings.maintenanceMessage === true;
  if (inConfig.length === 0 && !inSettings) return [];
  const where = [...(inSettings ? ["in Site administration > Server > Maintenance mode"] : []), ...(inConfig.length > 0 ? [`in config.php on ${inConfig.join(", ")}`] : [])].join(" and ");
  return [`Moodle has its own maintenance message (${where}): it replaces the page written here, so users will see that message, not yours. Clear it there to show this one.`];
}

export function webNodes(cluster: ClusterSpec): string[] {
  return cluster.hosts.filter((h) => h.role === "web").map((h) => h.name);
}

function flagsOn(view: ClusterView, nodes: string[], on: boolean): { done: boolean; progress: string } {
  const parts = nodes.map((n) => {
    const w = view.state.web.find((x) => x.name === n);
    const seen = w && w.reachable && !w.stale ? w.maintenance : null;
    return { n, ok: seen === on, text: `${n}: ${seen === null ? "not known (node not answering)" : seen ? "on" : "off"}` };
  });
  return { done: parts.every((p) => p.ok), progress: parts.map((p) => p.text).join(", ") };
}

async function checkSite(rt: StepRuntime, on: boolean): Promise<string> {
  if (!rt.cluster.siteUrl) return "no siteUrl in the inventory: the VIP was not checked";
  const answer = await rt.fetchSite("/login/index.php");
  const expected = on ? 503 : 200;
  if (answer.status !== expected) {
    throw new StepFailed(`through the VIP the site answered ${answer.status ?? answer.error ?? "nothing"}, not ${expected} (${on ? "the maintenance page" : "Moodle's login page"})`);
  }
  return `through the VIP: ${answer.status}`;
}

export function verifyMaintenanceStep(cluster: ClusterSpec, on: boolean, segment?: string): StepDef {
  const nodes = webNodes(cluster);
  return {
    key: `maintenance-verify-${on ? "on" : "off"}`,
    kind: "verify",
    title: `Maintenance ${on ? "on" : "off"} on every web node (${nodes.join(", ")})${cluster.siteUrl ? " and through the VIP" : ""}`,
    detail: "The flag file lives in the shared dataroot: each node must see it through its own NFS mount.",
    segment,
    planned: [],
    runtimeNote: cluster.siteUrl ? `The console requests ${cluster.siteUrl} and expects ${on ? "503, the maintenance page" : "200, Moodle's login page"}.` : null,
    async run(rt) {
      const since = Date.now();
      await rt.waitUntil((view) => flagsOn(view, nodes, on), { timeoutMs: 30_000, failMessage: `not every node shows maintenance ${on ? "on" : "off"}` });
      const flags = flagsOn(await rt.view(since), nodes, on).progress;
      return `${flags}; ${await checkSite(rt, on)}`;
    },
  };
}

export function maintenanceOnSteps(cluster: ClusterSpec, node: string, message: string, segment?: string): StepDef[] {
  const html = message ? maintenancePage(message) : null;
  const enable = planned(cluster, node, workflowCommands.maintenanceSet, { mode: "enable" });
  const disable = planned(cluster, node, workflowCommands.maintenanceSet, { mode: "disable" });
  const template = planned(cluster, node, workflowCommands.maintenanceTemplate, { html });
  const noTemplate = planned(cluster, node, workflowCommands.maintenanceTemplate, { html: null });
  return [
    {
      key: "maintenance-message",
      kind: "action",
      title: message ? "Write the maintenance page users will see" : "Use Moodle's standard maintenance page",
      host: node,
      segment,
      planned: [template],
      plannedUndo: html ? [noTemplate] : [],
      async run(rt) {
        await rt.exec(template);
        return undefined;
      },
      undo: html
        ? async (rt) => {
            await rt.exec(noTemplate);
          }
        : undefined,
    },
    {
      key: "maintenance-enable",
      kind: "action",
      title: `Switch maintenance mode on (Moodle's CLI on ${node})`,
      host: node,
      segment,
      planned: [enable],
      plannedUndo: [disable],
      async run(rt) {
        const r = await rt.exec(enable);
        return r.stdout.trim().split("\n").slice(-1)[0];
      },
      async undo(rt) {
        await rt.exec(disable);
      },
    },
    verifyMaintenanceStep(cluster, true, segment),
  ];
}

export function upgradePendingCheck(cluster: ClusterSpec, node: string): StepDef {
  const cmd = planned(cluster, node, workflowCommands.upgradePending, {});
  return {
    key: "upgrade-not-pending",
    kind: "check",
    title: `No database upgrade is pending (checked on ${node})`,
    detail: "Reopening a site whose code is newer than its database would show every user the upgrade page.",
    host: node,
    planned: [cmd],
    async run(rt) {
      const r = await rt.exec(cmd, { allow: [2] });
      if (r.exitCode === 2) throw new StepFailed(`the code on ${node} needs a database upgrade first (upgrade.php --is-pending exited 2)`);
      return "no upgrade pending";
    },
  };
}

export function maintenanceOffSteps(cluster: ClusterSpec, node: string): StepDef[] {
  const enable = planned(cluster, node, workflowCommands.maintenanceSet, { mode: "enable" });
  const disable = planned(cluster, node, workflowCommands.maintenanceSet, { mode: "disable" });
  return [
    upgradePendingCheck(cluster, node),
    {
      key: "maintenance-disable",
      kind: "action",
      title: `Switch maintenance mode off (Moodle's CLI on ${node})`,
      host: node,
      planned: [disable],
      plannedUndo: [enable],
      async run(rt) {
        const r = await rt.exec(disable);
        return r.stdout.trim().split("\n").slice(-1)[0];
      },
      async undo(rt) {
        await rt.exec(enable);
      },
    },
    verifyMaintenanceStep(cluster, false),
  ];
}
