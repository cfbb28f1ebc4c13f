import "server-only";
import fs from "node:fs";
import net from "node:net";
import ssh2, { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { AppError, errorMessage } from "@/lib/errors";
import { fingerprintOf } from "@/lib/ssh/fingerprint";
import type { ConnectionStatus, ExecOutcome, HostTarget } from "@/lib/ssh/types";

export interface ConnectionOptions {
  /** TCP connect plus SSH handshake and authentication */
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** concurrent exec channels per host; OpenSSH allows 10 by default (MaxSessions) */
  maxConcurrent: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  resolveSecret: (name: string) => string | undefined;
  agentSocket?: string;
  /** which host keys to trust beyond the inventory's pins (lib/ssh/host-keys.ts); the pins alone without it */
  hostKeys?: HostKeyPolicy;
}

/** The trusted keys of a host, and what to tell when it offers another or is let in. */
export interface HostKeyPolicy {
  trustedKeys(target: HostTarget): Promise<readonly string[]>;
  refused(target: HostTarget, offeredFingerprint: string, trusted: readonly string[]): void;
  connected(target: HostTarget): void;
  /** the pool forgets a host's connection when its trusted keys change, so the next handshake is judged again */
  onChange(listener: (clusterId: string, host: string) => void): void;
}

const pinsOnly = (target: HostTarget): Promise<readonly string[]> => Promise.resolve(target.hostKeys);

export const defaultConnectionOptions: ConnectionOptions = {
  connectTimeoutMs: 5_000,
  keepaliveIntervalMs: 2_000,
  keepaliveCountMax: 3,
  maxConcurrent: 4,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  resolveSecret: () => undefined,
};

export interface RawExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  outcome: ExecOutcome;
  durationMs: number;
  truncated: boolean;
}

const CHANNEL_OPEN_RETRIES = 3;

class ChannelOpenTimeout extends Error {}

/**
 * One persistent SSH connection to one host: opened lazily, kept alive, reopened after a drop,
 * with exponential backoff while the host keeps failing. Host keys are pinned.
 */
export class HostConnection {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  private closed = false;
  private status: ConnectionStatus = {
    state: "idle",
    lastError: null,
    offeredFingerprint: null,
    connectedSince: null,
    retryAt: null,
    failures: 0,
  };

  constructor(
    readonly target: HostTarget,
    private readonly options: ConnectionOptions = defaultConnectionOptions,
  ) {}

  getStatus(): ConnectionStatus {
    return { ...this.status };
  }

  async exec(command: string, timeoutMs: number, maxOutputBytes: number, onOutput?: OutputListener): Promise<RawExecResult> {
    await this.acquire();
    try {
      const client = await this.connect();
      const started = performance.now();
      const deadline = started + timeoutMs;
      return await this.openExec(client, command, deadline, (channel) =>
        collect(client, channel, Math.max(1, deadline - performance.now()), maxOutputBytes, started, this.target.name, onOutput),
      );
    } finally {
      this.release();
    }
  }

  close(): void {
    this.closed = true;
    this.client?.end();
    this.client = null;
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.maxConcurrent) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }

  private connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new AppError("HostUnreachable", `${this.target.name}: connection closed`));
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    const { retryAt } = this.status;
    if (retryAt !== null && Date.now() < retryAt) {
      const seconds = Math.ceil((retryAt - Date.now()) / 1000);
      const code = this.status.state === "rejected" ? "HostKeyRejected" : "HostUnreachable";
      return Promise.reject(
        new AppError(code, `${this.status.lastError ?? "unreachable"} (next attempt in ${seconds} s)`, {
          offeredFingerprint: this.status.offeredFingerprint,
        }),
      );
    }
    this.status.state = "connecting";
    this.connecting = this.open().then(
      (client) => {
        this.connecting = null;
        this.client = client;
        this.options.hostKeys?.connected(this.target);
        this.status = {
          state: "ready",
          lastError: null,
          offeredFingerprint: null,
          connectedSince: Date.now(),
          retryAt: null,
          failures: 0,
        };
        return client;
      },
      (err: unknown) => {
        this.connecting = null;
        const failures = this.status.failures + 1;
        const delay = Math.min(this.options.backoffInitialMs * 2 ** (failures - 1), this.options.backoffMaxMs);
        const rejected = err instanceof AppError && err.code === "HostKeyRejected";
        this.status = {
          state: rejected ? "rejected" : "backoff",
          lastError: errorMessage(err),
          offeredFingerprint: rejected ? String(err.details?.offeredFingerprint ?? "") || null : null,
          connectedSince: null,
          retryAt: Date.now() + delay,
          failures,
        };
        throw err;
      },
    );
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const { target, options } = this;
    const where = `${target.name} (${target.address}:${target.port})`;
    const deadline = Date.now() + options.connectTimeoutMs;
    const sock = await connectSocket(target.address, target.port, options.connectTimeoutMs, where);
    const auth = this.authConfig();
    return new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let offered: string | null = null;
      let trusted: readonly string[] = target.hostKeys;
      let trustUnreadable: string | null = null;
      let settled = false;
      const fail = (err: AppError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.destroy();
        sock.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new AppError("HostUnreachable", `${where}: no SSH answer within ${options.connectTimeoutMs} ms`)),
        Math.max(1, deadline - Date.now()),
      );
      client.on("ready", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(client);
      });
      client.on("error", (err) => {
        if (trustUnreadable !== null) {
          fail(new AppError("HostUnreachable", `${where}: the trusted host keys could not be read (${trustUnreadable})`));
          return;
        }
        if (offered !== null && !trusted.includes(offered)) {
          const known = trusted.length === 0 ? "no key is pinned or accepted for it" : "it does not match the pinned key";
          options.hostKeys?.refused(target, offered, trusted);
          fail(
            new AppError("HostKeyRejected", `${where} offered host key ${offered}: ${known}`, {
              offeredFingerprint: offered,
            }),
          );
          return;
        }
        fail(new AppError("HostUnreachable", `${where}: ${err.message}`));
      });
      client.on("close", () => {
        if (this.client === client) {
          this.client = null;
          this.status.state = "idle";
          this.status.connectedSince = null;
        }
        if (!settled) fail(new AppError("HostUnreachable", `${where}: connection closed during handshake`));
      });
      client.connect({
        sock,
        username: target.user,
        ...auth,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs,
        keepaliveCountMax: options.keepaliveCountMax,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          const fingerprint = fingerprintOf(key);
          offered = fingerprint;
          (options.hostKeys?.trustedKeys(target) ?? pinsOnly(target)).then(
            (keys) => {
              trusted = keys;
              verify(keys.includes(fingerprint));
            },
            (err: unknown) => {
              trustUnreadable = errorMessage(err);
              verify(false);
            },
          );
        },
      });
    });
  }

  private authConfig(): Pick<ConnectConfig, "privateKey" | "passphrase" | "agent"> {
    const { auth } = this.target;
    if ("agent" in auth) {
      if (!this.options.agentSocket) {
        throw new AppError("HostUnreachable", `${this.target.name}: ssh-agent requested but SSH_AUTH_SOCK is not set`);
      }
      return { agent: this.options.agentSocket };
    }
    let privateKey: Buffer;
    try {
      privateKey = fs.readFileSync(auth.keyFile);
    } catch (err) {
      throw new AppError("HostUnreachable", `${this.target.name}: cannot read key file ${auth.keyFile}: ${errorMessage(err)}`);
    }
    const passphrase = auth.passphraseEnv ? this.options.resolveSecret(auth.passphraseEnv) : undefined;
    // ssh2 is CommonJS: under plain Node ESM only its default export carries `utils`.
    const parsed = ssh2.utils.parseKey(privateKey, passphrase);
    if (parsed instanceof Error) {
      const hint = auth.passphraseEnv ? ` (passphrase from $${auth.passphraseEnv} missing or wrong)` : "";
      throw new AppError("HostUnreachable", `${this.target.name}: cannot use key file ${auth.keyFile}: ${parsed.message}${hint}`);
    }
    return passphrase === undefined ? { privateKey } : { privateKey, passphrase };
  }

  /**
   * Opens the exec channel and starts `consume` on it inside ssh2's callback: a fast command's
   * exit-status can arrive in the same packet as the channel confirmation, and an event
   * listener attached a microtask later would miss it.
   */
  private async openExec<T>(client: Client, command: string, deadline: number, consume: (channel: ClientChannel) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let opened: { running: Promise<T> };
      try {
        // Boxed, so resolving does not adopt (and wait for) the command's own promise.
        opened = await new Promise<{ running: Promise<T> }>((resolve, reject) => {
          let late = false;
          // A frozen host keeps its TCP connection open and answers nothing: without this, only the keepalive
          // (interval x count) would end the wait for the channel, seconds after the command's own timeout.
          const timer = setTimeout(() => {
            late = true;
            reject(new ChannelOpenTimeout());
          }, Math.max(0, deadline - performance.now()));
          client.exec(command, (err, channel) => {
            clearTimeout(timer);
            if (late) {
              if (!err) channel.close();
              return;
            }
            if (err) reject(err);
            else resolve({ running: consume(channel) });
          });
        });
      } catch (err) {
        if (err instanceof ChannelOpenTimeout) {
          if (this.client === client) {
            this.client = null;
            client.destroy();
          }
          throw new AppError("HostUnreachable", `${this.target.name}: the connection is open but the host answers nothing (no channel within the command's timeout)`);
        }
        // A server at its channel limit refuses the open; closed channels are released late.
        const refused = /open failure|open failed|administratively prohibited/i.test(errorMessage(err));
        if (!refused || attempt >= CHANNEL_OPEN_RETRIES) {
          if (this.client === client && !refused) {
            this.client = null;
            client.destroy();
          }
          throw new AppError("HostUnreachable", `${this.target.name}: ${errorMessage(err)}`);
        }
        await new Promise((r) => setTimeout(r, 50 * 3 ** attempt));
        continue;
      }
      return opened.running;
    }
  }
}

function connectSocket(host: string, port: number, timeoutMs: number, where: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new AppError("HostUnreachable", `${where}: TCP connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.setNoDelay(true);
      resolve(sock);
    });
    sock.once("error", (err) => {
      clearTimeout(timer);
      reject(new AppError("HostUnreachable", `${where}: ${err.message}`));
    });
  });
}

/** streamed output as it arrives (a chunk may split a multi-byte character; fine for a live view) */
export type OutputListener = (stream: "stdout" | "stderr", chunk: string) => void;

class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

function collect(
  client: Client,
  channel: ClientChannel,
  timeoutMs: number,
  maxOutputBytes: number,
  started: number,
  hostName: string,
  onOutput?: OutputListener,
): Promise<RawExecResult> {
  return new Promise<RawExecResult>((resolve, reject) => {
    const stdout = new CappedBuffer(maxOutputBytes);
    const stderr = new CappedBuffer(maxOutputBytes);
    let exitCode: number | null = null;
    let signal: string | null = null;
    let done = false;
    const finish = (outcome: ExecOutcome | "lost") => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.removeListener("close", onClientClose);
      if (outcome === "lost") {
        reject(new AppError("HostUnreachable", `${hostName}: connection lost while the command ran`));
        return;
      }
      resolve({
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: outcome === "timeout" ? null : exitCode,
        signal,
        outcome,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        truncated: stdout.truncated || stderr.truncated,
      });
    };
    const onClientClose = () => finish("lost");
    const timer = setTimeout(() => {
      // The remote process may linger; closing the channel is all SSH lets us do without a pty.
      try {
        channel.signal("KILL");
      } catch {
        // the channel may already be gone
      }
      channel.close();
      finish("timeout");
    }, timeoutMs);
    client.once("close", onClientClose);
    channel.on("data", (chunk: Buffer) => {
      stdout.push(chunk);
      onOutput?.("stdout", chunk.toString("utf8"));
    });
    channel.stderr.on("data", (chunk: Buffer) => {
      stderr.push(chunk);
      onOutput?.("stderr", chunk.toString("utf8"));
    });
    channel.on("exit", (code: number | null, sig?: string) => {
      exitCode = typeof code === "number" ? code : null;
      signal = sig ?? null;
    });
    channel.on("close", () => {
      if (exitCode === null && signal === null) {
        // No exit status: a dropped connection closes the client right after; otherwise it just failed.
        setTimeout(() => finish("failed"), 10);
        return;
      }
      finish(exitCode === 0 ? "ok" : "failed");
    });
  });
}
