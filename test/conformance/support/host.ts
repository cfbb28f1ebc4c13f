import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HostSpec, Role } from "@/lib/inventory/schema";
import { portOpen, until } from "@/test/conformance/support/wait";

// A conformance "host": a network namespace (own address on a test bridge) plus a private mount namespace (its own
// /etc/mysql, /srv, ... where the test asks), with a real OpenSSH sshd on port 22 that the console reaches as an
// unprivileged account. The real daemons a test needs (mariadbd, apache2, heartbeat, keepalived) run inside it, so
// two "hosts" on this one machine have their own addresses, files and ports as two VMs would. Needs root.

const BRIDGE = "cdconf0";
/** RFC 2544's benchmarking range: never routed, never a real host's address */
const PREFIX = 15;
const GATEWAY = "198.18.0.1";
const STATE_DIR = "/run/clusterdeck-conformance";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** run as this local user (runuser) instead of root */
  as?: string;
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface ConformanceHost {
  name: string;
  /** its own address on the test bridge, reachable from the test process */
  address: string;
  netns: string;
  /** the inventory entry the console uses to reach this host */
  spec(role: Role, server: string): HostSpec;
  /** where a path inside the host lives on this machine's filesystem (for files the test writes) */
  path(p: string): string;
  /** a setup command as root (or `as` a user) inside the host; never a console command */
  run(argv: string[], options?: RunOptions): Promise<CommandResult>;
  /** like run, but throws with the output when the exit code is not 0 */
  must(argv: string[], options?: RunOptions): Promise<string>;
  /** a long-running process inside the host, stopped with the host */
  daemon(argv: string[], options?: { as?: string; env?: Record<string, string>; log?: string }): ChildProcess;
  stop(): Promise<void>;
}

export interface HostOptions {
  name: string;
  /** directories given a private, writable copy inside this host (created empty where missing) */
  privateDirs?: string[];
}

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

function tryRun(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exec(cmd: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { encoding: "utf8", env: { ...process.env, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Namespaces, veths, sudoers files and accounts left behind by a test process that died. */
function parentOf(pid: number): number | null {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[1]);
  } catch {
    return null;
  }
}

/**
 * Removes what test processes left: those that died, and (at the end of a run, `finishedChildrenOf` the runner)
 * its worker processes, which may still be alive but have no test left to run.
 */
export function reapStale(finishedChildrenOf?: number): void {
  const alive = (pid: number) => isAlive(pid) && (finishedChildrenOf === undefined || parentOf(pid) !== finishedChildrenOf);
  fs.mkdirSync(path.join(STATE_DIR, "addresses"), { recursive: true });
  for (const ns of sh("ip", ["netns", "list"]).split("\n")) {
    const m = /^(cdc-\S+-(\d+))\b/.exec(ns);
    if (!m?.[1] || alive(Number(m[2]))) continue;
    for (const pid of sh("ip", ["netns", "pids", m[1]]).split(/\s+/).filter(Boolean)) tryRun("kill", ["-9", pid]);
    tryRun("ip", ["netns", "del", m[1]]);
  }
  for (const file of fs.readdirSync(path.join(STATE_DIR, "addresses"))) {
    const owner = Number(fs.readFileSync(path.join(STATE_DIR, "addresses", file), "utf8"));
    if (!alive(owner)) fs.rmSync(path.join(STATE_DIR, "addresses", file), { force: true });
  }
  for (const file of fs.existsSync("/etc/sudoers.d") ? fs.readdirSync("/etc/sudoers.d") : []) {
    const m = /^cdconf-(\d+)-/.exec(file);
    if (m && !alive(Number(m[1]))) fs.rmSync(path.join("/etc/sudoers.d", file), { force: true });
  }
  for (const line of fs.readFileSync("/etc/passwd", "utf8").split("\n")) {
    const m = /^(cdc(\d+)):/.exec(line);
    if (m?.[1] && !alive(Number(m[2]))) tryRun("userdel", ["-r", m[1]]);
  }
}

let networkReady = false;

function ensureNetwork(): void {
  if (networkReady) return;
  reapStale();
  if (!tryRun("ip", ["link", "show", BRIDGE])) {
    tryRun("ip", ["link", "add", BRIDGE, "type", "bridge"]);
  }
  if (!sh("ip", ["-o", "addr", "show", "dev", BRIDGE]).includes(`${GATEWAY}/`)) {
    tryRun("ip", ["addr", "add", `${GATEWAY}/${PREFIX}`, "dev", BRIDGE]);
  }
  sh("ip", ["link", "set", BRIDGE, "up"]);
  networkReady = true;
}

/**
 * An unused address in 198.18.0.0/15, held for this process in a file under /run until released: test processes
 * (several engineers, or a retry) may run at once on one machine.
 */
export function allocateAddress(): { address: string; release(): void } {
  ensureNetwork();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const third = 1 + Math.floor(Math.random() * 254);
    const fourth = 2 + Math.floor(Math.random() * 252);
    const address = `198.${18 + (attempt % 2)}.${third}.${fourth}`;
    const file = path.join(STATE_DIR, "addresses", address);
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
    } catch {
      continue;
    }
    return { address, release: () => fs.rmSync(file, { force: true }) };
  }
  throw new Error("no free test address in 198.18.0.0/15");
}

export const GATEWAY_ADDRESS = GATEWAY;
export const NETWORK_PREFIX = PREFIX;

interface ConsoleIdentity {
  user: string;
  keyFile: string;
}

let identity: ConsoleIdentity | null = null;

/**
 * The console's SSH account on every host: unprivileged, plain sh, no password; named for this process so that
 * concurrent test runs never share sudo rights. Removed when the process exits (or by the next run's reaper).
 */
export function consoleIdentity(): ConsoleIdentity {
  if (identity) return identity;
  ensureNetwork();
  const user = `cdc${process.pid}`;
  if (!tryRun("id", ["-u", user])) {
    sh("useradd", ["--create-home", "--shell", "/bin/sh", "--password", "*", user]);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-conf-key-"));
  fs.chmodSync(dir, 0o755);
  const keyFile = path.join(dir, "console_ed25519");
  sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "clusterdeck-conformance", "-f", keyFile]);
  identity = { user, keyFile };
  process.once("exit", () => {
    tryRun("userdel", ["-r", user]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return identity;
}

/** Real sudo rights for the console's account: checked by `visudo -cf`, then installed; remove() takes them back. */
export function installSudoers(label: string, lines: string[]): { file: string; remove(): void } {
  if (!/^[a-z0-9-]+$/.test(label)) throw new Error(`bad sudoers label ${label}`);
  const text = `${lines.join("\n")}\n`;
  const tmp = path.join(os.tmpdir(), `cdconf-sudoers-${process.pid}-${label}`);
  fs.writeFileSync(tmp, text, { mode: 0o440 });
  try {
    execFileSync("visudo", ["-cf", tmp], { stdio: "pipe" });
  } catch (error) {
    const out = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`visudo refuses the sudoers lines:\n${text}\n${out.stdout?.toString() ?? ""}${out.stderr?.toString() ?? ""}`, { cause: error });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  // sudo ignores files in sudoers.d whose names contain a '.'
  const file = path.join("/etc/sudoers.d", `cdconf-${process.pid}-${label}`);
  fs.writeFileSync(file, text, { mode: 0o440 });
  return { file, remove: () => fs.rmSync(file, { force: true }) };
}

async function waitForPort(address: string, port: number, timeoutMs: number, failed: () => string | null): Promise<void> {
  await until(
    `something listening on ${address}:${port}`,
    async () => {
      const why = failed();
      if (why) throw new Error(why);
      return portOpen(address, port);
    },
    Boolean,
    timeoutMs,
    50,
  );
}

let hostCounter = 0;

export async function startHost(options: HostOptions): Promise<ConformanceHost> {
  if (!/^[a-z][a-z0-9]{0,7}$/.test(options.name)) throw new Error(`host name ${options.name}: up to 8 lowercase letters and digits`);
  const me = consoleIdentity();
  const { address, release } = allocateAddress();
  const n = ++hostCounter;
  const netns = `cdc-${options.name}${n}-${process.pid}`;
  // interface names have at most 15 characters
  const veth = `cdv${(process.pid % 100_000).toString(36)}x${n.toString(36)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cd-conf-${options.name}-`));
  fs.chmodSync(dir, 0o755);
  const children: ChildProcess[] = [];
  let holder: ChildProcess | null = null;
  const privateDirs = new Map<string, string>();

  async function teardown(): Promise<void> {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => {
              c.kill("SIGKILL");
              resolve();
            }, 5_000);
            c.once("exit", () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    // daemons that forked away from their starter (apache2 -k start, heartbeat) are still in the namespace
    if (tryRun("ip", ["netns", "list"])) {
      try {
        for (const pid of sh("ip", ["netns", "pids", netns]).split(/\s+/).filter(Boolean)) tryRun("kill", ["-9", pid]);
      } catch {
        // namespace already gone
      }
    }
    holder?.kill("SIGKILL");
    tryRun("ip", ["link", "del", veth]);
    tryRun("ip", ["netns", "del", netns]);
    release();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  try {
    sh("ip", ["netns", "add", netns]);
    sh("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
    sh("ip", ["link", "set", veth, "master", BRIDGE, "up"]);
    sh("ip", ["-n", netns, "addr", "add", `${address}/${PREFIX}`, "dev", "eth0"]);
    sh("ip", ["-n", netns, "link", "set", "lo", "up"]);
    sh("ip", ["-n", netns, "link", "set", "eth0", "up"]);
    sh("ip", ["-n", netns, "route", "add", "default", "via", GATEWAY]);

    // its own host name too (UTS namespace): heartbeat and keepalived know their node by `uname -n`, as on a VM
    holder = spawn("ip", ["netns", "exec", netns, "unshare", "--mount", "--uts", "--propagation", "private", "--", "sh", "-c", `hostname ${options.name} && exec sleep infinity`], {
      stdio: "ignore",
    });
    const pid = holder.pid;
    if (pid === undefined) throw new Error("could not start the namespace holder");
    // the holder is ready once it has named itself and become `sleep`
    const deadline = Date.now() + 5_000;
    const comm = () => (fs.existsSync(`/proc/${pid}/comm`) ? fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() : "");
    while (comm() !== "sleep") {
      if (holder.exitCode !== null || Date.now() > deadline) throw new Error("the namespace holder did not start");
      await new Promise((r) => setTimeout(r, 20));
    }
    const enter = (argv: string[], as?: string) => ["-t", String(pid), "-m", "-n", "-u", "--", ...(as ? ["runuser", "-u", as, "--"] : []), ...argv];

    // sudo looks its own host name up: an /etc/hosts naming it keeps "unable to resolve host" off every answer
    const hostsFile = path.join(dir, "hosts");
    fs.writeFileSync(hostsFile, `127.0.0.1 localhost\n127.0.1.1 ${options.name}\n${address} ${options.name}\n`, { mode: 0o644 });
    sh("nsenter", enter(["mount", "--bind", hostsFile, "/etc/hosts"]));

    for (const d of options.privateDirs ?? []) {
      const backing = path.join(dir, "fs", d);
      fs.mkdirSync(backing, { recursive: true });
      if (fs.existsSync(d)) sh("cp", ["-a", `${d}/.`, backing]);
      else fs.mkdirSync(d, { recursive: true });
      sh("chmod", ["--reference", d, backing]);
      sh("nsenter", enter(["mount", "--bind", backing, d]));
      privateDirs.set(d, backing);
    }

    const hostKey = path.join(dir, "ssh_host_ed25519_key");
    sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
    const authorized = path.join(dir, "authorized_keys");
    fs.copyFileSync(`${me.keyFile}.pub`, authorized);
    fs.chmodSync(authorized, 0o644);
    const config = path.join(dir, "sshd_config");
    fs.writeFileSync(
      config,
      [
        "Port 22",
        `ListenAddress ${address}`,
        `HostKey ${hostKey}`,
        `PidFile ${path.join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${authorized}`,
        `AllowUsers ${me.user}`,
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin no",
        "MaxSessions 64",
        "MaxStartups 200",
        "LogLevel ERROR",
        "",
      ].join("\n"),
    );
    fs.mkdirSync("/run/sshd", { recursive: true });
    const sshd = spawn("nsenter", enter(["/usr/sbin/sshd", "-D", "-e", "-f", config]), { stdio: ["ignore", "ignore", "pipe"] });
    children.push(sshd);
    let sshdLog = "";
    sshd.stderr?.on("data", (d: Buffer) => {
      sshdLog += d.toString();
    });
    await waitForPort(address, 22, 10_000, () => (sshd.exitCode !== null ? `sshd for ${options.name} exited with ${sshd.exitCode}: ${sshdLog}` : null));
    const fingerprint = sh("ssh-keygen", ["-l", "-E", "sha256", "-f", `${hostKey}.pub`]).split(/\s+/)[1] ?? "";

    const host: ConformanceHost = {
      name: options.name,
      address,
      netns,
      spec: (role, server) => ({
        name: options.name,
        role,
        server,
        address,
        port: 22,
        user: me.user,
        auth: { keyFile: me.keyFile },
        hostKeys: [fingerprint],
        clusterAddress: address,
      }),
      path(p) {
        for (const [d, backing] of privateDirs) {
          if (p === d || p.startsWith(`${d}/`)) return path.join(backing, p.slice(d.length));
        }
        return p;
      },
      run: (argv, o = {}) => exec("nsenter", enter(argv, o.as), o),
      async must(argv, o = {}) {
        const r = await exec("nsenter", enter(argv, o.as), o);
        if (r.code !== 0) throw new Error(`${options.name}: ${argv.join(" ")} exited ${r.code}\n${r.stdout}${r.stderr}`);
        return r.stdout;
      },
      daemon(argv, o = {}) {
        const out = o.log ? fs.openSync(o.log, "a") : "ignore";
        const child = spawn("nsenter", enter(argv, o.as), {
          stdio: ["ignore", out, out],
          env: { ...process.env, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", ...o.env },
        });
        children.push(child);
        return child;
      },
      stop: teardown,
    };
    return host;
  } catch (error) {
    await teardown();
    throw error;
  }
}
