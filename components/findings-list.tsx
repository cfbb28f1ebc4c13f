import { SeverityPill } from "@/components/severity-pill";
import type { Finding } from "@/lib/cluster/findings-types";
import { sortFindings } from "@/lib/cluster/view-helpers";

/** Findings, critical first. `empty` is what to say when there are none. */
export function FindingsList({ findings, empty = "Nothing to report.", title = "Findings" }: { findings: readonly Finding[]; empty?: string; title?: string }) {
  const sorted = sortFindings(findings);
  const problems = sorted.filter((f) => f.severity !== "ok").length;
  return (
    <section className="panel findings-panel" aria-label={title}>
      <h2>
        {title}
        <span className="count">{problems === 0 ? "none open" : `${problems} open`}</span>
      </h2>
      {sorted.length === 0 ? (
        <p className="muted empty">{empty}</p>
      ) : (
        <ul className="findings" data-testid="findings">
          {sorted.map((f) => (
            <li key={f.id} data-rule={f.rule} data-component={f.component} data-severity={f.severity} data-testid={`finding-${f.rule}-${f.component}`}>
              <SeverityPill severity={f.severity} />
              <span className="finding-tier">{f.tier}</span>
              <span className="finding-component mono">{f.component}</span>
              <span className="finding-message">{f.message}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
