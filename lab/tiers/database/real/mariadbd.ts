import { type ChildProcess, type SpawnOptions, execFile, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { LabNetwork } from "./netns";

/** what the real backend needs from the machine: Debian's mariadb-server and client, and root for namespaces */
export function realBackendMissing(): string | null {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "the real database backend needs root (network namespaces)";
  for (const bin of ["/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/mariadb", "/usr/bin/mariadb-admin", "/usr/sbin/ip"]) {
    if (!fs.existsSync(bin)) return `${bin} is missing (apt-get install -y mariadb-server mariadb-client iproute2)`;
  }
  return null;
}

/** a child's environment: only what the clients need (no host-specific HOME with a ~/.my.cnf) */
export function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { NODE_ENV: "production", PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: home, LANG: "C.UTF-8", ...extra };
}

/**
 * Start a daemon or client of the lab in a process group of its own (a Ctrl-C to the lab's terminal
 * reaches the lab, which then stops it cleanly) that the kernel still kills when the lab dies: the
 * parent-death signal (util-linux `setpriv --pdeathsig`, kept across the exec chain `ip netns exec`,
 * `unshare`, `sh -c exec` since none changes credentials). Without it a lab killed outright (as
 * Playwright ends its web server, SIGKILL to the group) left its mariadbd, pt-heartbeat and clients
 * running for good, and the next lab in the same directory beside them.
 */
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn("/usr/bin/setpriv", ["--pdeathsig", "KILL", command, ...args], { ...options, detached: true });
}

/** block the thread: setup runs before the lab's SSH servers listen, so nothing waits on the event loop */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface MariadbPaths {
  root: string;
  data: string;
  run: string;
  socket: string;
  pid: string;
  cnf: string;
  log: string;
  binlog: string;
}

export function pathsFor(base: string, vm: string): MariadbPaths {
  const root = path.join(base, vm);
  const run = path.join(root, "run");
  return {
    root,
    data: path.join(root, "data"),
    run,
    socket: path.join(run, "mysqld.sock"),
    // MariaDB names relay logs after the pid file: mysqld-relay-bin, as on Debian (/run/mysqld/mysqld.pid)
    pid: path.join(run, "mysqld.pid"),
    cnf: path.join(root, "my.cnf"),
    log: path.join(root, "error.log"),
    binlog: path.join(root, "binlog", "mysql-bin"),
  };
}

/**
 * One real mariadbd for a lab VM, in that VM's network namespace on port 3306 of its cluster address,
 * configured as Debian 12's 50-server.cnf plus binary logs and GTID replication settings.
 */
export class RealMariadb {
  readonly paths: MariadbPaths;
  private child: ChildProcess | null = null;

  constructor(
    readonly vm: string,
    readonly serverId: number,
    base: string,
    private readonly net: LabNetwork,
  ) {
    this.paths = pathsFor(base, vm);
  }

  /** a fresh datadir copied from the template `mariadb-install-db` made once */
  prepare(template: string): void {
    // a server left running by a lab that was killed would hold the datadir: end it first
    try {
      process.kill(Number(fs.readFileSync(this.paths.pid, "utf8").trim()), "SIGKILL");
    } catch {
      // no pid file, or no such process
    }
    fs.rmSync(this.paths.root, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(this.paths.binlog), { recursive: true });
    fs.mkdirSync(this.paths.run, { recursive: true });
    fs.cpSync(template, this.paths.data, { recursive: true });
    fs.writeFileSync(
      this.paths.cnf,
      [
        "[mysqld]",
        "user=root",
        `datadir=${this.paths.data}`,
        `socket=${this.paths.socket}`,
        `pid-file=${this.paths.pid}`,
        "port=3306",
        "bind-address=0.0.0.0",
        `server_id=${this.serverId}`,
        `log_bin=${this.paths.binlog}`,
        "log_slave_updates=ON",
        "expire_logs_days=10",
        "character-set-server=utf8mb4",
        "collation-server=utf8mb4_general_ci",
        "skip_name_resolve=ON",
        // every server starts read-only, as a careful operator configures them: SET GLOBAL read_only does
        // not outlive a restart, so without this a replica that reboots comes back writable (split brain)
        "read_only=ON",
        "innodb_buffer_pool_size=32M",
        "innodb_log_file_size=16M",
        "performance_schema=OFF",
        `log_error=${this.paths.log}`,
        "",
      ].join("\n"),
    );
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** start mariadbd in the VM's namespace, with the VM's host name (@@hostname) in its own UTS namespace, tied to the lab */
  start(): ChildProcess {
    fs.rmSync(this.paths.socket, { force: true });
    const argv = ["netns", "exec", this.net.ns(this.vm), "unshare", "--uts", "sh", "-c", 'hostname "$0" && exec /usr/sbin/mariadbd "$1"', this.vm, `--defaults-file=${this.paths.cnf}`];
    const child = spawnTied("ip", argv, { stdio: "ignore" });
    child.on("error", () => undefined);
    this.child = child;
    return child;
  }

  waitReadySync(timeoutMs = 30_000): void {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`${this.vm}: mariadbd exited; see ${this.paths.log}`);
      if (fs.existsSync(this.paths.socket)) {
        try {
          execFileSync("mariadb-admin", [`--socket=${this.paths.socket}`, "ping"], { stdio: "ignore" });
          return;
        } catch {
          // not accepting yet
        }
      }
      sleepSync(100);
    }
    throw new Error(`${this.vm}: mariadbd did not answer within ${timeoutMs} ms; see ${this.paths.log}`);
  }

  /** power loss: the process dies at once, nothing flushed beyond what InnoDB already made durable */
  kill(): void {
    if (this.child?.pid && this.running) process.kill(this.child.pid, "SIGKILL");
    this.child = null;
  }

  /** `systemctl stop`: a clean shutdown */
  shutdown(): Promise<void> {
    const child = this.child;
    this.child = null;
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null) {
        resolve();
        return;
      }
      child.once("exit", () => resolve());
      execFile("mariadb-admin", [`--socket=${this.paths.socket}`, "shutdown"], () => {
        setTimeout(() => {
          if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
        }, 20_000).unref();
      });
    });
  }

  /** run statements as root over the socket during setup, failing loudly */
  sqlSync(sql: string): string {
    return execFileSync("mariadb", [`--socket=${this.paths.socket}`, "-B", "-N", "-e", sql], { encoding: "utf8" });
  }

  /** run statements over the socket, as root or as `as`; never throws (a stopped server answers with its error) */
  sql(sql: string, vertical = false, as?: { user: string; password: string }): Promise<{ stdout: string; stderr: string; code: number }> {
    const account = as ? [`--user=${as.user}`, `--password=${as.password}`] : [];
    return new Promise((resolve) => {
      execFile("mariadb", [`--socket=${this.paths.socket}`, ...account, vertical ? "-E" : "-B", ...(vertical ? [] : ["-N"]), "--force", "-e", sql], { encoding: "utf8", timeout: 10_000 }, (err, stdout, stderr) => {
        resolve({ stdout, stderr, code: err ? (typeof err.code === "number" ? err.code : 1) : 0 });
      });
    });
  }
}

/** `mariadb-install-db` once per lab start, as Debian's postinst runs it (no test database, root by unix_socket) */
export function installTemplate(dir: string): string {
  const template = path.join(dir, "template");
  fs.rmSync(template, { recursive: true, force: true });
  fs.mkdirSync(template, { recursive: true });
  execFileSync("mariadb-install-db", ["--user=root", `--datadir=${template}`, "--auth-root-authentication-method=socket", "--skip-test-db"], { stdio: "ignore" });
  return template;
}
