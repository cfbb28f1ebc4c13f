import "server-only";
import { z } from "zod";
import type { Operator } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { recordOnEveryCluster } from "@/lib/timeline/console-events";

export const AUDIT_RETENTION_SETTING = "audit.retentionDays";
export const DEFAULT_RETENTION_DAYS = 400;
export const MIN_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = 3650;
const DAY_MS = 86_400_000;
export const AUDIT_PRUNE_EVERY_MS = 3_600_000;

export const AuditRetentionInput = z.object({
  days: z.coerce
    .number({ error: "a whole number of days" })
    .int("a whole number of days")
    .min(MIN_RETENTION_DAYS, `at least ${MIN_RETENTION_DAYS} days`)
    .max(MAX_RETENTION_DAYS, `at most ${MAX_RETENTION_DAYS} days (ten years)`),
});
export type AuditRetentionInput = z.infer<typeof AuditRetentionInput>;

export interface AuditRetention {
  days: number;
  updatedAt: number | null;
  updatedBy: string | null;
}

export async function getAuditRetention(): Promise<AuditRetention> {
  const row = await db.setting.findUnique({ where: { key: AUDIT_RETENTION_SETTING } });
  const stored = row ? AuditRetentionInput.safeParse({ days: row.value }) : null;
  // a hand-edited value outside the bounds falls back to the default rather than pruning too much
  return {
    days: stored?.success ? stored.data.days : DEFAULT_RETENTION_DAYS,
    updatedAt: row?.updatedAt.getTime() ?? null,
    updatedBy: row?.updatedBy ?? null,
  };
}

/** Sets how long command runs and probe summaries are kept; recorded on every cluster's timeline. */
export async function setAuditRetention(days: number, operator: Operator): Promise<AuditRetention> {
  const { days: valid } = AuditRetentionInput.parse({ days });
  const before = await getAuditRetention();
  await db.setting.upsert({
    where: { key: AUDIT_RETENTION_SETTING },
    create: { key: AUDIT_RETENTION_SETTING, value: String(valid), updatedBy: operator.username },
    update: { value: String(valid), updatedBy: operator.username },
  });
  if (before.days !== valid) {
    await recordOnEveryCluster({
      kind: "settings.changed",
      actor: operator.username,
      message: `command audit kept for ${valid} days (was ${before.days})`,
      before: { [AUDIT_RETENTION_SETTING]: before.days },
      after: { [AUDIT_RETENTION_SETTING]: valid },
    });
  }
  return getAuditRetention();
}

/** Deletes a cluster's command runs and probe summaries older than the retention; the only deleter of audit rows. */
export async function pruneAudit(clusterId: string, nowMs: number): Promise<{ commandRuns: number; probeSummaries: number }> {
  const { days } = await getAuditRetention();
  const before = new Date(nowMs - days * DAY_MS);
  const commandRuns = await db.commandRun.deleteMany({ where: { clusterId, at: { lt: before } } });
  const probeSummaries = await db.probeReadSummary.deleteMany({ where: { clusterId, hour: { lt: before } } });
  return { commandRuns: commandRuns.count, probeSummaries: probeSummaries.count };
}

const lastPrunedAt = new Map<string, number>();

/** Prunes at most once an hour per cluster (called from the recorder's housekeeping); true when it ran. */
export async function pruneAuditIfDue(clusterId: string, nowMs: number): Promise<boolean> {
  const last = lastPrunedAt.get(clusterId);
  if (last !== undefined && nowMs - last < AUDIT_PRUNE_EVERY_MS && nowMs >= last) return false;
  lastPrunedAt.set(clusterId, nowMs);
  await pruneAudit(clusterId, nowMs);
  return true;
}
