export type ExecPurpose =
  | { kind: "probe"; probes?: string[] }
  | { kind: "workflow"; runId: string; step: string }
  | { kind: "action"; name: string }
  | { kind: "test" };

export interface ExecOptions {
  timeoutMs?: number;
  /** bytes kept of stdout and of stderr each; the rest is dropped and `truncated` set */
  maxOutputBytes?: number;
  purpose: ExecPurpose;
  /** username of the operator who caused it, if any */
  actor?: string;
  /** called with each chunk of output as it arrives (live views of long commands) */
  onOutput?: (stream: "stdout" | "stderr", chunk: string) => void;
}

export type ExecOutcome = "ok" | "failed" | "timeout";

export interface ExecResult {
  host: string;
  command: string;
  stdout: string;
  stderr: string;
  /** null when the command was killed by a signal or timed out */
  exitCode: number | null;
  signal: string | null;
  outcome: ExecOutcome;
  durationMs: number;
  truncated: boolean;
}

export interface HostTarget {
  clusterId: string;
  name: string;
  address: string;
  port: number;
  user: string;
  auth: { keyFile: string; passphraseEnv?: string } | { agent: true };
  hostKeys: string[];
}

export type ConnectionState = "idle" | "connecting" | "ready" | "backoff" | "rejected";

export interface ConnectionStatus {
  state: ConnectionState;
  lastError: string | null;
  /** the key the host offered when it was refused (unknown or changed) */
  offeredFingerprint: string | null;
  connectedSince: number | null;
  retryAt: number | null;
  failures: number;
}
