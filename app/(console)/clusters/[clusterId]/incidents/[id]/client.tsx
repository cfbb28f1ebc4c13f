"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useActionState } from "react";
import { addNote } from "@/app/(console)/clusters/[clusterId]/incidents/[id]/actions";
import { EventSeverityPill } from "@/components/timeline/event-severity";
import { EventTable } from "@/components/timeline/event-table";
import { StateThen } from "@/components/timeline/state-then";
import { ActionErrorNote, FieldErrors } from "@/components/workflows/action-error";
import { Elapsed, When } from "@/components/workflows/time";
import type { ActionResult } from "@/lib/action-result";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import { incidentExportUrl, incidentViewQuery } from "@/lib/queries/timeline";
import type { IncidentNoteView } from "@/lib/timeline/incident-view";

export function Client({ clusterId, id, role }: { clusterId: string; id: number; role: OperatorRole }) {
  const view = useQuery(incidentViewQuery(clusterId, id));
  const queryClient = useQueryClient();
  const [result, submit, pending] = useActionState(async (_prev: ActionResult<IncidentNoteView> | null, form: FormData) => {
    const res = await addNote({ clusterId, incidentId: id, text: form.get("text") });
    if (res.ok) await queryClient.invalidateQueries({ queryKey: incidentViewQuery(clusterId, id).queryKey });
    return res;
  }, null);

  if (!view.data) {
    return (
      <main>
        <div className="banner crit" role="alert">
          Could not load incident {id}
          {view.error ? `: ${view.error.message}` : ""}.
        </div>
      </main>
    );
  }
  const { incident, events, frames, notes } = view.data;
  const frameById = new Map(frames.map((f) => [f.id, f]));
  const frameOfEvent = new Map(events.map((e) => [e.id, e.frameId]));
  const error = result && !result.ok ? result.error : null;

  return (
    <main className="tl">
      <div className="page-head">
        <h1 data-testid="incident-title">
          Incident {incident.id}: {incident.title}
        </h1>
        <span className="sub">
          <Link href={`/clusters/${encodeURIComponent(clusterId)}/timeline`}>← Timeline</Link>
        </span>
      </div>

      <section className="panel" aria-label="Summary">
        <dl className="kv">
          <dt>State</dt>
          <dd>
            <span className={`status-pill ${incident.state === "open" ? "tone-crit" : "tone-ok"}`} data-testid="incident-state">
              {incident.state}
            </span>
          </dd>
          <dt>Severity</dt>
          <dd>
            <EventSeverityPill severity={incident.severity} />
          </dd>
          <dt>Opened</dt>
          <dd>
            <When at={incident.openedAt} />
          </dd>
          <dt>Closed</dt>
          <dd>{incident.closedAt === null ? "still open" : <When at={incident.closedAt} />}</dd>
          <dt>Duration</dt>
          <dd data-testid="incident-duration">
            <Elapsed from={incident.openedAt} to={incident.closedAt} />
          </dd>
          <dt>Tiers</dt>
          <dd data-testid="incident-tiers">{incident.tiers.join(", ") || "—"}</dd>
          <dt>Hosts</dt>
          <dd data-testid="incident-hosts">{incident.hosts.join(", ") || "—"}</dd>
          <dt>Webhook</dt>
          <dd>{incident.webhookStatus ?? <span className="muted">not called (no URL set, or not yet)</span>}</dd>
        </dl>
        <p>
          Export for a post-mortem:{" "}
          <a href={incidentExportUrl(clusterId, id, "md")} download data-testid="export-md">
            Markdown
          </a>{" "}
          ·{" "}
          <a href={incidentExportUrl(clusterId, id, "json")} download data-testid="export-json">
            JSON
          </a>
        </p>
      </section>

      <section className="panel" aria-labelledby="inc-findings">
        <h2 id="inc-findings">
          Critical findings seen<span className="count">{incident.findings.length}</span>
        </h2>
        <ul>
          {incident.findings.map((f) => (
            <li key={f.id}>
              <When at={f.firstSeenAt} /> — {f.message} <span className="muted">({f.tier})</span>
            </li>
          ))}
        </ul>
      </section>

      <section className="panel" aria-labelledby="inc-events">
        <h2 id="inc-events">
          What happened<span className="count">{events.length} events, oldest first</span>
        </h2>
        {events.length === 0 ? (
          <p className="empty">No events recorded yet.</p>
        ) : (
          <EventTable
            clusterId={clusterId}
            events={events}
            showIncident={false}
            extraHead="The cluster then"
            extra={(e) => <StateThen frame={frameById.get(frameOfEvent.get(e.id) ?? -1)} />}
          />
        )}
      </section>

      <section className="panel" aria-labelledby="inc-notes">
        <h2 id="inc-notes">
          Notes<span className="count">{notes.length}</span>
        </h2>
        <ul className="tl-notes" data-testid="notes">
          {notes.map((n) => (
            <li key={n.id} data-testid="note">
              <When at={n.at} /> <strong>{n.author}</strong>: <span className="tl-note-text">{n.text}</span>
            </li>
          ))}
        </ul>
        {hasRole(role, "operator") ? (
          <form action={submit} className="tl-note-form">
            <label>
              Add a note
              <textarea name="text" rows={3} maxLength={4000} required data-testid="note-text" />
            </label>
            <FieldErrors messages={error?.fieldErrors?.text} />
            <ActionErrorNote error={error} shownFields={["text"]} testId="note-error" />
            <button type="submit" disabled={pending} data-testid="note-add">
              {pending ? "Adding…" : "Add note"}
            </button>
          </form>
        ) : (
          <p className="muted">Operators can add notes; you are signed in as a viewer.</p>
        )}
      </section>
    </main>
  );
}
