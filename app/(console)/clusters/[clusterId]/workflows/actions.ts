"use server";

import type { ActionResult } from "@/lib/action-result";
import { authorizedAction } from "@/lib/auth/action";
import { AppError } from "@/lib/errors";
import { RateLimiter } from "@/lib/rate-limit";
import { CancelInput, ResolveInput, RunRef, StartInput, StepRef, WorkflowParams } from "@/lib/workflows/params";
import { ApprovalPolicyInput, type ClusterApprovalPolicy, setClusterPolicy } from "@/lib/workflows/policy";
import * as service from "@/lib/workflows/service";
import type { Plan } from "@/lib/workflows/types";

function paramsOf(kind: keyof typeof WorkflowParams, params: unknown): unknown {
  const parsed = WorkflowParams[kind].safeParse(params);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError("InvalidInput", `${first?.path.join(".") || kind}: ${first?.message ?? "invalid"}`);
  }
  return parsed.data;
}

// A preview runs reads on the hosts (sudo among them): an operator may ask for a few in a row, then one
// every few seconds, so a held-down button or a script cannot turn the console against the hosts.
const previews = new RateLimiter({ burst: 20, intervalMs: 3_000 });

/** The dry run: every step with the exact command per host, and the guards as they stand now. */
export async function previewWorkflow(input: unknown): Promise<ActionResult<Plan>> {
  return authorizedAction("operator", StartInput, input, async (operator, { clusterId, kind, params }) => {
    const wait = previews.take(operator.id);
    if (wait > 0) throw new AppError("RateLimited", `too many previews; check again in ${Math.ceil(wait / 1000)} s`);
    return service.previewWorkflow(clusterId, kind, paramsOf(kind, params), operator);
  });
}

export async function startWorkflow(input: unknown): Promise<ActionResult<{ runId: string }>> {
  return authorizedAction("operator", StartInput, input, async (operator, { clusterId, kind, params, overrides, acknowledged }) => ({
    runId: await service.startWorkflow({ clusterId, kind, params: paramsOf(kind, params), overrides, acknowledged }, operator),
  }));
}

export async function approveStep(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("operator", StepRef, input, async (operator, { runId, step }) => {
    await service.approveStep(runId, step, operator);
    return null;
  });
}

/** Admin: the cluster's approval policy (two-person rule, approval expiry) for runs started from now on. */
export async function setApprovalPolicy(input: unknown): Promise<ActionResult<ClusterApprovalPolicy>> {
  return authorizedAction("admin", ApprovalPolicyInput, input, (operator, data) => setClusterPolicy(data, operator));
}

export async function finishWaitEarly(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("operator", StepRef, input, async (operator, { runId, step }) => {
    await service.finishWaitEarly(runId, step, operator);
    return null;
  });
}

export async function cancelRun(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("operator", CancelInput, input, async (operator, { runId, reason }) => {
    await service.cancelRun(runId, reason, operator);
    return null;
  });
}

/** A run halted in needs-attention: run the interrupted step again and go on. */
export async function retryRun(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("operator", RunRef, input, async (operator, { runId }) => {
    await service.retryRun(runId, operator);
    return null;
  });
}

/** Admin: close a halted run after checking the cluster by hand, releasing the cluster's lock. */
export async function resolveRun(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("admin", ResolveInput, input, async (operator, { runId, reason }) => {
    await service.resolveRun(runId, reason, operator);
    return null;
  });
}
