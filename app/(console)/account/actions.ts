"use server";

import { type ActionResult, invalidInput, toActionError } from "@/lib/action-result";
import { currentToken, requireSignedIn } from "@/lib/auth/current";
import { ChangePasswordInput } from "@/lib/auth/schemas";
import { changeOwnPassword } from "@/lib/auth/users";

/** Any signed-in user, even one who must change their password (this is how they do it); this session stays, the others end. */
export async function changePassword(input: unknown): Promise<ActionResult<null>> {
  try {
    const operator = await requireSignedIn();
    const parsed = ChangePasswordInput.safeParse(input);
    if (!parsed.success) return invalidInput(parsed.error);
    await changeOwnPassword(operator, parsed.data.current, parsed.data.next, (await currentToken()) ?? undefined);
    return { ok: true, data: null };
  } catch (err) {
    return toActionError(err);
  }
}
