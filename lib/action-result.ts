import type { z } from "zod";
import { AppError, type ErrorCode, errorMessage, httpStatus } from "@/lib/errors";

export interface ActionError {
  code: ErrorCode;
  message: string;
  fieldErrors?: Record<string, string[]>;
}

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ActionError };

export function invalidInput(error: z.ZodError): { ok: false; error: ActionError } {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    (fieldErrors[key] ??= []).push(issue.message);
  }
  return { ok: false, error: { code: "InvalidInput", message: "please correct the highlighted fields", fieldErrors } };
}

/** The one place an error becomes what an operator sees. Unknown errors are logged, not leaked. */
export function toActionError(err: unknown): { ok: false; error: ActionError } {
  if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message } };
  console.error("[action] unexpected error:", err);
  return { ok: false, error: { code: "Internal", message: "something went wrong; the server log has the details" } };
}

export function errorResponse(err: unknown): Response {
  const { error } = toActionError(err);
  return Response.json({ error }, { status: httpStatus[error.code] });
}

export { errorMessage };
