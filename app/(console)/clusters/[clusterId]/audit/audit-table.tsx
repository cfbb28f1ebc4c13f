import Link from "next/link";
import { runPath } from "@/components/workflows/paths";
import { When } from "@/components/workflows/time";
import type { AuditRow } from "@/lib/audit/query";
import { formatDuration } from "@/lib/format";

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms / 1000);
}

function Why({ clusterId, row }: { clusterId: string; row: AuditRow }) {
  const tag = <span className="muted mono tl-kind">{row.why.kind}</span>;
  if (row.why.runId) {
    return (
      <>
        {tag}{" "}
        <Link href={runPath(clusterId, row.why.runId)} data-testid="audit-run-link">
          {row.why.label}
        </Link>
      </>
    );
  }
  return (
    <>
      {tag} {row.why.label}
    </>
  );
}

/** Command runs as rows; each row's output (already masked when it was stored) opens in place. */
export function AuditTable({ clusterId, rows }: { clusterId: string; rows: AuditRow[] }) {
  return (
    <div className="table-scroll">
      <table className="tl-table audit-table" data-testid="audit-rows">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Why</th>
            <th>Host</th>
            <th>Command and output</th>
            <th className="num">Exit</th>
            <th className="num">Took</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="audit-row" data-host={r.host} data-actor={r.actor ?? ""} data-outcome={r.outcome}>
              <td className="wf-nowrap">
                <When at={r.at} />
              </td>
              <td>{r.actor ?? <span className="muted">console</span>}</td>
              <td>
                <Why clusterId={clusterId} row={r} />
              </td>
              <td>{r.host}</td>
              <td className="audit-command">
                <details data-testid="audit-output">
                  <summary className="mono" data-testid="audit-command">
                    {r.command}
                  </summary>
                  {r.stdout || r.stderr || r.error ? (
                    <>
                      {r.stdout ? <Output label="stdout" text={r.stdout} /> : null}
                      {r.stderr ? <Output label="stderr" text={r.stderr} /> : null}
                      {r.error ? <Output label="error" text={r.error} /> : null}
                    </>
                  ) : (
                    <p className="muted">No output.</p>
                  )}
                </details>
              </td>
              <td className="num" title={r.outcome}>
                {r.exitCode ?? r.outcome}
              </td>
              <td className="num">{duration(r.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Output({ label, text }: { label: string; text: string }) {
  return (
    <div className="audit-output">
      <span className="muted">{label}</span>
      <pre data-testid={`audit-${label}`}>{text}</pre>
    </div>
  );
}
