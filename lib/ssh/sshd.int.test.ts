import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { type AuditEntry } from "@/lib/ssh/audit";
import { execBatch } from "@/lib/ssh/batch";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import type { HostTarget } from "@/lib/ssh/types";
import { type TestSshd, startSshd } from "@/test/support/sshd";

// Interop with a real OpenSSH sshd on loopback, started here with its own config and keys.

let sshd: TestSshd;
let pool: SshPool;
const audit: AuditEntry[] = [];
const test = { kind: "test" } as const;

function target(overrides: Partial<HostTarget> = {}): HostTarget {
  return {
    clusterId: "interop",
    name: "sshd1",
    address: "127.0.0.1",
    port: sshd.port,
    user: sshd.user,
    auth: { keyFile: sshd.clientKeyFile },
    hostKeys: [sshd.hostKeyFingerprint],
    ...overrides,
  };
}

beforeAll(async () => {
  sshd = await startSshd();
  pool = new SshPool((e) => audit.push(e), { ...defaultConnectionOptions, backoffInitialMs: 50, connectTimeoutMs: 3_000 });
});

afterAll(async () => {
  pool?.closeAll();
  await sshd?.stop();
});

describe("ssh layer against OpenSSH sshd", () => {
  it("connects with the pinned host key and runs a command", async () => {
    const result = await pool.exec(target(), "echo hello; echo oops >&2", { purpose: test, actor: "alice" });
    expect(result.stdout).toBe("hello\n");
    expect(result.stderr).toBe("oops\n");
    expect(result.exitCode).toBe(0);
    expect(result.outcome).toBe("ok");
    expect(pool.status(target()).state).toBe("ready");
    const entry = audit.find((e) => e.command === "echo hello; echo oops >&2");
    expect(entry).toMatchObject({ host: "sshd1", exitCode: 0, outcome: "ok", actor: "alice" });
  });

  it("refuses a host whose key does not match the pin, naming the offered key", async () => {
    const wrong = target({ name: "wrongpin", hostKeys: ["SHA256:" + "A".repeat(43)] });
    const err = await pool.exec(wrong, "true", { purpose: test }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("HostKeyRejected");
    expect((err as AppError).details?.offeredFingerprint).toBe(sshd.hostKeyFingerprint);
    expect(pool.status(wrong)).toMatchObject({ state: "rejected", offeredFingerprint: sshd.hostKeyFingerprint });
  });

  it("refuses a host with no pinned key at all", async () => {
    const unpinned = target({ name: "unpinned", hostKeys: [] });
    const err = await pool.exec(unpinned, "true", { purpose: test }).catch((e: unknown) => e);
    expect((err as AppError).code).toBe("HostKeyRejected");
    expect((err as AppError).message).toContain(sshd.hostKeyFingerprint);
  });

  it("keeps exit codes and stderr apart", async () => {
    const result = await pool.exec(target(), "echo out; echo 'bad thing' >&2; exit 3", { purpose: test });
    expect(result).toMatchObject({ stdout: "out\n", stderr: "bad thing\n", exitCode: 3, outcome: "failed" });
    const missing = await pool.exec(target(), "no-such-command-here", { purpose: test });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/not found/);
  });

  it("reports a command that runs too long as a timeout, not as exit 0", async () => {
    const result = await pool.exec(target(), "sleep 5; echo late", { purpose: test, timeoutMs: 300 });
    expect(result.outcome).toBe("timeout");
    expect(result.exitCode).toBeNull();
    expect(result.stdout).toBe("");
    const after = await pool.exec(target(), "echo still-usable", { purpose: test });
    expect(after.stdout).toBe("still-usable\n");
  });

  it("caps output and says so", async () => {
    const result = await pool.exec(target(), "head -c 100000 /dev/zero | tr '\\0' x", { purpose: test, maxOutputBytes: 1000 });
    expect(result.stdout.length).toBe(1000);
    expect(result.truncated).toBe(true);
  });

  it("multiplexes many commands over one connection under the concurrency cap", async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => pool.exec(target(), `echo ${i}`, { purpose: test })),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
  });

  it("comes back after the connection is dropped", async () => {
    // Killing the session's sshd process drops this connection the way a network failure would.
    await pool.exec(target(), "kill -9 $PPID", { purpose: test }).catch(() => undefined);
    let result;
    for (let i = 0; i < 20 && !result; i++) {
      result = await pool.exec(target(), "echo back", { purpose: test }).catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    expect(result?.stdout).toBe("back\n");
  });

  it("gives up on a frozen host within the command's timeout, not the keepalive's, and reconnects when it thaws", async () => {
    // keepalive far away: only the command's own timeout can end the wait
    const frozenPool = new SshPool(() => undefined, { ...defaultConnectionOptions, keepaliveIntervalMs: 600_000, backoffInitialMs: 50, connectTimeoutMs: 3_000 });
    const t = target({ name: "frozen" });
    try {
      const session = Number((await frozenPool.exec(t, "echo $PPID", { purpose: test })).stdout.trim());
      expect(session).toBeGreaterThan(1);
      // the connection's own sshd process stops answering, its TCP connection stays open: a frozen VM
      process.kill(session, "SIGSTOP");
      try {
        const err = await frozenPool.exec(t, "echo never", { purpose: test, timeoutMs: 1_500 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe("HostUnreachable");
        expect((err as AppError).message).toContain("answers nothing");
      } finally {
        process.kill(session, "SIGCONT");
      }
      const back = await frozenPool.exec(t, "echo thawed", { purpose: test });
      expect(back.stdout).toBe("thawed\n");
    } finally {
      frozenPool.closeAll();
    }
  });

  it("runs a batch of commands in one exec with exit statuses and stderr kept apart", async () => {
    const batch = await execBatch(
      pool,
      target(),
      [
        { id: "a", command: "printf 'no newline'", timeoutSeconds: null },
        { id: "b", command: "echo err >&2; exit 4", timeoutSeconds: 1 },
        { id: "c", command: "sleep 3", timeoutSeconds: 1 },
        { id: "d", command: "echo 'it''s' \"$HOME\" | wc -c", timeoutSeconds: null },
        { id: "e", command: "echo never", timeoutSeconds: 1 },
      ],
      { purpose: { kind: "probe" } },
    );
    const byId = Object.fromEntries(batch.items.map((i) => [i.id, i]));
    expect(byId.a).toMatchObject({ stdout: "no newline", exitCode: 0, outcome: "ok" });
    expect(byId.b).toMatchObject({ stdout: "", stderr: "err\n", exitCode: 4, outcome: "failed" });
    expect(byId.c).toMatchObject({ outcome: "timeout", exitCode: null });
    expect(byId.e).toMatchObject({ outcome: "timeout", stdout: "" });
    expect(byId.d?.outcome).toBe("ok");
    expect(Number(byId.d?.stdout.trim())).toBeGreaterThan(5);
  });

  it("authenticates with a passphrase-protected key, the passphrase taken from the environment", async () => {
    const keyFile = path.join(sshd.dir, "locked_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "s3cret phrase", "-f", keyFile]);
    fs.appendFileSync(path.join(sshd.dir, "authorized_keys"), fs.readFileSync(`${keyFile}.pub`));
    const secrets: Record<string, string> = { CD_TEST_PASSPHRASE: "s3cret phrase" };
    const locked = new SshPool(() => undefined, { ...defaultConnectionOptions, resolveSecret: (n) => secrets[n] });
    try {
      const result = await locked.exec(target({ name: "locked", auth: { keyFile, passphraseEnv: "CD_TEST_PASSPHRASE" } }), "echo unlocked", { purpose: test });
      expect(result.stdout).toBe("unlocked\n");
      const wrong = await locked
        .exec(target({ name: "locked2", auth: { keyFile, passphraseEnv: "CD_MISSING" } }), "true", { purpose: test })
        .catch((e: unknown) => e);
      expect((wrong as AppError).code).toBe("HostUnreachable");
      expect((wrong as AppError).message).toMatch(/passphrase from \$CD_MISSING missing or wrong/);
    } finally {
      locked.closeAll();
    }
  });

  it("authenticates through ssh-agent", async () => {
    const socket = path.join(sshd.dir, "agent.sock");
    const agent = spawnSync("ssh-agent", ["-a", socket], { encoding: "utf8" });
    const pid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1];
    try {
      execFileSync("ssh-add", ["-q", sshd.clientKeyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: "pipe" });
      const viaAgent = new SshPool(() => undefined, { ...defaultConnectionOptions, agentSocket: socket });
      try {
        const result = await viaAgent.exec(target({ name: "agent", auth: { agent: true } }), "echo via-agent", { purpose: test });
        expect(result.stdout).toBe("via-agent\n");
      } finally {
        viaAgent.closeAll();
      }
    } finally {
      if (pid) process.kill(Number(pid));
    }
  });
});
