import { AppError } from "@/lib/errors";

/** An incident number from a URL segment, or NotFound. */
export function incidentIdOf(segment: string): number {
  const id = /^\d{1,10}$/.test(segment) ? Number(segment) : Number.NaN;
  // ids are Prisma Ints (32-bit): a larger number cannot name a row and must not reach the query
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2 ** 31 - 1) throw new AppError("NotFound", `no incident "${segment}"`);
  return id;
}
