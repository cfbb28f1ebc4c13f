import type { Role } from "@/lib/inventory/schema";
import type { Parsed } from "@/lib/probes/types";
import type { ConnectionStatus } from "@/lib/ssh/types";

/** One probe's latest reading on one host. A failed command is kept apart from unreadable output. */
export interface ProbeReading {
  /** when the answer arrived */
  at: number;
  /** when the batch that carried it was sent (clock offsets compare against this) */
  sentAt: number;
  result:
    | Parsed<unknown>
    | { ok: false; error: "failed"; exitCode: number | null; stderr: string }
    | { ok: false; error: "timeout" | "missing"; stderr: string };
  /** the reading before this one, when it was read: counters (Apache's Total Accesses) become rates */
  previous?: { at: number; value: unknown };
}

export interface HostSnapshot {
  name: string;
  role: Role;
  server: string;
  address: string;
  port: number;
  clusterAddress: string | null;
  /** the last attempt reached the host and ran the probes */
  reachable: boolean;
  /** no successful read within the cluster's staleAfterSeconds */
  stale: boolean;
  /** still counted as answering, but the poll in flight is overdue: a frozen VM shows here before the exec timeout says "not answering" */
  late?: boolean;
  error: string | null;
  lastSeenAt: number | null;
  lastAttemptAt: number | null;
  /** how long the last batch took, start to finish */
  latencyMs: number | null;
  connection: ConnectionStatus;
  readings: Record<string, ProbeReading>;
}

export interface ClusterSnapshot {
  clusterId: string;
  takenAt: number;
  hosts: HostSnapshot[];
}

export function readingValue<T>(host: HostSnapshot | undefined, probe: string): T | null {
  const reading = host?.readings[probe];
  if (!reading || !reading.result.ok) return null;
  // Readings under a probe's name are only ever written from that probe's parser.
  return (reading.result as { ok: true; value: unknown }).value as T;
}

/** The reading before the latest one, with when it arrived (a counter's earlier sample). */
export function previousValue<T>(host: HostSnapshot | undefined, probe: string): { at: number; value: T } | null {
  const previous = host?.readings[probe]?.previous;
  // Kept by the collector from the same probe's parsed reading.
  return previous ? { at: previous.at, value: previous.value as T } : null;
}
