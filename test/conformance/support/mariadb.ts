import fs from "node:fs";
import type { ChildProcess } from "node:child_process";
import type { ConformanceHost } from "@/test/conformance/support/host";
import { portOpen } from "@/test/conformance/support/wait";

// A Debian 12 database VM inside a conformance host: Debian's own mariadbd (10.11) with its datadir, socket and
// option files in the host's private folders, listening on the host's address and loopback at the port given, set
// up as a replication source or replica would be (binary log, log_slave_updates, gtid_strict_mode), and pt-heartbeat
// from percona-toolkit running beside it as the operators' documentation says (docs/host-commands.md).

export const MARIADB_DIRS = ["/etc/mysql", "/run/mysqld", "/var/lib/mysql-conformance", "/var/backups"];
const DATADIR = "/var/lib/mysql-conformance";
const SOCKET = "/run/mysqld/mysqld.sock";

export interface MariadbServer {
  host: ConformanceHost;
  serverId: number;
  port: number;
  /** SQL as root by the socket inside the host (setup and checks: never a console command); tab-separated, no headers */
  sql(statement: string): Promise<string>;
  /** one row of `\G` output as field → value */
  row(statement: string): Promise<Record<string, string>>;
  /** pt-heartbeat --update beside this server, as the account `user` (a `[client]` file it reads) */
  startHeartbeat(user: string, password: string, options?: { utc?: boolean; env?: Record<string, string> }): ChildProcess;
  stop(): Promise<void>;
}

/** a `[client]` option file's text, values quoted as the client library reads them */
export function clientOptionFile(options: Record<string, string>): string {
  const quote = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  return `[client]\n${Object.entries(options)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join("\n")}\n`;
}

/** write a file inside the host, owned by `owner` with `mode` (the console's option files are 0600, its own) */
export async function writeHostFile(host: ConformanceHost, file: string, text: string, owner: string, mode: number): Promise<void> {
  fs.writeFileSync(host.path(file), text, { mode });
  await host.must(["chown", owner, file]);
  await host.must(["chmod", mode.toString(8), file]);
}

/** mariadbd in `host` (started with MARIADB_DIRS private), fresh datadir, ready to take connections */
export async function startMariadb(host: ConformanceHost, o: { serverId: number; port: number }): Promise<MariadbServer> {
  const cnf = "/etc/mysql/conformance-server.cnf";
  const errorLog = "/run/mysqld/error.log";
  fs.writeFileSync(
    host.path(cnf),
    [
      "[mariadbd]",
      "user=mysql",
      `datadir=${DATADIR}`,
      `socket=${SOCKET}`,
      "pid-file=/run/mysqld/mysqld.pid",
      // its own temporary folder: in the shared /tmp, mariadbd's temporary table names can meet another server's
      "tmpdir=/run/mysqld/tmp",
      `port=${o.port}`,
      "bind-address=0.0.0.0",
      `server_id=${o.serverId}`,
      `log_bin=${DATADIR}/binlog`,
      "binlog_format=ROW",
      "log_slave_updates=ON",
      "gtid_strict_mode=ON",
      "innodb_buffer_pool_size=32M",
      "innodb_log_file_size=16M",
      "performance_schema=OFF",
      "skip_name_resolve=ON",
      `log_error=${errorLog}`,
      "",
    ].join("\n"),
  );
  await host.must(["install", "-d", "-o", "mysql", "-g", "mysql", "-m", "0750", "/run/mysqld/tmp"]);
  await host.must(["chown", "mysql:mysql", DATADIR, "/run/mysqld"]);
  await host.must(["mariadb-install-db", `--defaults-file=${cnf}`, "--user=mysql", "--auth-root-authentication-method=socket", "--skip-test-db"]);
  const daemon = host.daemon(["mariadbd", `--defaults-file=${cnf}`]);
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(host.address, o.port))) {
    if (daemon.exitCode !== null) throw new Error(`mariadbd on ${host.name} exited ${daemon.exitCode}: ${fs.readFileSync(host.path(errorLog), "utf8")}`);
    if (Date.now() > deadline) throw new Error(`mariadbd on ${host.name} did not listen on ${o.port} within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = (args: string[]) => host.must(["mariadb", `--socket=${SOCKET}`, ...args]);
  const heartbeats: ChildProcess[] = [];
  return {
    host,
    serverId: o.serverId,
    port: o.port,
    sql: (statement) => client(["-N", "-B", "-e", statement]),
    async row(statement) {
      const out = await client(["-e", `${statement}\\G`]);
      const fields: Record<string, string> = {};
      for (const line of out.split("\n")) {
        const m = /^\s*([A-Za-z_]+): ?(.*)$/.exec(line);
        if (m?.[1]) fields[m[1]] = m[2] ?? "";
      }
      return fields;
    },
    startHeartbeat(user, password, options = {}) {
      const file = `/etc/mysql/pt-heartbeat-${user}.cnf`;
      fs.writeFileSync(host.path(file), clientOptionFile({ user, password, socket: SOCKET }), { mode: 0o600 });
      // --check-read-only: only the writable server writes its row; the account has no SUPER (pt-heartbeat would then
      // ignore read_only) and no READ_ONLY ADMIN (MariaDB would let it write)
      const child = host.daemon(
        ["pt-heartbeat", `--defaults-file=${file}`, "--update", "--check-read-only", ...(options.utc === false ? [] : ["--utc"]), "-D", "percona", "--interval", "0.5"],
        { env: options.env },
      );
      heartbeats.push(child);
      return child;
    },
    async stop() {
      for (const h of heartbeats) if (h.exitCode === null) h.kill("SIGTERM");
      await host.run(["mariadb-admin", `--socket=${SOCKET}`, "shutdown"], { timeoutMs: 30_000 });
    },
  };
}
