import type { ClusterView } from "@/lib/cluster/findings-types";
import { codeDrift, versionsDiffer } from "@/lib/cluster/view-helpers";
import { workflowCommands } from "@/lib/commands/workflow";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { parseCodeFingerprint } from "@/lib/probes/code-fingerprint";
import { type MoodleVersion, parseMoodleVersion } from "@/lib/probes/moodle-version";
import { withoutTrailingSlashes } from "@/lib/probes/read";
import { type ItemizedChange, parseRsyncItemize } from "@/lib/probes/rsync-itemize";
import { type LiveReader, type StepDef, StepFailed, type StepRuntime, guard, planned } from "@/lib/workflows/definition";
import type { GuardResult } from "@/lib/workflows/types";

/** Copying a release into a node's code folder, checking it, and putting the old code back on failure. */

export interface Source {
  host: string;
  path: string;
}

export interface ReleaseFacts {
  /** the release's version.php, null when it could not be read */
  release: MoodleVersion | null;
  releaseProblem: string | null;
  /** what the web nodes serve now, per node (null: not known) */
  installed: Record<string, MoodleVersion | null>;
}

export async function releaseFacts(live: LiveReader, source: Source): Promise<ReleaseFacts> {
  const installed = Object.fromEntries(
    live.view.state.web.map((w) => [w.name, w.moodle ? { version: w.moodle.version, release: w.moodle.release, branch: w.moodle.branch, maturity: null } : null]),
  );
  if (!live.cluster.hosts.some((h) => h.name === source.host)) return { release: null, releaseProblem: `${source.host} is not in the inventory`, installed };
  const r = await live.read(source.host, workflowCommands.releaseVersion, { path: source.path });
  if (r === null) return { release: null, releaseProblem: `${source.host} did not answer`, installed };
  if (r.exitCode !== 0) return { release: null, releaseProblem: `${source.host}:${source.path}/version.php: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`, installed };
  const parsed = parseMoodleVersion(r.stdout);
  if (!parsed.ok) return { release: null, releaseProblem: `${source.host}:${source.path}/version.php could not be read: ${parsed.error}`, installed };
  return { release: parsed.value, releaseProblem: null, installed };
}

/** the $version every node serves, or null when they differ or one is not known */
export function installedVersion(facts: ReleaseFacts): string | null {
  const versions = new Set(Object.values(facts.installed).map((v) => v?.version ?? null));
  if (versions.size !== 1 || versions.has(null)) return null;
  return [...versions][0] ?? null;
}

/**
 * Every web node's code fingerprint hashed now (null where it could not be read). The poll's fingerprint may be a
 * cached answer up to a check interval old, which must not decide whether the site may reopen after a copy.
 */
export async function freshFingerprints(live: LiveReader): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const w of live.view.state.web) {
    const r = await live.read(w.name, workflowCommands.codeFingerprintNow, {});
    const parsed = r && r.exitCode === 0 ? parseCodeFingerprint(r.stdout) : null;
    out[w.name] = parsed?.ok ? parsed.value.fingerprint : null;
  }
  return out;
}

export function codeGuard(view: ClusterView, doing: string, fresh?: Record<string, string | null>): GuardResult {
  const web = fresh ? view.state.web.map((w) => ({ ...w, codeFingerprint: fresh[w.name] ?? null })) : view.state.web;
  const drift = codeDrift(web);
  const differ = drift.differ || versionsDiffer(web);
  const nodes = Object.entries(drift.byNode);
  return guard(
    "same-code",
    !differ,
    differ
      ? `the web nodes serve different code (${nodes.map(([n, m]) => `${n}: ${m}`).join(", ")}): do not ${doing} until they match`
      : "every web node serves the same code",
  );
}

export function webHealthGuards(view: ClusterView, nodes: string[], why: string): GuardResult[] {
  return nodes.map((n) => {
    const w = view.state.web.find((x) => x.name === n);
    const problem = !w ? "is not in the cluster view" : !w.reachable || w.stale ? "does not answer" : w.apache.active !== true ? "has Apache down" : w.nfs?.mounted === false ? "has lost its dataroot mount" : null;
    return guard(`healthy-${n}`, problem === null, problem === null ? `${n} is healthy` : `${n} ${problem}: ${why}`);
  });
}

function changedPhpFiles(changes: ItemizedChange[]): string[] {
  return changes.filter((c) => c.kind === "file" && c.change !== "deleted" && c.path.endsWith(".php")).map((c) => c.path);
}

function summarize(changes: ItemizedChange[]): string {
  const count = (k: ItemizedChange["change"]) => changes.filter((c) => c.change === k && c.kind !== "dir").length;
  return `${count("created")} new, ${count("updated")} changed, ${count("deleted")} deleted files`;
}

const LINT_BATCH = 40;

export interface CodeStepOptions {
  runId: string;
  source: Source;
  segment?: string;
  /** ask the operator to look at the itemized changes first */
  approve: boolean;
}

/** snapshot → (dry run → approval) → rsync (undo: restore the snapshot) */
export function copyReleaseSteps(cluster: ClusterSpec, node: string, o: CodeStepOptions): StepDef[] {
  const snapshot = planned(cluster, node, workflowCommands.codeSnapshot, { runId: o.runId });
  const restore = planned(cluster, node, workflowCommands.codeRestore, { runId: o.runId });
  const graceful = planned(cluster, node, workflowCommands.apacheGraceful, {});
  const preview = planned(cluster, node, workflowCommands.rsyncPreview, { source: o.source, node });
  const apply = planned(cluster, node, workflowCommands.rsyncApply, { source: o.source, node });
  const steps: StepDef[] = [
    {
      key: `snapshot-${node}`,
      kind: "action",
      title: `Save ${node}'s current code aside`,
      detail: "So a failed update can put it back exactly.",
      host: node,
      segment: o.segment,
      planned: [snapshot],
      async run(rt) {
        await rt.exec(snapshot, { timeoutMs: 600_000 });
        return undefined;
      },
    },
  ];
  if (o.approve) {
    steps.push(
      {
        key: `dry-run-${node}`,
        kind: "check",
        title: `What the release changes on ${node} (rsync dry run)`,
        host: node,
        segment: o.segment,
        planned: [preview],
        async run(rt) {
          const r = await rt.exec(preview, { timeoutMs: 600_000 });
          const parsed = parseRsyncItemize(r.stdout);
          if (!parsed.ok) throw new StepFailed(`the rsync dry run could not be read: ${parsed.error}`);
          return summarize(parsed.value.changes);
        },
      },
      {
        key: `approve-${node}`,
        kind: "approval",
        title: `Approve copying the release to ${node}`,
        host: node,
        segment: o.segment,
        planned: [],
        approval: `Look at the dry run's itemized changes above; approve to copy them onto ${node}.`,
      },
    );
  }
  steps.push({
    key: `rsync-${node}`,
    kind: "action",
    title: `Copy the release to ${node} (rsync, config.php kept)`,
    host: node,
    segment: o.segment,
    planned: [apply],
    plannedUndo: [restore, graceful, planned(cluster, node, workflowCommands.phpFpmReload, {})],
    async run(rt) {
      const r = await rt.exec(apply, { timeoutMs: 600_000 });
      const parsed = parseRsyncItemize(r.stdout);
      const changes = parsed.ok ? parsed.value.changes : [];
      await rt.set(`changed.${node}`, changedPhpFiles(changes));
      return parsed.ok ? summarize(changes) : "copied (itemized output unreadable)";
    },
    async undo(rt) {
      await rt.exec(restore, { timeoutMs: 600_000 });
      await rt.exec(graceful);
      await reloadPhp(rt, node);
    },
  });
  return steps;
}

export function lintStep(cluster: ClusterSpec, node: string, segment?: string): StepDef {
  return {
    key: `lint-${node}`,
    kind: "check",
    title: `PHP syntax check of the changed files on ${node}`,
    host: node,
    segment,
    planned: [planned(cluster, node, workflowCommands.phpLint, { files: ["<each changed .php file>"] })],
    runtimeNote: `The files are the .php files rsync reported as new or changed, ${LINT_BATCH} per command.`,
    async run(rt: StepRuntime) {
      const files = rt.get<string[]>(`changed.${node}`) ?? [];
      if (files.length === 0) return "no PHP file changed";
      for (let i = 0; i < files.length; i += LINT_BATCH) {
        await rt.exec(planned(rt.cluster, node, workflowCommands.phpLint, { files: files.slice(i, i + LINT_BATCH) }));
      }
      return `${files.length} PHP files: no syntax errors`;
    },
  };
}

/** PHP-FPM keeps its OPcache through Apache's graceful reload: the node's handler decides whether php-fpm is reloaded too. */
export function gracefulStep(cluster: ClusterSpec, node: string, segment?: string): StepDef {
  const graceful = planned(cluster, node, workflowCommands.apacheGraceful, {});
  const fpm = planned(cluster, node, workflowCommands.phpFpmReload, {});
  return {
    key: `graceful-${node}`,
    kind: "action",
    title: `Reload Apache on ${node}, and php-fpm where it runs PHP (the OPcache starts empty)`,
    host: node,
    segment,
    planned: [graceful, fpm],
    runtimeNote: `${fpm.line} runs only when ${node}'s Apache hands PHP to php-fpm (under mod_php the graceful reload is enough).`,
    async run(rt) {
      await rt.exec(graceful);
      return reloadPhp(rt, node);
    },
  };
}

/** After Apache's graceful reload: php-fpm's own reload where Apache hands PHP to it, checked back up. */
export async function reloadPhp(rt: StepRuntime, node: string): Promise<string> {
  const php = (await rt.view()).state.web.find((w) => w.name === node)?.php ?? null;
  if (php === null || php.handler === null) return `Apache reloaded; how it runs PHP is not known on ${node}, so php-fpm was not reloaded`;
  if (php.handler === "mod_php") return "Apache reloaded (mod_php: its OPcache starts empty)";
  if (php.fpmService !== null && php.fpmService !== rt.cluster.web.phpFpmService) {
    throw new StepFailed(`${node} runs ${php.fpmService}, but the inventory names ${rt.cluster.web.phpFpmService} (web.phpFpmService): php-fpm's OPcache still holds the old code`);
  }
  const reloadedAt = Date.now();
  await rt.exec(planned(rt.cluster, node, workflowCommands.phpFpmReload, {}));
  await rt.waitUntil(
    (view) => {
      const w = view.state.web.find((x) => x.name === node);
      const fresh = (w?.sentAt ?? 0) > reloadedAt;
      return { done: fresh && w?.php?.fpmRunning === true, progress: fresh ? (w?.php?.fpmRunning ? "php-fpm runs" : "php-fpm's pid file is not there yet") : "waiting for a poll" };
    },
    { timeoutMs: 30_000, failMessage: `php-fpm did not come back on ${node} after its reload` },
  );
  return `Apache and ${php.fpmService ?? "php-fpm"} reloaded: PHP's OPcache starts empty`;
}

/** The login page as Moodle's wwwroot names it: the node's own config.php, else the inventory's siteUrl. */
export function smokeUrl(wwwroot: string | null, siteUrl: string | undefined): string | null {
  const base = wwwroot ?? siteUrl ?? null;
  return base === null ? null : `${withoutTrailingSlashes(base)}/login/index.php`;
}

export type SmokeVerdict = { ok: true; summary: string } | { ok: false; reason: string };

/**
 * Moodle's answer to its login page as a user gets it: 200; a 303 when the request's address is not
 * $CFG->wwwroot's (lib/setuplib.php initialise_fullme() then redirect()); 503 in maintenance.
 */
export function judgeSmoke(stdout: string, exitCode: number, url: string, node: string): SmokeVerdict {
  const m = /^(\d{3}) ?(\S*)$/.exec(stdout.trim().split("\n").at(-1) ?? "");
  const code = m?.[1] ?? null;
  const location = m?.[2] ?? "";
  if (code === "200") return { ok: true, summary: `HTTP 200 from ${url} on ${node} itself` };
  if (code === null || code === "000") return { ok: false, reason: `nothing answered ${url} on ${node} (curl exit ${exitCode}${stdout.trim() ? `: ${stdout.trim()}` : ""})` };
  if (code === "503") return { ok: false, reason: `${node} answered 503: Moodle is in maintenance mode (climaintenance.html, or switched on in its settings)` };
  if (/^30[1-8]$/.test(code)) {
    return {
      ok: false,
      reason: `${node} answered ${code} to ${location || "?"}: Moodle redirects requests that are not for its $CFG->wwwroot, so ${url} is not the address config.php on ${node} names (or it forces https)`,
    };
  }
  return { ok: false, reason: `${node} answered HTTP ${code} for ${url}, not 200` };
}

export function smokeStep(cluster: ClusterSpec, node: string, url: string | null, segment?: string): StepDef {
  const cmd = url === null ? null : planned(cluster, node, workflowCommands.smokeTest, { url });
  return {
    key: `smoke-${node}`,
    kind: "verify",
    title: `Moodle answers on ${node} itself (not through the VIP)`,
    detail: "The request carries the site's own name, so Moodle answers as it would a user; nothing is followed.",
    host: node,
    segment,
    planned: cmd ? [cmd] : [],
    async run(rt) {
      if (!cmd || url === null) throw new StepFailed(`the site's address on ${node} is not known: config.php's wwwroot could not be read and the inventory has no siteUrl`);
      // no retry: Apache keeps its listening socket through a graceful reload, php-fpm through its own
      const r = await rt.exec(cmd, { allow: [6, 7, 28, 35, 51, 52, 56, 60] });
      const verdict = judgeSmoke(r.stdout, r.exitCode ?? -1, url, node);
      if (!verdict.ok) throw new StepFailed(verdict.reason);
      return verdict.summary;
    },
  };
}

export function dropSnapshotStep(cluster: ClusterSpec, node: string, runId: string, segment?: string): StepDef {
  const cmd = planned(cluster, node, workflowCommands.codeSnapshotDrop, { runId });
  return {
    key: `drop-snapshot-${node}`,
    kind: "action",
    title: `Remove the saved copy of ${node}'s old code`,
    host: node,
    segment,
    planned: [cmd],
    async run(rt) {
      await rt.exec(cmd, { timeoutMs: 300_000 });
      return undefined;
    },
  };
}
