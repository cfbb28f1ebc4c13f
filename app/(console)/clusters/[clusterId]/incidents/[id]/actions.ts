"use server";

import type { ActionResult } from "@/lib/action-result";
import { authorizedAction } from "@/lib/auth/action";
import { type IncidentNoteView, addIncidentNote } from "@/lib/timeline/incident-view";
import { IncidentNoteInput } from "@/lib/timeline/note-input";

/** An operator's note on an incident (also an event on it, with the author as actor). */
export async function addNote(input: unknown): Promise<ActionResult<IncidentNoteView>> {
  return authorizedAction("operator", IncidentNoteInput, input, (operator, { clusterId, incidentId, text }) =>
    addIncidentNote(clusterId, incidentId, text, operator),
  );
}
