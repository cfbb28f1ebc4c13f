"use client";

import Link from "next/link";
import { runPath } from "@/components/workflows/paths";
import { RunStatusPill, WORKFLOW_NAMES } from "@/components/workflows/status";
import { Elapsed, When } from "@/components/workflows/time";
import type { RunList } from "@/lib/workflows/types";

/** The one run allowed at a time: what holds the cluster's lock, and where to follow it. */
export function LockBanner({ clusterId, runs }: { clusterId: string; runs: RunList }) {
  const { active, lock } = runs;
  if (active) {
    return (
      <div className={`banner ${active.status === "needs-attention" ? "crit" : "warn"} wf-lock`} role="status" data-testid="active-run">
        <div>
          <strong>{active.status === "needs-attention" ? "A run needs attention: " : "A run is in progress: "}</strong>
          {active.title} <RunStatusPill status={active.status} />
          <span className="muted">
            {" "}
            · by {active.actor} · started <When at={active.createdAt} /> · <Elapsed from={active.createdAt} to={active.finishedAt} clock />
          </span>
        </div>
        <div className="wf-lock-note">
          It holds the cluster&apos;s lock: no other workflow may start until it ends.{" "}
          <Link href={runPath(clusterId, active.id)} data-testid="active-run-link">
            Open the run →
          </Link>
        </div>
      </div>
    );
  }
  if (lock) {
    return (
      <div className="banner warn wf-lock" role="status" data-testid="active-run">
        <strong>The cluster&apos;s workflow lock is held</strong> by {lock.holder} since <When at={lock.since} />.{" "}
        <Link href={runPath(clusterId, lock.runId)} data-testid="active-run-link">
          Open the run →
        </Link>
      </div>
    );
  }
  return null;
}

/** Web nodes a drain left at weight 0, each with a way back. */
export function DrainedNodes({
  clusterId,
  drained,
  onUndrain,
  canStart,
}: {
  clusterId: string;
  drained: RunList["drained"];
  onUndrain: (host: string) => void;
  canStart: boolean;
}) {
  return (
    <section className="panel wf-drained" aria-labelledby="wf-drained-title" data-testid="drained-nodes">
      <h2 id="wf-drained-title">
        Drained web nodes<span className="count">{drained.length === 0 ? "none" : `${drained.length} out of the pool`}</span>
      </h2>
      {drained.length === 0 ? (
        <p className="muted empty">Every web node takes new clients.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>node</th>
              <th>drained since</th>
              <th>weights to restore</th>
              <th>by run</th>
              <th>
                <span className="visually-hidden">action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {drained.map((d) => (
              <tr key={d.host} data-testid={`drained-${d.host}`}>
                <td>
                  <strong>{d.host}</strong>
                </td>
                <td>
                  <When at={d.since} />
                </td>
                <td className="mono">
                  {Object.entries(d.previousWeights)
                    .map(([balancer, weight]) => `${balancer}: ${weight}`)
                    .join(", ") || "—"}
                </td>
                <td>
                  <Link href={runPath(clusterId, d.runId)}>open</Link>
                </td>
                <td className="wf-row-action">
                  <button type="button" onClick={() => onUndrain(d.host)} data-testid={`undrain-${d.host}`}>
                    {canStart ? "Undrain…" : "Preview undrain"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Every run of the cluster, newest first as the engine lists them. */
export function RunHistory({ clusterId, history }: { clusterId: string; history: RunList["history"] }) {
  return (
    <section className="panel wf-history" aria-labelledby="wf-history-title" data-testid="run-history">
      <h2 id="wf-history-title">
        History<span className="count">{history.length === 0 ? "no runs yet" : `${history.length} ${history.length === 1 ? "run" : "runs"}`}</span>
      </h2>
      {history.length === 0 ? (
        <p className="muted empty">No workflow has run on this cluster yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>workflow</th>
                <th>title</th>
                <th>status</th>
                <th>by</th>
                <th>started</th>
                <th className="num">took</th>
                <th>outcome</th>
                <th>
                  <span className="visually-hidden">link</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {history.map((r) => (
                <tr key={r.id} data-testid={`history-${r.id}`} data-status={r.status}>
                  <td className="wf-nowrap">{WORKFLOW_NAMES[r.kind]}</td>
                  <td>{r.title}</td>
                  <td>
                    <RunStatusPill status={r.status} />
                  </td>
                  <td>{r.actor}</td>
                  <td className="wf-nowrap">
                    <When at={r.createdAt} />
                  </td>
                  <td className="num">
                    <Elapsed from={r.createdAt} to={r.finishedAt} />
                  </td>
                  <td className="wf-outcome-cell">{r.outcome ?? <span className="muted">—</span>}</td>
                  <td>
                    <Link href={runPath(clusterId, r.id)} aria-label={`open run ${r.title}`}>
                      open
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
