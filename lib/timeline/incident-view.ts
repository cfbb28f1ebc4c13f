import "server-only";
import type { Operator } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { type ClusterEvent, incidentEvents } from "@/lib/timeline/events";
import { type IncidentSummary, findIncident } from "@/lib/timeline/incidents";
import { type StateFrame, frameAt, framesBetween } from "@/lib/timeline/state-frames";

export interface IncidentNoteView {
  id: number;
  at: number;
  author: string;
  text: string;
}

/** An incident's page: its events in time order, each with the id of the state frame in force then. */
export interface IncidentView {
  incident: IncidentSummary;
  events: (ClusterEvent & { frameId: number | null })[];
  /** only the frames some event points at */
  frames: StateFrame[];
  notes: IncidentNoteView[];
}

export async function getIncidentView(clusterId: string, id: number): Promise<IncidentView> {
  const incident = await findIncident(clusterId, id);
  if (!incident) throw new AppError("NotFound", `no incident ${id} on cluster "${clusterId}"`);
  const [events, notes] = await Promise.all([
    incidentEvents(id),
    db.incidentNote.findMany({ where: { incidentId: id }, orderBy: [{ at: "asc" }, { id: "asc" }] }),
  ]);
  const lastAt = Math.max(incident.closedAt ?? Date.now(), ...events.map((e) => e.at));
  const frames = await framesBetween(clusterId, Math.min(incident.openedAt, ...events.map((e) => e.at)), lastAt);
  const withFrames = events.map((e) => ({ ...e, frameId: frameAt(frames, e.at)?.id ?? null }));
  const used = new Set(withFrames.map((e) => e.frameId));
  return {
    incident,
    events: withFrames,
    frames: frames.filter((f) => used.has(f.id)),
    notes: notes.map((n) => ({ id: n.id, at: n.at.getTime(), author: n.author, text: n.text })),
  };
}

/** An operator's note on an incident; it is also an event on the incident, with the author as actor. */
export async function addIncidentNote(clusterId: string, id: number, text: string, operator: Operator): Promise<IncidentNoteView> {
  const incident = await findIncident(clusterId, id);
  if (!incident) throw new AppError("NotFound", `no incident ${id} on cluster "${clusterId}"`);
  const at = new Date();
  const [note] = await db.$transaction([
    db.incidentNote.create({ data: { incidentId: id, at, author: operator.username, text } }),
    // written directly, not through recordEvents: the note belongs to this incident even when it is closed
    db.event.create({
      data: {
        at,
        clusterId,
        host: null,
        tier: "operator",
        kind: "incident.note",
        severity: "info",
        message: `note on incident ${id}: ${text.length > 200 ? `${text.slice(0, 199)}…` : text}`,
        after: JSON.stringify({ incident: id }),
        actor: operator.username,
        incidentId: id,
      },
    }),
  ]);
  return { id: note.id, at: note.at.getTime(), author: note.author, text: note.text };
}
