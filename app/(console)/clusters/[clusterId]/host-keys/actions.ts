"use server";

import { z } from "zod";
import type { ActionResult } from "@/lib/action-result";
import { authorizedAction } from "@/lib/auth/action";
import { type HostKeyDecisionRecord, acceptHostKey, rejectHostKey, revokeHostKey, trustOnFirstUse } from "@/lib/ssh/host-keys";

const Fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "an OpenSSH fingerprint like SHA256:<43 base64 characters>");
const Reason = z.string().trim().min(3, "say why, in at least 3 characters").max(500, "at most 500 characters");
const ClusterId = z.string().min(1).max(64);
const HostName = z.string().min(1).max(64);

const HostKeyChoiceInput = z.object({ clusterId: ClusterId, host: HostName, fingerprint: Fingerprint, reason: Reason }).strict();

const RevokeHostKeyInput = z.object({ clusterId: ClusterId, host: HostName, decisionId: z.coerce.number().int().positive(), reason: Reason }).strict();

const FirstUseInput = z
  .object({ clusterId: ClusterId, keys: z.array(z.object({ host: HostName, fingerprint: Fingerprint }).strict()).min(1).max(200), reason: Reason })
  .strict();

/** Admin: trust the key a host offers now, the exact one shown, after checking it on the host. */
export async function acceptHostKeyAction(input: unknown): Promise<ActionResult<HostKeyDecisionRecord>> {
  return authorizedAction("admin", HostKeyChoiceInput, input, (operator, choice) => acceptHostKey(choice, operator));
}

/** Admin: refuse a key for good. */
export async function rejectHostKeyAction(input: unknown): Promise<ActionResult<HostKeyDecisionRecord>> {
  return authorizedAction("admin", HostKeyChoiceInput, input, (operator, choice) => rejectHostKey(choice, operator));
}

/** Admin: withdraw a key the console accepted. */
export async function revokeHostKeyAction(input: unknown): Promise<ActionResult<HostKeyDecisionRecord>> {
  return authorizedAction("admin", RevokeHostKeyInput, input, (operator, data) => revokeHostKey(data, operator));
}

/** Admin: a brand-new cluster's first trust, every offered key listed. */
export async function trustOnFirstUseAction(input: unknown): Promise<ActionResult<HostKeyDecisionRecord[]>> {
  return authorizedAction("admin", FirstUseInput, input, (operator, data) => trustOnFirstUse(data, operator));
}
