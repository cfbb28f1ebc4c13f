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
