import { z } from "zod";
import { EVENT_SEVERITIES, EVENT_TIERS } from "@/lib/cluster/transitions";

/** How far back one page of a search or a multi-filter query looks before it answers (see timeline-query.ts). */
export const SCAN_BUDGET = 50_000;
export const TIMELINE_PAGE_SIZE = 50;

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `at most ${max} characters`)
    .transform((s) => (s === "" ? undefined : s))
    .optional();

/** The last millisecond of year 9999: later dates are not dates a database or a person means. */
export const MAX_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
/** Row ids are 32-bit integers (Prisma's Int). */
const MAX_ROW_ID = 2 ** 31 - 1;

const optionalDate = z
  .string()
  .trim()
  .max(40, "a date (ISO 8601) or epoch milliseconds")
  .transform((s, ctx) => {
    if (s === "") return undefined;
    // digits, or ISO 8601 as a form or a person writes it: Date.parse alone takes "-1" or "May 3" too
    const ms = /^\d{1,16}$/.test(s) ? Number(s) : ISO_DATE.test(s) ? Date.parse(s) : Number.NaN;
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DATE_MS) {
      ctx.addIssue({ code: "custom", message: "a date (ISO 8601) or epoch milliseconds, from 1970 to 9999" });
      return z.NEVER;
    }
    return ms;
  })
  .optional();

/** The timeline's filters as they appear in the URL and the events API's query string. */
export const EventQuery = z
  .object({
    tier: z.enum(EVENT_TIERS).optional(),
    host: optionalText(64),
    /** one or more, comma-separated: "warning,critical" */
    severity: z
      .string()
      .transform((s) => [...new Set(s.split(",").map((x) => x.trim()).filter(Boolean))])
      .pipe(z.array(z.enum(EVENT_SEVERITIES)))
      .transform((list) => (list.length === 0 || list.length === EVENT_SEVERITIES.length ? undefined : list))
      .optional(),
    kind: optionalText(64).pipe(z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/, "an event kind like host.unreachable").optional()),
    from: optionalDate,
    to: optionalDate,
    q: optionalText(100),
    /** "<epoch ms>.<id>" of the last event of the previous page */
    cursor: z
      .string()
      .regex(/^\d{1,16}\.\d{1,10}$/, "a cursor from a previous page")
      .refine((c) => {
        const [at, id] = c.split(".").map(Number);
        return at !== undefined && id !== undefined && at <= MAX_DATE_MS && id <= MAX_ROW_ID;
      }, "a cursor from a previous page")
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(TIMELINE_PAGE_SIZE),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: "the range ends before it starts", path: ["to"] });
export type EventQuery = z.infer<typeof EventQuery>;

export interface Cursor {
  at: number;
  id: number;
}

export function cursorOf(text: string | undefined): Cursor | null {
  if (!text) return null;
  const [at, id] = text.split(".").map(Number);
  return at === undefined || id === undefined ? null : { at, id };
}

export function cursorText(c: Cursor): string {
  return `${c.at}.${c.id}`;
}

/** The query string of a filter set (for links and the API), without empty values. */
export function eventQueryString(q: Partial<Record<keyof EventQuery, string | number | string[] | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(q)) {
    if (value === undefined || value === "") continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  return params.toString();
}

/** The query from URL search params (all strings), as a page or route handler receives them. */
export function parseEventQuery(search: URLSearchParams | Record<string, string | string[] | undefined>) {
  const raw: Record<string, string> = {};
  const entries = search instanceof URLSearchParams ? [...search.entries()] : Object.entries(search);
  for (const [key, value] of entries) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v !== undefined) raw[key] = v;
  }
  return EventQuery.safeParse(raw);
}
