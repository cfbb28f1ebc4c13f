"use server";

import { z } from "zod";
import type { ActionResult } from "@/lib/action-result";
import { authorizedAction } from "@/lib/auth/action";
import { AppError } from "@/lib/errors";
import { acknowledgeFailover } from "@/lib/drills/score";
import { workflowEvent } from "@/lib/workflows/engine";

const AckInput = z.object({ clusterId: z.string().min(1).max(64), markId: z.coerce.number().int().positive() }).strict();

/** An operator has looked at a failover: another drill may now fail that tier over again. */
export async function acknowledgeFailoverAction(input: unknown): Promise<ActionResult<null>> {
  return authorizedAction("operator", AckInput, input, async (operator, { clusterId, markId }) => {
    const mark = await acknowledgeFailover(clusterId, markId, operator.username);
    if (!mark) throw new AppError("NotFound", `no unacknowledged failover ${markId} on ${clusterId}`);
    await workflowEvent({ id: `failover-${markId}`, clusterId, kind: "acknowledge", actor: operator.username }, "workflow.step", "info", `${operator.username} acknowledged the ${mark.tier} failover: ${mark.message}`);
    return null;
  });
}
