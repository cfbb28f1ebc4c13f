import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import { type Operator, SESSION_COOKIE, operatorForToken } from "@/lib/auth/sessions";
import { AppError } from "@/lib/errors";

/** The session cookie's token, if any. */
export async function currentToken(): Promise<string | null> {
  return (await cookies()).get(SESSION_COOKIE)?.value ?? null;
}

/**
 * The signed-in operator. `touch`: this request is a person's (a page load, an action), which keeps the
 * session from its idle timeout; background polling of /api/** does not.
 */
export async function currentOperator({ touch = false }: { touch?: boolean } = {}): Promise<Operator | null> {
  const token = await currentToken();
  return token ? operatorForToken(token, { touch }) : null;
}

/** A server action's request carries Next's `next-action` header; a route handler's GET (the polling) does not. */
async function isAction(): Promise<boolean> {
  return (await headers()).has("next-action");
}

/** For pages: the signed-in operator, or a redirect to the sign-in page. A page load counts as activity. */
export async function requirePageOperator(): Promise<Operator> {
  const operator = await currentOperator({ touch: true });
  if (!operator) redirect("/sign-in");
  return operator;
}

/** For the password change only: any signed-in operator, even one who must change their password first. */
export async function requireSignedIn(): Promise<Operator> {
  const operator = await currentOperator({ touch: await isAction() });
  if (!operator) throw new AppError("Unauthenticated", "sign in first");
  return operator;
}

/** For actions and route handlers: the operator, who must hold at least `role` and have no password change pending. */
export async function requireRole(role: OperatorRole): Promise<Operator> {
  const operator = await requireSignedIn();
  if (operator.mustChangePassword) throw new AppError("Forbidden", "change your password first");
  if (!hasRole(operator.role, role)) {
    throw new AppError("Forbidden", `this needs the ${role} role; ${operator.username} is ${operator.role}`);
  }
  return operator;
}
