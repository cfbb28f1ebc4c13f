"use server";

import { type ActionResult, invalidInput, toActionError } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import { type IncidentNoteView, addIncidentNote } from "@/lib/timeline/incident-view";
import { IncidentNoteInput } from "@/lib/timeline/note-input";

/** An operator's note on an incident (also an event on it, with the author as actor). */
export async function addNote(input: unknown): Promise<ActionResult<IncidentNoteView>> {
  const parsed = IncidentNoteInput.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  try {
    const operator = await requireRole("operator");
    const { clusterId, incidentId, text } = parsed.data;
    return { ok: true, data: await addIncidentNote(clusterId, incidentId, text, operator) };
  } catch (err) {
    return toActionError(err);
  }
}
