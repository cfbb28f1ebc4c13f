"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, useTransition } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { acknowledgeFailoverAction } from "@/app/(console)/clusters/[clusterId]/drills/actions";
import { runPath } from "@/components/workflows/paths";
import { type DrillScoreView, type FailoverMarkListItem, MEASURE_LABELS } from "@/lib/drills/types";
import { drillsKey } from "@/lib/queries/drills";

const KIND_NAMES: Record<string, string> = { balancer: "Balancer", server: "Whole server", storage: "Storage", database: "Database" };

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

function figure(score: DrillScoreView, name: string): string {
  const m = score.measurements.find((x) => x.name === name);
  return m && m.value !== null ? `${m.value} ${m.unit}` : "—";
}

export function FailoverAcks({ clusterId, marks, canAct }: { clusterId: string; marks: FailoverMarkListItem[]; canAct: boolean }) {
  const queryClient = useQueryClient();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  if (marks.length === 0) return null;
  return (
    <section className="banner warn" role="status" data-testid="failover-acks">
      <strong>Failovers to acknowledge</strong> — another drill on the same tier waits until someone has looked at the last one.
      <ul>
        {marks.map((m) => (
          <li key={m.id} data-testid={`failover-${m.tier}`}>
            {when(m.at)} · {m.tier}: {m.message}{" "}
            {canAct ? (
              <button
                type="button"
                disabled={pending}
                data-testid={`ack-${m.id}`}
                onClick={() =>
                  start(async () => {
                    const r = await acknowledgeFailoverAction({ clusterId, markId: m.id });
                    setError(r.ok ? null : r.error.message);
                    await queryClient.invalidateQueries({ queryKey: drillsKey(clusterId) });
                  })
                }
              >
                Acknowledge
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {error ? <p className="form-error">{error}</p> : null}
    </section>
  );
}

export function Scorecards({ clusterId, scores }: { clusterId: string; scores: DrillScoreView[] }) {
  return (
    <section className="panel" data-testid="scorecards" aria-labelledby="scorecards-title">
      <h2 id="scorecards-title">Scorecards</h2>
      {scores.length === 0 ? (
        <p className="muted">No drill has run on this cluster yet.</p>
      ) : (
        <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>when</th>
              <th>drill</th>
              <th>failed</th>
              <th>result</th>
              <th>figures</th>
              <th>expectations</th>
            </tr>
          </thead>
          <tbody>
            {scores.map((s) => (
              <tr key={s.runId} data-testid={`score-${s.runId}`} data-passed={String(s.passed)}>
                <td>
                  <Link href={runPath(clusterId, s.runId)}>{when(s.at)}</Link>
                </td>
                <td>{KIND_NAMES[s.kind] ?? s.kind}</td>
                <td>{s.target}</td>
                <td>
                  <span className={`status-pill ${s.passed ? "tone-ok" : "tone-crit"}`}>{s.aborted ? "aborted" : s.passed ? "passed" : "failed"}</span>
                </td>
                <td>
                  <ul className="drill-expectations">
                    {s.measurements.map((m) => (
                      <li key={m.name}>
                        {MEASURE_LABELS[m.name] ?? m.name}: {figure(s, m.name)}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <ul className="drill-expectations">
                    {s.expectations.map((e) => (
                      <li key={e.text}>
                        {e.passed === true ? "✓" : e.passed === false ? "✗" : "?"} {e.text}
                        {e.measured !== null ? ` (measured ${e.measured})` : ""}
                      </li>
                    ))}
                  </ul>
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

const SERIES = [
  { key: "balancer:unservedSeconds", label: "Balancer drill: site not served (s)", color: "#5aa9e6" },
  { key: "balancer:noVipSeconds", label: "Balancer drill: no VIP owner (s)", color: "#9b8cf2" },
  { key: "storage:nfsDownSeconds", label: "Storage drill: dataroot unreadable (s)", color: "#e6c35a" },
  { key: "server:unservedSeconds", label: "Server drill: site not served (s)", color: "#f2a65a" },
  { key: "server:recoverySeconds", label: "Server drill: recovery after power-on (s)", color: "#7bd389" },
] as const;

/** Recovery times per drill kind over time: is the cluster getting faster or slower to fail over? */
export function DrillTrend({ scores }: { scores: DrillScoreView[] }) {
  const rows = [...scores]
    .filter((s) => !s.aborted)
    .sort((a, b) => a.at - b.at)
    .map((s) => {
      const row: Record<string, number | null> = { at: s.at };
      for (const m of s.measurements) row[`${s.kind}:${m.name}`] = m.value;
      return row;
    });
  const shown = SERIES.filter((x) => rows.some((r) => typeof r[x.key] === "number"));
  return (
    <section className="panel" data-testid="drill-trend" aria-labelledby="drill-trend-title">
      <h2 id="drill-trend-title">Recovery over time</h2>
      {rows.length === 0 ? (
        <p className="muted">The trend appears after the first completed drill.</p>
      ) : (
        <div style={{ width: "100%", height: 260 }}>
          <ResponsiveContainer>
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#2a2f36" />
              <XAxis dataKey="at" type="number" domain={["dataMin", "dataMax"]} tickFormatter={(v: number) => new Date(v).toLocaleDateString()} stroke="#8a94a3" />
              <YAxis stroke="#8a94a3" unit=" s" />
              <Tooltip labelFormatter={(v) => when(Number(v))} />
              <Legend />
              {shown.map((x) => (
                <Line key={x.key} type="monotone" dataKey={x.key} name={x.label} stroke={x.color} connectNulls dot isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      <p className="muted">{Object.entries(MEASURE_LABELS).length} figures are kept per drill; the table above lists them by run.</p>
    </section>
  );
}
