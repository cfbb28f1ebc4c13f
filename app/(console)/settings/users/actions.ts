"use server";

import { revalidatePath } from "next/cache";
import type { ActionResult } from "@/lib/action-result";
import { authorizedAction } from "@/lib/auth/action";
import { AddUserInput, ChangeRoleInput, SetDisabledInput, UserRef } from "@/lib/auth/schemas";
import * as users from "@/lib/auth/users";

// Admin only: the role is checked first, then the input, then one function of lib/auth/users runs.

export async function addUser(input: unknown): Promise<ActionResult<{ username: string; generatedPassword: string | null }>> {
  return authorizedAction("admin", AddUserInput, input, async (admin, data) => {
    const { generatedPassword } = await users.addUser(admin, { username: data.username, role: data.role, password: data.password || undefined });
    revalidatePath("/settings/users");
    return { username: data.username, generatedPassword };
  });
}

export async function changeRole(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("admin", ChangeRoleInput, input, async (admin, data) => {
    await users.changeRole(admin, data.userId, data.role);
    revalidatePath("/settings/users");
    return null;
  });
}

export async function setDisabled(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("admin", SetDisabledInput, input, async (admin, data) => {
    await users.setDisabled(admin, data.userId, data.disabled);
    revalidatePath("/settings/users");
    return null;
  });
}

export async function deleteUser(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("admin", UserRef, input, async (admin, data) => {
    await users.deleteUser(admin, data.userId);
    revalidatePath("/settings/users");
    return null;
  });
}

/** The one-time password comes back once, to this admin's browser only; it is in no log or event. */
export async function resetPassword(input: unknown): Promise<ActionResult<{ username: string; password: string }>> {
  return authorizedAction("admin", UserRef, input, async (admin, data) => {
    const reset = await users.resetPassword(admin, data.userId);
    revalidatePath("/settings/users");
    return reset;
  });
}
