import { z } from "zod";

export const SignInInput = z.object({
  username: z.string().trim().min(1, "enter your username").max(64, "at most 64 characters"),
  password: z.string().min(1, "enter your password").max(200, "at most 200 characters"),
  next: z
    .string()
    .regex(/^\/(?!\/)[\w\-./?=&%]*$/, "a path on this site")
    .optional()
    .catch(undefined),
});
export type SignInInput = z.infer<typeof SignInInput>;

const Username = z
  .string()
  .trim()
  .min(2, "at least 2 characters")
  .max(64, "at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, dot, dash and underscore, starting with a letter or digit");
const Role = z.enum(["viewer", "operator", "admin"], { message: "viewer, operator or admin" });
const NewPassword = z.string().min(12, "at least 12 characters").max(200, "at most 200 characters");
const UserId = z.string().min(1, "which user?").max(64);

export const AddUserInput = z.object({
  username: Username,
  role: Role,
  /** empty: generate one, shown once */
  password: z.union([z.literal(""), NewPassword]).optional(),
});
export const ChangeRoleInput = z.object({ userId: UserId, role: Role });
export const SetDisabledInput = z.object({ userId: UserId, disabled: z.boolean() });
export const UserRef = z.object({ userId: UserId });
export const ChangePasswordInput = z
  .object({
    current: z.string().min(1, "enter your current password").max(200, "at most 200 characters"),
    next: NewPassword,
    again: z.string().max(200),
  })
  .refine((v) => v.next === v.again, { message: "the two new passwords differ", path: ["again"] });
