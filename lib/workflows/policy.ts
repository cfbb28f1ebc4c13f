import "server-only";
import { z } from "zod";
import type { Operator } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { getCluster } from "@/lib/inventory";
import { recordEvents } from "@/lib/timeline/events";

/**
 * A cluster's approval policy: whether a workflow's approvals need a second operator (the two-person
 * rule), and how long an approval step waits before it expires and the run is stopped. A run takes
 * the policy in force when it starts (see ApprovalPolicy in the run's state) and keeps it.
 */

export const APPROVAL_TTL_MINUTES = { min: 5, max: 1440, default: 60 } as const;

export const ApprovalPolicyInput = z.object({
  clusterId: z.string().min(1).max(100),
  twoPersonRule: z.boolean(),
  approvalTtlMinutes: z.coerce
    .number()
    .int("whole minutes")
    .min(APPROVAL_TTL_MINUTES.min, `at least ${APPROVAL_TTL_MINUTES.min} minutes`)
    .max(APPROVAL_TTL_MINUTES.max, `at most ${APPROVAL_TTL_MINUTES.max} minutes (a day)`),
});
export type ApprovalPolicyInput = z.infer<typeof ApprovalPolicyInput>;

export interface ApprovalPolicy {
  twoPersonRule: boolean;
  approvalTtlMinutes: number;
}

export interface ClusterApprovalPolicy extends ApprovalPolicy {
  clusterId: string;
  updatedBy: string | null;
  updatedAt: number | null;
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = { twoPersonRule: false, approvalTtlMinutes: APPROVAL_TTL_MINUTES.default };

export async function getClusterPolicy(clusterId: string): Promise<ClusterApprovalPolicy> {
  const row = await db.clusterPolicy.findUnique({ where: { clusterId } });
  if (!row) return { clusterId, ...DEFAULT_APPROVAL_POLICY, updatedBy: null, updatedAt: null };
  return { clusterId, twoPersonRule: row.twoPersonRule, approvalTtlMinutes: row.approvalTtlMinutes, updatedBy: row.updatedBy, updatedAt: row.updatedAt.getTime() };
}

function describePolicy(p: ApprovalPolicy): string {
  return `two-person rule ${p.twoPersonRule ? "on" : "off"}, approvals expire after ${p.approvalTtlMinutes} min`;
}

/** Set a cluster's policy (the caller has checked the admin role); a change is recorded on its timeline. */
export async function setClusterPolicy(input: ApprovalPolicyInput, operator: Operator): Promise<ClusterApprovalPolicy> {
  getCluster(input.clusterId);
  const before = await getClusterPolicy(input.clusterId);
  const data = { twoPersonRule: input.twoPersonRule, approvalTtlMinutes: input.approvalTtlMinutes, updatedBy: operator.username };
  await db.clusterPolicy.upsert({ where: { clusterId: input.clusterId }, create: { clusterId: input.clusterId, ...data }, update: data });
  if (before.twoPersonRule !== input.twoPersonRule || before.approvalTtlMinutes !== input.approvalTtlMinutes) {
    await recordEvents([
      {
        at: Date.now(),
        clusterId: input.clusterId,
        host: null,
        tier: "operator",
        kind: "policy.changed",
        severity: "info",
        message: `${operator.username} set the approval policy: ${describePolicy(input)} (was: ${describePolicy(before)}); runs already started keep theirs`,
        before: { twoPersonRule: before.twoPersonRule, approvalTtlMinutes: before.approvalTtlMinutes },
        after: { twoPersonRule: input.twoPersonRule, approvalTtlMinutes: input.approvalTtlMinutes },
        actor: operator.username,
      },
    ]);
  }
  return getClusterPolicy(input.clusterId);
}

const RunStatePolicy = z.object({ approvalPolicy: z.object({ twoPersonRule: z.boolean(), approvalTtlMinutes: z.number().int().positive() }) });

/** The policy a run took when it started (kept in its state JSON); a run from before policies gets the cluster's current one. */
export async function runApprovalPolicy(run: { clusterId: string; state: string }): Promise<ApprovalPolicy & { captured: boolean }> {
  let state: unknown = null;
  try {
    state = JSON.parse(run.state);
  } catch {
    // unreadable state: fall back to the cluster's policy
  }
  const p = RunStatePolicy.safeParse(state);
  if (p.success) return { ...p.data.approvalPolicy, captured: true };
  const current = await getClusterPolicy(run.clusterId);
  return { twoPersonRule: current.twoPersonRule, approvalTtlMinutes: current.approvalTtlMinutes, captured: false };
}


/** "2026-12-04 05:30:12 UTC": an approval's deadline as the run page, the outcome and refusals say it */
export function deadlineText(at: Date | number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
