"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { type ActionResult, invalidInput, toActionError } from "@/lib/action-result";
import { clientAddress } from "@/lib/auth/address";
import { SignInInput } from "@/lib/auth/schemas";
import { SESSION_COOKIE, createSession } from "@/lib/auth/sessions";
import { authenticate } from "@/lib/auth/users";
import { cookieSecure, env } from "@/lib/env";

export async function signIn(_prev: ActionResult<null> | null, form: FormData): Promise<ActionResult<null>> {
  const input = SignInInput.safeParse({
    username: form.get("username") ?? "",
    password: form.get("password") ?? "",
    next: form.get("next") || undefined,
  });
  if (!input.success) return invalidInput(input.error);
  let destination: string;
  try {
    const h = await headers();
    const user = await authenticate(input.data.username, input.data.password, clientAddress(h, env().CLUSTERDECK_TRUST_PROXY === "1"));
    const { token, expiresAt } = await createSession(user.id, h.get("user-agent"));
    (await cookies()).set(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "lax",
      secure: cookieSecure(),
      path: "/",
      expires: expiresAt,
    });
    destination = input.data.next ?? "/";
  } catch (err) {
    return toActionError(err);
  }
  redirect(destination);
}
