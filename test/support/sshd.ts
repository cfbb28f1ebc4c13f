import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface TestSshd {
  port: number;
  user: string;
  clientKeyFile: string;
  hostKeyFingerprint: string;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function keygen(file: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file]);
}

export function opensshFingerprint(pubFile: string): string {
  const out = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", pubFile], { encoding: "utf8" });
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith("SHA256:")) throw new Error(`unexpected ssh-keygen output: ${out}`);
  return fp;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * A real OpenSSH sshd on loopback with its own config, host key and authorized client key.
 * `shell` lets benchmarks use a lean login shell instead of the account's rc files.
 */
/**
 * An account whose login shell is plain sh with no rc files (created once; needs root): exec
 * latency under root's bash is dominated by its rc files, which would swamp a benchmark.
 */
export function leanAccount(name = "cdbench"): string {
  try {
    execFileSync("id", ["-u", name], { stdio: "ignore" });
  } catch {
    // "*": no password, but not locked ("!"), which sshd without PAM would refuse.
    execFileSync("useradd", ["--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/sh", "--password", "*", name], { stdio: "pipe" });
  }
  return name;
}

export async function startSshd(options: { dir?: string; clientKeyFile?: string; maxSessions?: number; user?: string } = {}): Promise<TestSshd> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "cd-sshd-"));
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync("/run/sshd", { recursive: true });
  const hostKey = path.join(dir, "host_ed25519");
  if (!fs.existsSync(hostKey)) keygen(hostKey);
  const clientKeyFile = options.clientKeyFile ?? path.join(dir, "client_ed25519");
  if (!fs.existsSync(clientKeyFile)) keygen(clientKeyFile);
  fs.copyFileSync(`${clientKeyFile}.pub`, path.join(dir, "authorized_keys"));
  const port = await freePort();
  const user = options.user ?? os.userInfo().username;
  const config = path.join(dir, "sshd_config");
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      "UsePAM no",
      "StrictModes no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "PermitRootLogin prohibit-password",
      `MaxSessions ${options.maxSessions ?? 64}`,
      "MaxStartups 200",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  try {
    await waitForPort(port, child, 5_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
  }
  return {
    port,
    user,
    clientKeyFile,
    hostKeyFingerprint: opensshFingerprint(`${hostKey}.pub`),
    dir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 2_000).unref();
      }),
  };
}
