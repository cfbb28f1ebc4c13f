import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { DbVm, Fault, Tool, VmName, World } from "../../../model/types";
import type { DatabaseCluster } from "../cluster";
import { DB_VMS, LAB_ACCOUNTS } from "../cluster";
import type { MysqlServer, SessionRow, TxnOp } from "../server";
import { moodleSql, sqlString } from "../moodle-sql";
import { RealMariadb, childEnv, installTemplate, spawnTied } from "./mariadbd";
import { LabNetwork } from "./netns";
import type { NsHost } from "./netns";
import { realClientTool } from "./real-tools";

type WebVm = "web1" | "web2";
/** how often the lab reads each real server's state for /truth and the web tier's view, real ms */
const POLL_MS = 700;
const PT_HEARTBEAT = "/usr/bin/pt-heartbeat";
const HEARTBEAT_PASSWORD = "pt-heartbeat-lab";
/** the lab's own account for reading its servers (see bootstrap) */
const OBSERVER = { user: "lab_observer", password: "lab-observer-lab" };

/** what the lab last read from one real server */
export interface RealState {
  answering: boolean;
  readOnly: boolean | null;
  gtidBinlogPos: string;
  gtidCurrentPos: string;
  gtidSlavePos: string;
  mdlSessions: number | null;
  /** Moodle's database version (mdl_config 'version'), which an upgrade changes */
  mdlConfigVersion: string | null;
  logRows: number | null;
  /** SHOW ALL SLAVES STATUS as field -> value; null when the server is no replica */
  replica: Record<string, string> | null;
  readAt: number;
}

function emptyState(): RealState {
  return { answering: false, readOnly: null, gtidBinlogPos: "", gtidCurrentPos: "", gtidSlavePos: "", mdlSessions: null, mdlConfigVersion: null, logRows: null, replica: null, readAt: 0 };
}

function vertical(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  let rows = 0;
  for (const line of text.split("\n")) {
    if (/^\*+ \d+\. row \*+$/.test(line)) rows++;
    const m = /^\s*([A-Za-z_]+): ?(.*)$/.exec(line);
    if (m?.[1] !== undefined) out[m[1]] = m[2] ?? "";
  }
  return rows > 0 ? out : null;
}

/**
 * db1 and db2 as real mariadbd processes (the lab's `--db real`): own datadirs under the lab's directory,
 * each in its VM's network namespace on its cluster address, GTID replication db2 <- db1, pt-heartbeat
 * --utc on the writable server, Moodle's tables written by the web tier over TCP from the web nodes'
 * namespaces. The emulated model stays as the web tier's view, refreshed from the real servers.
 */
export class RealDatabase {
  readonly net: LabNetwork;
  readonly servers: Record<DbVm, RealMariadb>;
  readonly state: Record<DbVm, RealState> = { db1: emptyState(), db2: emptyState() };
  readonly tools: Record<string, Tool>;
  private readonly base: string;
  private readonly writers = new Map<string, ChildProcess>();
  private readonly heartbeats = new Map<DbVm, ChildProcess>();
  private readonly locks = new Map<DbVm, ChildProcess>();
  private polling = false;
  private lastPoll = 0;
  private wasRunning: Record<DbVm, boolean> = { db1: true, db2: true };
  private stopped = false;
  private readonly onExit = (): void => this.killAll();

  constructor(
    private readonly world: World,
    private readonly cluster: DatabaseCluster,
  ) {
    this.base = path.join(world.dir, "mariadb");
    this.net = new LabNetwork(world.dir);
    this.servers = { db1: new RealMariadb("db1", 1, this.base, this.net), db2: new RealMariadb("db2", 2, this.base, this.net) };
    const scratch = path.join(this.base, "clients");
    const map = {
      net: this.net,
      scratch,
      socketOf: (vm: VmName) => (vm === "db1" || vm === "db2" ? this.servers[vm].paths.socket : path.join(this.base, vm, "no-server.sock")),
      hasNamespace: (vm: VmName) => vm === "db1" || vm === "db2" || vm === "web1" || vm === "web2",
    };
    const mysql = realClientTool(map, "/usr/bin/mariadb", "mysql");
    const admin = realClientTool(map, "/usr/bin/mariadb-admin", "mysqladmin");
    const dump = realClientTool(map, "/usr/bin/mariadb-dump", "mysqldump");
    this.tools = {
      mysql,
      mariadb: mysql,
      mysqladmin: admin,
      "mariadb-admin": admin,
      mysqldump: dump,
      "mariadb-dump": dump,
      my_print_defaults: realClientTool(map, "/usr/bin/my_print_defaults", "my_print_defaults"),
      "pt-heartbeat": realClientTool(map, PT_HEARTBEAT, "pt-heartbeat"),
    };
  }

  private log(msg: string): void {
    this.world.log(`database (real): ${msg}`);
  }

  /** set everything up; blocks for a few seconds (install, start, bootstrap, first replication) */
  start(): void {
    process.once("exit", this.onExit);
    fs.mkdirSync(path.join(this.base, "clients"), { recursive: true });
    const hosts: NsHost[] = (["db1", "db2", "web1", "web2"] as const).map((vm) => ({ vm, server: this.world.vm(vm).server, address: this.world.vm(vm).clusterAddress }));
    this.net.create(hosts);
    const template = installTemplate(this.base);
    for (const s of Object.values(this.servers)) {
      s.prepare(template);
      s.start();
    }
    for (const s of Object.values(this.servers)) s.waitReadySync();
    this.bootstrap();
    this.log(`mariadbd db1 (${this.world.vm("db1").clusterAddress}:3306) and db2 (${this.world.vm("db2").clusterAddress}:3306) running, db2 replicating from db1 by GTID`);
  }

  /** accounts, Moodle's tables and the heartbeat table on db1; db2 clones them through replication */
  private bootstrap(): void {
    const db1 = this.servers.db1;
    const db2 = this.servers.db2;
    const a = LAB_ACCOUNTS;
    const [hbDb = "percona", hbTable = "heartbeat"] = this.world.settings.heartbeatTable.split(".");
    const version = this.cluster.server("db1").data.config;
    const configRows = [...version.entries()].map(([n, v]) => `(${sqlString(n)}, ${sqlString(v)})`).join(", ");
    db1.sqlSync(
      [
        `CREATE USER 'repl'@'192.168.10.%' IDENTIFIED BY ${sqlString(a.replicationPassword)}`,
        "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'192.168.10.%'",
        `CREATE USER ${sqlString(a.moodleUser)}@'192.168.10.%' IDENTIFIED BY ${sqlString(a.moodlePassword)}`,
        "CREATE DATABASE moodle DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        `GRANT ALL PRIVILEGES ON moodle.* TO ${sqlString(a.moodleUser)}@'192.168.10.%'`,
        "CREATE TABLE moodle.mdl_config (id BIGINT(10) NOT NULL AUTO_INCREMENT, name VARCHAR(255) NOT NULL DEFAULT '', value LONGTEXT NOT NULL, PRIMARY KEY (id), UNIQUE KEY mdl_conf_nam_uix (name)) ENGINE=InnoDB ROW_FORMAT=DYNAMIC COMMENT='Moodle configuration variables'",
        `INSERT INTO moodle.mdl_config (name, value) VALUES ${configRows}`,
        "CREATE TABLE moodle.mdl_sessions (id BIGINT(10) NOT NULL AUTO_INCREMENT, state BIGINT(10) NOT NULL DEFAULT 0, sid VARCHAR(128) NOT NULL DEFAULT '', userid BIGINT(10) NOT NULL, sessdata LONGTEXT, timecreated BIGINT(10) NOT NULL, timemodified BIGINT(10) NOT NULL, firstip VARCHAR(45), lastip VARCHAR(45), PRIMARY KEY (id), UNIQUE KEY mdl_sess_sid_uix (sid), KEY mdl_sess_tim2_ix (timemodified)) ENGINE=InnoDB ROW_FORMAT=DYNAMIC COMMENT='Database based session storage - now recommended'",
        "CREATE TABLE moodle.mdl_logstore_standard_log (id BIGINT(10) NOT NULL AUTO_INCREMENT, userid BIGINT(10) NOT NULL, timecreated BIGINT(10) NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB ROW_FORMAT=DYNAMIC COMMENT='Standard log table'",
        `CREATE DATABASE ${hbDb}`,
        `CREATE TABLE ${hbDb}.${hbTable} (ts varchar(26) NOT NULL, server_id int unsigned NOT NULL PRIMARY KEY, file varchar(255) DEFAULT NULL, position bigint unsigned DEFAULT NULL, relay_master_log_file varchar(255) DEFAULT NULL, exec_master_log_pos bigint unsigned DEFAULT NULL)`,
        `CREATE USER 'pt_heartbeat'@'localhost' IDENTIFIED BY ${sqlString(HEARTBEAT_PASSWORD)}`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ${hbDb}.${hbTable} TO 'pt_heartbeat'@'localhost'`,
        "GRANT SLAVE MONITOR, BINLOG MONITOR ON *.* TO 'pt_heartbeat'@'localhost'",
        "CREATE DATABASE clusterdeck",
        "CREATE OR REPLACE SQL SECURITY DEFINER VIEW clusterdeck.read_only_admin_sessions AS SELECT p.ID AS id, p.USER AS user, p.HOST AS host, p.COMMAND AS command, p.TIME AS seconds FROM information_schema.PROCESSLIST p WHERE p.USER IN (SELECT SUBSTRING_INDEX(SUBSTRING(u.GRANTEE, 2), '''@''', 1) FROM information_schema.USER_PRIVILEGES u WHERE u.PRIVILEGE_TYPE = 'READ_ONLY ADMIN')",
        `CREATE USER ${sqlString(a.monitorUser)}@'localhost' IDENTIFIED BY ${sqlString(a.monitorPassword)}`,
        `GRANT SLAVE MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, RELOAD ON *.* TO ${sqlString(a.monitorUser)}@'localhost'`,
        `GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON moodle.* TO ${sqlString(a.monitorUser)}@'localhost'`,
        `GRANT SELECT ON mysql.proc TO ${sqlString(a.monitorUser)}@'localhost'`,
        `GRANT SELECT ON ${hbDb}.${hbTable} TO ${sqlString(a.monitorUser)}@'localhost'`,
        `GRANT SELECT ON clusterdeck.read_only_admin_sessions TO ${sqlString(a.monitorUser)}@'localhost'`,
        // the lab's own reading of its servers: no READ_ONLY ADMIN, so the console's check of who read_only
        // would not stop never sees the lab itself
        `CREATE USER ${sqlString(OBSERVER.user)}@'localhost' IDENTIFIED BY ${sqlString(OBSERVER.password)}`,
        `GRANT SLAVE MONITOR ON *.* TO ${sqlString(OBSERVER.user)}@'localhost'`,
        `GRANT SELECT ON moodle.* TO ${sqlString(OBSERVER.user)}@'localhost'`,
      ].join(";\n"),
    );
    db2.sqlSync(
      `CHANGE MASTER TO MASTER_HOST=${sqlString(this.world.vm("db1").clusterAddress)}, MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=${sqlString(a.replicationPassword)}, MASTER_USE_GTID=slave_pos; START SLAVE`,
    );
    const until = Date.now() + 30_000;
    const target = db1.sqlSync("SELECT @@gtid_binlog_pos").trim();
    while (db2.sqlSync("SELECT @@gtid_slave_pos").trim() !== target) {
      if (Date.now() > until) throw new Error(`db2 did not catch up with db1 (${target}): ${db2.sqlSync("SHOW ALL SLAVES STATUS\\G")}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    // both start read-only from their config (as root, the setup was not stopped by it); db1 is the source
    db1.sqlSync("SET GLOBAL read_only = OFF");
    // the servers' history before the lab is purged (Debian's expire_logs_days), as the emulation's
    for (const s of [db1, db2]) s.sqlSync("FLUSH BINARY LOGS; PURGE BINARY LOGS BEFORE NOW() + INTERVAL 1 SECOND");
    this.startHeartbeat("db1");
  }

  private startHeartbeat(vm: DbVm): void {
    if (this.heartbeats.has(vm) || !fs.existsSync(PT_HEARTBEAT)) return;
    const [hbDb = "percona", hbTable = "heartbeat"] = this.world.settings.heartbeatTable.split(".");
    const s = this.servers[vm];
    const child = spawnTied(
      PT_HEARTBEAT,
      ["--update", "--replace", "--utc", "--interval", "1", "-D", hbDb, "--table", hbTable, `--socket=${s.paths.socket}`, "-u", "pt_heartbeat", `--password=${HEARTBEAT_PASSWORD}`],
      { stdio: "ignore", env: childEnv(path.join(this.base, "clients")) },
    );
    child.on("error", () => undefined);
    child.on("exit", () => {
      if (this.heartbeats.get(vm) === child) this.heartbeats.delete(vm);
    });
    this.heartbeats.set(vm, child);
    this.log(`pt-heartbeat --update --utc on ${vm}`);
  }

  private stopHeartbeat(vm: DbVm): void {
    const child = this.heartbeats.get(vm);
    if (!child) return;
    this.heartbeats.delete(vm);
    child.kill("SIGTERM");
    this.log(`pt-heartbeat stopped on ${vm} (read-only or down)`);
  }

  /** Moodle's writes, sent from the web node's namespace as the moodle account over TCP */
  write(server: MysqlServer, op: TxnOp, from: VmName | null): void {
    const sql = moodleSql(op);
    if (sql === null) return;
    const web: WebVm = from === "web2" ? "web2" : "web1";
    const key = `${web}->${server.vm}`;
    let w = this.writers.get(key);
    if (!w || w.exitCode !== null) {
      const a = LAB_ACCOUNTS;
      const argv = this.net.exec(web, ["/usr/bin/mariadb", "-h", this.world.vm(server.vm).clusterAddress, `-u${a.moodleUser}`, `-p${a.moodlePassword}`, "-B", "-N", "-n", "--force", "--connect-timeout=2", "moodle"]);
      w = spawnTied(argv[0] ?? "ip", argv.slice(1), { stdio: ["pipe", "ignore", "pipe"], env: childEnv(path.join(this.base, "clients")) });
      w.on("error", () => undefined);
      w.stdin?.on("error", () => undefined);
      let reported = 0;
      w.stderr?.on("data", (chunk: Buffer) => {
        const line = chunk.toString().split("\n").find((l) => l.startsWith("ERROR"));
        if (line && reported++ < 3) this.log(`moodle on ${web} -> ${server.vm}: ${line}`);
      });
      this.writers.set(key, w);
    }
    w.stdin?.write(`${sql};\n`);
  }

  tick(): void {
    if (this.stopped) return;
    for (const vm of DB_VMS) {
      const running = this.world.serviceRunning(vm, "mysql");
      if (running !== this.wasRunning[vm]) {
        this.wasRunning[vm] = running;
        if (running) {
          this.net.setHost(vm, true);
          this.servers[vm].start();
          this.log(`${vm}: mariadbd started`);
        } else if (!this.world.isUp(vm)) {
          this.servers[vm].kill();
          this.net.setHost(vm, false);
          this.stopHeartbeat(vm);
          this.log(`${vm}: powered off, mariadbd killed (SIGKILL)`);
        } else {
          this.stopHeartbeat(vm);
          void this.servers[vm].shutdown();
          this.log(`${vm}: mariadbd shut down`);
        }
      }
    }
    if (!this.polling && Date.now() - this.lastPoll >= POLL_MS) {
      this.polling = true;
      this.lastPoll = Date.now();
      void this.poll().finally(() => {
        this.polling = false;
      });
    }
  }

  /** read both servers; the web tier's view and /truth follow what they answer */
  private async poll(): Promise<void> {
    await Promise.all(
      DB_VMS.map(async (vm) => {
        const s = this.servers[vm];
        const vitals = await s.sql(
          "SELECT 'v', @@global.read_only, @@global.gtid_binlog_pos, @@global.gtid_current_pos, @@global.gtid_slave_pos; SELECT 's', COUNT(*) FROM moodle.mdl_sessions; SELECT 'l', COUNT(*) FROM moodle.mdl_logstore_standard_log; SELECT 'c', name, value FROM moodle.mdl_config; SELECT 'x', sid, id, userid, timecreated, timemodified, firstip, lastip FROM moodle.mdl_sessions",
          false,
          OBSERVER,
        );
        const status = await s.sql("SHOW ALL SLAVES STATUS", true, OBSERVER);
        const st = emptyState();
        st.readAt = this.world.now();
        const mirror = this.cluster.server(vm);
        if (vitals.code !== 0 && vitals.stdout === "") {
          this.state[vm] = st;
          return;
        }
        st.answering = true;
        const config = new Map<string, string>();
        const sids = new Set<string>();
        const rows: SessionRow[] = [];
        for (const line of vitals.stdout.split("\n")) {
          const f = line.split("\t");
          if (f[0] === "v") {
            st.readOnly = f[1] === "1";
            st.gtidBinlogPos = f[2] ?? "";
            st.gtidCurrentPos = f[3] ?? "";
            st.gtidSlavePos = f[4] ?? "";
          } else if (f[0] === "s") st.mdlSessions = Number(f[1]);
          else if (f[0] === "l") st.logRows = Number(f[1]);
          else if (f[0] === "c" && f[1] !== undefined) config.set(f[1], f[2] ?? "");
          else if (f[0] === "x" && f[1] !== undefined) {
            sids.add(f[1]);
            const n = (i: number): number => Number(f[i] ?? "0") || 0;
            rows.push({ sid: f[1], id: n(2), userid: n(3), timecreated: n(4), timemodified: n(5), firstip: f[6] ?? "", lastip: f[7] ?? "" });
          }
        }
        st.replica = vertical(status.stdout);
        st.mdlConfigVersion = config.get("version") ?? null;
        this.state[vm] = st;
        if (st.readOnly !== null) mirror.readOnly = st.readOnly;
        if (config.size > 0) mirror.data.config = config;
        for (const sid of [...mirror.data.sessions.keys()]) if (!sids.has(sid)) mirror.data.sessions.delete(sid);
        for (const r of rows) if (!mirror.data.sessions.has(r.sid)) mirror.data.sessions.set(r.sid, r);
        if (st.logRows !== null) mirror.data.logRows = st.logRows;
        if (st.readOnly === false && this.world.serviceRunning(vm, "mysql")) this.startHeartbeat(vm);
        if (st.readOnly === true) this.stopHeartbeat(vm);
      }),
    );
  }

  onFault(fault: Fault, active: boolean): void {
    if (fault.kind === "link-cut") {
      this.net.setLink(!active);
      this.log(`link between the servers ${active ? "cut" : "restored"} (the real servers' packets ${active ? "vanish" : "flow again"})`);
      return;
    }
    const targets = DB_VMS.filter((vm) => fault.target === "" || fault.target === vm);
    if (fault.kind === "replication-break") for (const vm of targets) void this.breakReplication(vm, active);
    if (fault.kind === "replica-slow") for (const vm of targets) this.slowReplica(vm, active);
  }

  /** a conflicting row on the replica, written without binlogging: the source's next log rows hit it (1062) */
  private async breakReplication(vm: DbVm, active: boolean): Promise<void> {
    const other: DbVm = vm === "db1" ? "db2" : "db1";
    const s = this.servers[vm];
    if (!active) {
      await s.sql("SET SESSION sql_log_bin = 0; DELETE FROM moodle.mdl_logstore_standard_log WHERE userid = 0 AND timecreated = 0; START SLAVE");
      this.log(`${vm}: conflicting rows removed, replication started again`);
      return;
    }
    const next = await this.servers[other].sql("SELECT COALESCE(MAX(id), 0) FROM moodle.mdl_logstore_standard_log");
    const from = Number(next.stdout.trim()) + 1;
    const rows = Array.from({ length: 50 }, (_, i) => `(${from + i}, 0, 0)`).join(", ");
    await s.sql(`SET SESSION sql_log_bin = 0; INSERT IGNORE INTO moodle.mdl_logstore_standard_log (id, userid, timecreated) VALUES ${rows}`);
    this.log(`${vm}: rows ${from}..${from + 49} written on the replica alone; the source's next log rows will conflict`);
  }

  /** a lock held on the replica: its SQL thread waits on it, so replication lags while writes go on */
  private slowReplica(vm: DbVm, active: boolean): void {
    const held = this.locks.get(vm);
    if (!active) {
      held?.stdin?.end("UNLOCK TABLES;\n");
      this.locks.delete(vm);
      this.log(`${vm}: lock released`);
      return;
    }
    if (held) return;
    const child = spawnTied("/usr/bin/mariadb", [`--socket=${this.servers[vm].paths.socket}`, "-B", "-N"], { stdio: ["pipe", "ignore", "ignore"] });
    child.on("error", () => undefined);
    child.stdin?.on("error", () => undefined);
    child.stdin?.write("FLUSH TABLES moodle.mdl_sessions, moodle.mdl_logstore_standard_log WITH READ LOCK;\n");
    this.locks.set(vm, child);
    this.log(`${vm}: a session holds a read lock on Moodle's tables; the replica's SQL thread waits`);
  }

  truth(): unknown {
    const server = (vm: DbVm): unknown => {
      const st = this.state[vm];
      const r = st.replica;
      return {
        running: this.servers[vm].running && st.answering,
        serverId: vm === "db1" ? 1 : 2,
        readOnly: st.readOnly,
        superReadOnly: false,
        gtid: { binlogPos: st.gtidBinlogPos, currentPos: st.gtidCurrentPos, slavePos: st.gtidSlavePos },
        mdlSessions: st.mdlSessions,
        mdlConfigVersion: st.mdlConfigVersion,
        logRows: st.logRows,
        pid: this.servers[vm].running ? "running" : null,
        replica: r
          ? {
              source: r.Master_Host ?? "",
              user: r.Master_User ?? "",
              usingGtid: r.Using_Gtid ?? "",
              gtidIoPos: r.Gtid_IO_Pos ?? "",
              ioThread: r.Slave_IO_Running ?? "",
              sqlThread: r.Slave_SQL_Running ?? "",
              lastIoError: r.Last_IO_Error ?? "",
              lastSqlErrno: Number(r.Last_SQL_Errno ?? "0"),
              relayBacklog: r.Read_Master_Log_Pos === r.Exec_Master_Log_Pos ? 0 : 1,
              secondsBehind: r.Seconds_Behind_Master === "NULL" || r.Seconds_Behind_Master === undefined ? null : Number(r.Seconds_Behind_Master),
            }
          : null,
      };
    };
    return {
      backend: "real",
      mariadbd: "10.11 (Debian's mariadb-server)",
      writable: DB_VMS.filter((vm) => this.state[vm].answering && this.state[vm].readOnly === false),
      servers: { db1: server("db1"), db2: server("db2") },
      namespaces: this.net.prefix,
    };
  }

  private killAll(): void {
    for (const c of [...this.writers.values(), ...this.heartbeats.values(), ...this.locks.values()]) c.kill("SIGKILL");
    for (const s of Object.values(this.servers)) s.kill();
    this.net.destroy(["db1", "db2", "web1", "web2"]);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.off("exit", this.onExit);
    for (const c of [...this.writers.values(), ...this.heartbeats.values(), ...this.locks.values()]) c.kill("SIGTERM");
    await Promise.all(Object.values(this.servers).map((s) => s.shutdown()));
    this.net.destroy(["db1", "db2", "web1", "web2"]);
  }
}
