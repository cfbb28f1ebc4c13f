import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import { type Operator, SESSION_COOKIE, operatorForToken } from "@/lib/auth/sessions";
import { AppError } from "@/lib/errors";

export async function currentOperator(): Promise<Operator | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return token ? operatorForToken(token) : null;
}

/** For pages: the signed-in operator, or a redirect to the sign-in page. */
export async function requirePageOperator(): Promise<Operator> {
  const operator = await currentOperator();
  if (!operator) redirect("/sign-in");
  return operator;
}

/** For actions and route handlers: the operator, who must hold at least `role`. */
export async function requireRole(role: OperatorRole): Promise<Operator> {
  const operator = await currentOperator();
  if (!operator) throw new AppError("Unauthenticated", "sign in first");
  if (!hasRole(operator.role, role)) {
    throw new AppError("Forbidden", `this needs the ${role} role; ${operator.username} is ${operator.role}`);
  }
  return operator;
}
