import { z } from "zod";

/** http(s) URL, or empty to turn the webhook off. */
export const WebhookUrlInput = z.object({
  url: z
    .string()
    .trim()
    .max(2_000, "at most 2000 characters")
    .refine((s) => s === "" || z.url({ protocol: /^https?$/ }).safeParse(s).success, "an http:// or https:// URL, or empty to turn the webhook off"),
});
export type WebhookUrlInput = z.infer<typeof WebhookUrlInput>;
