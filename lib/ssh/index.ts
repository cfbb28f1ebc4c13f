import "server-only";
import { ProbeReadSummarizer } from "@/lib/audit/probe-summary";
import { db } from "@/lib/db";
import { env, secretFromEnv } from "@/lib/env";
import { maskOptional, maskSecrets } from "@/lib/secrets/mask";
import { type AuditEntry, RecentExecs, describePurpose } from "@/lib/ssh/audit";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { hostKeyTrust } from "@/lib/ssh/host-keys";
import { SshPool } from "@/lib/ssh/pool";

export { execBatch } from "@/lib/ssh/batch";
export { targetOf } from "@/lib/ssh/target";
export type { ExecOptions, ExecResult, HostTarget } from "@/lib/ssh/types";

const AUDIT_OUTPUT_LIMIT = 64 * 1024;

function persist(entry: AuditEntry): void {
  db.commandRun
    .create({
      data: {
        at: entry.at,
        clusterId: entry.clusterId,
        host: entry.host,
        command: maskSecrets(entry.command),
        purpose: describePurpose(entry.purpose),
        actor: entry.actor,
        exitCode: entry.exitCode,
        outcome: entry.outcome,
        durationMs: Math.round(entry.durationMs),
        stdout: maskOptional(entry.stdout)?.slice(0, AUDIT_OUTPUT_LIMIT),
        stderr: maskOptional(entry.stderr)?.slice(0, AUDIT_OUTPUT_LIMIT),
        error: maskOptional(entry.error),
      },
    })
    .catch((err: unknown) => console.error("[audit] could not record a command run:", err));
}

interface SshGlobals {
  pool: SshPool;
  recent: RecentExecs;
}

const g = globalThis as unknown as { clusterdeckSsh?: SshGlobals };

function globals(): SshGlobals {
  if (!g.clusterdeckSsh) {
    const recent = new RecentExecs();
    const probeReads = new ProbeReadSummarizer();
    const pool = new SshPool(
      (entry) => {
        recent.record(entry);
        // Routine polling is only counted per host and hour; anything done for a person or a workflow is kept.
        if (entry.purpose.kind !== "probe") persist(entry);
        else probeReads.record(entry);
      },
      { ...defaultConnectionOptions, resolveSecret: secretFromEnv, agentSocket: env().SSH_AUTH_SOCK, hostKeys: hostKeyTrust() },
    );
    g.clusterdeckSsh = { pool, recent };
  }
  return g.clusterdeckSsh;
}

export function sshPool(): SshPool {
  return globals().pool;
}

export function recentExecs(): RecentExecs {
  return globals().recent;
}

