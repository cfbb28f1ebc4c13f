import type { StateFrame } from "@/lib/timeline/state-frames";

/** The cluster as it was at one event: the verdict per server, and what was wrong. */
export function StateThen({ frame }: { frame: StateFrame | undefined }) {
  if (!frame) return <span className="muted">not recorded</span>;
  const problems = frame.findings.filter((f) => f.severity !== "ok");
  const critical = problems.filter((f) => f.severity === "critical").length;
  return (
    <details className="tl-state" data-testid="state-then">
      <summary>
        {frame.verdict.servers.map((s) => (
          <span key={s.server} className={`status-pill ${s.survives ? "tone-ok" : "tone-crit"}`} title={s.reasons.join("; ")}>
            {s.label}: {s.survives ? "could fail" : "must not fail"}
          </span>
        ))}{" "}
        <span className="muted">
          {critical} critical, {problems.length - critical} warning
        </span>
      </summary>
      {frame.verdict.servers.map((s) =>
        s.reasons.length > 0 ? (
          <p key={s.server}>
            If {s.label} failed now: {s.reasons.join("; ")}
          </p>
        ) : null,
      )}
      <ul>
        {problems.map((f) => (
          <li key={f.id}>
            <span className="sev" data-severity={f.severity}>
              {f.severity}
            </span>{" "}
            {f.message}
          </li>
        ))}
      </ul>
    </details>
  );
}
