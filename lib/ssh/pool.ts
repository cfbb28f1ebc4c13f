import "server-only";
import { AppError, errorMessage } from "@/lib/errors";
import type { AuditSink } from "@/lib/ssh/audit";
import { type ConnectionOptions, HostConnection, defaultConnectionOptions } from "@/lib/ssh/connection";
import type { ConnectionStatus, ExecOptions, ExecResult, HostTarget } from "@/lib/ssh/types";

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024;

function targetKey(t: HostTarget): string {
  return `${t.clusterId}/${t.name}`;
}

function targetSignature(t: HostTarget): string {
  return JSON.stringify([t.address, t.port, t.user, t.auth, [...t.hostKeys].sort()]);
}

/** Persistent connections to every host the console knows, one per host, reused by every caller. */
export class SshPool {
  private readonly connections = new Map<string, { signature: string; connection: HostConnection }>();

  constructor(
    private readonly sink: AuditSink,
    private readonly options: ConnectionOptions = defaultConnectionOptions,
  ) {
    options.hostKeys?.onChange((clusterId, host) => this.forget(clusterId, host));
  }

  /** Close a host's connection and forget its backoff: the next call connects at once and judges its key again. */
  forget(clusterId: string, host: string): void {
    const key = `${clusterId}/${host}`;
    this.connections.get(key)?.connection.close();
    this.connections.delete(key);
  }

  /** The connection for a host; replaced when the inventory changed its address, user, key or pins. */
  connection(target: HostTarget): HostConnection {
    const key = targetKey(target);
    const signature = targetSignature(target);
    const existing = this.connections.get(key);
    if (existing && existing.signature === signature) return existing.connection;
    existing?.connection.close();
    const connection = new HostConnection(target, this.options);
    this.connections.set(key, { signature, connection });
    return connection;
  }

  status(target: HostTarget): ConnectionStatus {
    return this.connection(target).getStatus();
  }

  async exec(target: HostTarget, command: string, options: ExecOptions): Promise<ExecResult> {
    const at = new Date();
    const started = performance.now();
    try {
      const raw = await this.connection(target).exec(
        command,
        options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
        options.onOutput,
      );
      const result: ExecResult = { host: target.name, command, ...raw };
      this.sink({
        at,
        clusterId: target.clusterId,
        host: target.name,
        command,
        purpose: options.purpose,
        actor: options.actor ?? null,
        exitCode: result.exitCode,
        outcome: result.outcome,
        durationMs: result.durationMs,
        stdout: result.stdout,
        stderr: result.stderr,
      });
      return result;
    } catch (err) {
      this.sink({
        at,
        clusterId: target.clusterId,
        host: target.name,
        command,
        purpose: options.purpose,
        actor: options.actor ?? null,
        exitCode: null,
        outcome: "error",
        durationMs: Math.round(performance.now() - started),
        error: errorMessage(err),
      });
      throw err instanceof AppError ? err : new AppError("HostUnreachable", `${target.name}: ${errorMessage(err)}`);
    }
  }

  /** Drop connections to hosts no longer in the inventory. */
  retain(targets: HostTarget[]): void {
    const keep = new Set(targets.map(targetKey));
    for (const [key, { connection }] of this.connections) {
      if (!keep.has(key)) {
        connection.close();
        this.connections.delete(key);
      }
    }
  }

  closeAll(): void {
    for (const { connection } of this.connections.values()) connection.close();
    this.connections.clear();
  }
}
