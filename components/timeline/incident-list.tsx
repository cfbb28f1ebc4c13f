"use client";

import Link from "next/link";
import { EventSeverityPill } from "@/components/timeline/event-severity";
import { Elapsed, When } from "@/components/workflows/time";
import type { IncidentSummary } from "@/lib/timeline/incidents";

export function incidentPath(clusterId: string, id: number): string {
  return `/clusters/${encodeURIComponent(clusterId)}/incidents/${id}`;
}

/** Open incidents on top, then the latest closed ones. */
export function IncidentList({ clusterId, incidents }: { clusterId: string; incidents: IncidentSummary[] }) {
  return (
    <section className="panel" aria-labelledby="tl-incidents-title" data-testid="incidents">
      <h2 id="tl-incidents-title">
        Incidents<span className="count">{incidents.filter((i) => i.state === "open").length} open</span>
      </h2>
      {incidents.length === 0 ? (
        <p className="empty">No incident yet: one opens when a critical finding appears, and closes 15 s after the last one clears.</p>
      ) : (
        <div className="table-scroll">
          <table className="tl-table">
            <thead>
              <tr>
                <th>#</th>
                <th>State</th>
                <th>Severity</th>
                <th>What opened it</th>
                <th>Opened</th>
                <th>Duration</th>
                <th>Tiers</th>
                <th>Hosts</th>
              </tr>
            </thead>
            <tbody>
              {incidents.map((i) => (
                <tr key={i.id} data-testid="incident-row" data-state={i.state}>
                  <td className="mono">{i.id}</td>
                  <td>
                    <span className={`status-pill ${i.state === "open" ? "tone-crit" : "tone-ok"}`}>{i.state}</span>
                  </td>
                  <td>
                    <EventSeverityPill severity={i.severity} />
                  </td>
                  <td>
                    <Link href={incidentPath(clusterId, i.id)} data-testid="incident-link">
                      {i.title}
                    </Link>
                  </td>
                  <td className="wf-nowrap">
                    <When at={i.openedAt} />
                  </td>
                  <td className="wf-nowrap">
                    <Elapsed from={i.openedAt} to={i.closedAt} />
                  </td>
                  <td>{i.tiers.join(", ")}</td>
                  <td>{i.hosts.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
