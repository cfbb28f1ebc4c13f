import { z } from "zod";

export const IncidentNoteInput = z.object({
  clusterId: z.string().min(1).max(64),
  incidentId: z.coerce.number().int("an incident number").positive("an incident number"),
  text: z.string().trim().min(1, "write the note first").max(4_000, "at most 4000 characters"),
});
export type IncidentNoteInput = z.infer<typeof IncidentNoteInput>;
