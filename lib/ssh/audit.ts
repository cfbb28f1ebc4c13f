import "server-only";
import type { ExecPurpose } from "@/lib/ssh/types";

export interface AuditEntry {
  at: Date;
  clusterId: string;
  host: string;
  command: string;
  purpose: ExecPurpose;
  actor: string | null;
  exitCode: number | null;
  outcome: "ok" | "failed" | "timeout" | "error";
  durationMs: number;
  stdout?: string;
  stderr?: string;
  error?: string;
}

export type AuditSink = (entry: AuditEntry) => void;

export function describePurpose(purpose: ExecPurpose): string {
  switch (purpose.kind) {
    case "probe":
      return purpose.probes?.length ? `probe:${purpose.probes.join(",")}` : "probe";
    case "workflow":
      return `workflow:${purpose.runId}:${purpose.step}`;
    case "action":
      return `action:${purpose.name}`;
    case "test":
      return "test";
  }
}

const RECENT_LIMIT = 500;

/** The last few hundred execs of any purpose, for the audit view; routine probes stay here only. */
export class RecentExecs {
  private readonly entries: AuditEntry[] = [];
  record(entry: AuditEntry): void {
    this.entries.push(entry);
    if (this.entries.length > RECENT_LIMIT) this.entries.splice(0, this.entries.length - RECENT_LIMIT);
  }
  list(): readonly AuditEntry[] {
    return this.entries;
  }
}
