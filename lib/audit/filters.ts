import { z } from "zod";
import { AppError } from "@/lib/errors";

// The audit's filters as they appear in the URL, the JSON API and the export: pure, so the page's
// form and the route handlers read the same keys.

export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_KINDS = ["workflow", "drill", "action", "test"] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
export const AUDIT_OUTCOMES = ["ok", "failed", "timeout", "error"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Dates outside these bounds are typing mistakes (or probes for a 500), not an auditor's range. */
export const EARLIEST_MS = Date.UTC(2000, 0, 1);
export const LATEST_MS = Date.UTC(2200, 0, 1);

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * An ISO 8601 date or date-time (UTC unless it names a zone) or epoch milliseconds. A bare date at the
 * end of a range means the whole of that day, so "to 2026-11-30" includes the 30th.
 */
export function parseAuditDate(text: string, end: boolean): number | null {
  if (/^\d{1,15}$/.test(text)) {
    const ms = Number(text);
    return ms >= EARLIEST_MS && ms <= LATEST_MS ? ms : null;
  }
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const dateOnly = h === undefined;
  const ms = Date.parse(`${y}-${mo}-${d}T${h ?? "00"}:${mi ?? "00"}:${s ?? "00"}.${(frac ?? "0").padEnd(3, "0")}${zone ?? "Z"}`);
  if (!Number.isFinite(ms)) return null;
  // Date.parse rolls 2026-02-31 over into March; a calendar date must read back as itself
  if (!zone && new Date(ms).toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) return null;
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59) return null;
  const at = dateOnly && end ? ms + 86_400_000 - 1 : ms;
  return at >= EARLIEST_MS && at <= LATEST_MS ? at : null;
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `at most ${max} characters`)
    .transform((s) => (s === "" ? undefined : s))
    .optional();

const optionalDate = (end: boolean) =>
  z
    .string()
    .trim()
    .max(40, "a date (ISO 8601)")
    .transform((s, ctx) => {
      if (s === "") return undefined;
      const ms = parseAuditDate(s, end);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: "a date (ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00Z) between the years 2000 and 2200" });
        return z.NEVER;
      }
      return ms;
    })
    .optional();

export interface AuditCursor {
  at: number;
  id: number;
}

/** "<epoch ms>.<id>" of the last row of the previous page. */
const cursor = z
  .string()
  .trim()
  .transform((s, ctx) => {
    if (s === "") return undefined;
    const m = /^(\d{1,15})\.(\d{1,15})$/.exec(s);
    const at = Number(m?.[1]);
    const id = Number(m?.[2]);
    if (!m || at < EARLIEST_MS || at > LATEST_MS || !Number.isSafeInteger(id) || id < 1) {
      ctx.addIssue({ code: "custom", message: "a cursor from a previous page" });
      return z.NEVER;
    }
    return { at, id } satisfies AuditCursor;
  })
  .optional();

const emptyAsUndefined = (v: unknown) => (v === "" ? undefined : v);

export const AuditQuery = z
  .object({
    actor: optionalText(64),
    host: optionalText(64),
    kind: z.preprocess(emptyAsUndefined, z.enum(AUDIT_KINDS).optional()),
    outcome: z.preprocess(emptyAsUndefined, z.enum(AUDIT_OUTCOMES).optional()),
    /** text in the command */
    q: optionalText(200),
    from: optionalDate(false),
    to: optionalDate(true),
    cursor,
    limit: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(200).default(AUDIT_PAGE_SIZE)),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: "the range ends before it starts", path: ["to"] });
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AUDIT_FILTER_KEYS = ["actor", "host", "kind", "outcome", "q", "from", "to", "cursor"] as const;
export type AuditFilterKey = (typeof AUDIT_FILTER_KEYS)[number];
export type AuditFilters = Partial<Record<AuditFilterKey, string>>;

/** The filters from the URL as strings, in one fixed order (for links and the export). */
export function auditFiltersOf(search: URLSearchParams | Record<string, string | string[] | undefined>): AuditFilters {
  const out: AuditFilters = {};
  for (const key of AUDIT_FILTER_KEYS) {
    const raw = search instanceof URLSearchParams ? search.get(key) : search[key];
    const v = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (v) out[key] = v;
  }
  return out;
}

export function auditSearchOf(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const key of AUDIT_FILTER_KEYS) {
    const v = filters[key];
    if (v) params.set(key, v);
  }
  return params.toString();
}

export function cursorText(c: AuditCursor): string {
  return `${c.at}.${c.id}`;
}

/** The query from URL search params, or a 400-class error naming what is wrong. */
export function auditQueryOf(search: URLSearchParams | Record<string, string | string[] | undefined>): AuditQuery {
  const raw: Record<string, string> = {};
  const entries = search instanceof URLSearchParams ? [...search.entries()] : Object.entries(search);
  for (const [key, value] of entries) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v !== undefined) raw[key] = v;
  }
  const parsed = AuditQuery.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
  throw new AppError("InvalidInput", problems);
}
