"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { incidentPath } from "@/components/timeline/incident-list";
import { EventSeverityPill } from "@/components/timeline/event-severity";
import { When } from "@/components/workflows/time";
import type { ClusterEvent } from "@/lib/timeline/events";

/** Events as rows; `extra` adds a last cell per event (the incident page puts the cluster's state there). */
export function EventTable({
  clusterId,
  events,
  showIncident = true,
  extra,
  extraHead,
}: {
  clusterId: string;
  events: ClusterEvent[];
  showIncident?: boolean;
  extra?: (e: ClusterEvent) => ReactNode;
  extraHead?: string;
}) {
  return (
    <div className="table-scroll">
      <table className="tl-table" data-testid="events">
        <thead>
          <tr>
            <th>When</th>
            <th>Severity</th>
            <th>Tier</th>
            <th>Host</th>
            <th>What happened</th>
            <th>Who</th>
            {showIncident ? <th>Incident</th> : null}
            {extra ? <th>{extraHead}</th> : null}
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} data-testid="event-row" data-kind={e.kind}>
              <td className="wf-nowrap">
                <When at={e.at} />
              </td>
              <td>
                <EventSeverityPill severity={e.severity} />
              </td>
              <td>{e.tier}</td>
              <td>{e.host ?? "—"}</td>
              <td>
                <span className="muted mono tl-kind">{e.kind}</span> {e.message}
              </td>
              <td>{e.actor ?? <span className="muted">console</span>}</td>
              {showIncident ? <td>{e.incidentId === null ? "" : <Link href={incidentPath(clusterId, e.incidentId)}>#{e.incidentId}</Link>}</td> : null}
              {extra ? <td>{extra(e)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
