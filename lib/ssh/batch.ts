import "server-only";
import crypto from "node:crypto";
import { type BatchCommand, type BatchResult, buildBatchScript, parseBatchOutput } from "@/lib/ssh/batch-script";
import type { SshPool } from "@/lib/ssh/pool";
import type { ExecOptions, HostTarget } from "@/lib/ssh/types";

export type { BatchCommand, BatchItemResult, BatchResult } from "@/lib/ssh/batch-script";
export { buildBatchScript, parseBatchOutput } from "@/lib/ssh/batch-script";

export async function execBatch(
  pool: SshPool,
  target: HostTarget,
  commands: readonly BatchCommand[],
  options: ExecOptions,
): Promise<BatchResult> {
  const nonce = crypto.randomBytes(6).toString("hex");
  const script = buildBatchScript(commands, nonce);
  const timeoutMs = options.timeoutMs ?? commands.reduce((sum, c) => sum + (c.timeoutSeconds ?? 5) * 1000, 0) + 2_000;
  const result = await pool.exec(target, script, { ...options, timeoutMs });
  return {
    items: parseBatchOutput(commands, nonce, result.stdout, result.stderr),
    durationMs: result.durationMs,
    truncated: result.truncated,
  };
}
