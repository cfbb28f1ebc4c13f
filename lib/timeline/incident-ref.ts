import { AppError } from "@/lib/errors";

/** An incident number from a URL segment, or NotFound. */
export function incidentIdOf(segment: string): number {
  const id = /^\d{1,12}$/.test(segment) ? Number(segment) : Number.NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError("NotFound", `no incident "${segment}"`);
  return id;
}
