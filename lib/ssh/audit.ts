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
export const RECENT_BYTES_LIMIT = 4 * 1024 * 1024;

function sizeOf(entry: AuditEntry): number {
  return entry.command.length + (entry.stdout?.length ?? 0) + (entry.stderr?.length ?? 0) + (entry.error?.length ?? 0);
}

/**
 * The last few hundred execs of any purpose; routine probes stay here only. Bounded in entries and in
 * (UTF-16) characters of output, so a few hosts printing megabytes cannot grow the console's memory.
 */
export class RecentExecs {
  private readonly entries: { entry: AuditEntry; size: number }[] = [];
  private size = 0;

  constructor(
    private readonly maxEntries = RECENT_LIMIT,
    private readonly maxBytes = RECENT_BYTES_LIMIT,
  ) {}

  record(entry: AuditEntry): void {
    // one entry larger than the whole budget keeps its command and its outcome, not its output
    const kept = sizeOf(entry) > this.maxBytes ? { ...entry, stdout: undefined, stderr: undefined, error: entry.error?.slice(0, 1024) } : entry;
    const size = sizeOf(kept);
    this.entries.push({ entry: kept, size });
    this.size += size;
    while (this.entries.length > this.maxEntries || (this.size > this.maxBytes && this.entries.length > 1)) {
      const dropped = this.entries.shift();
      if (dropped) this.size -= dropped.size;
    }
  }

  list(): readonly AuditEntry[] {
    return this.entries.map((e) => e.entry);
  }

  /** characters of command and output held */
  bytes(): number {
    return this.size;
  }
}
