import "server-only";
import type { z } from "zod";
import { type ActionResult, invalidInput, toActionError } from "@/lib/action-result";
import { requireRole } from "@/lib/auth/current";
import type { OperatorRole } from "@/lib/auth/roles";
import type { Operator } from "@/lib/auth/sessions";

/**
 * The shape of every server action: the operator's role is checked first (an anonymous or too-junior
 * caller learns nothing about what the input should have been), then the input is validated, then
 * `fn` runs; any error becomes the ActionResult an operator sees.
 */
export async function authorizedAction<S extends z.ZodType, T>(
  role: OperatorRole,
  schema: S,
  input: unknown,
  fn: (operator: Operator, data: z.infer<S>) => Promise<T>,
): Promise<ActionResult<T>> {
  let operator: Operator;
  try {
    operator = await requireRole(role);
  } catch (err) {
    return toActionError(err);
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  try {
    return { ok: true, data: await fn(operator, parsed.data) };
  } catch (err) {
    return toActionError(err);
  }
}
