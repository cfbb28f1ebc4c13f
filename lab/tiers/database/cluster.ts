import type { DbVm, Fault, VmName, World } from "../../model/types";
import { findVm } from "../shared/exec";
import type { LabAccountSettings } from "./accounts";
import { authenticate, hasGlobal, labAccounts, matchAccount } from "./accounts";
import { currentPos } from "./gtid";
import { moodleSql } from "./moodle-sql";
import type { Flavour, ReplicaChannel, Txn, TxnOp } from "./server";
import { MysqlServer, fileName, newChannel } from "./server";

/** the lab's MySQL accounts: the console's (its defaults file), replication's, Moodle's (its config.php) */
export const LAB_ACCOUNTS: LabAccountSettings = {
  monitorUser: "clusterdeck",
  monitorPassword: "clusterdeck-lab",
  replicationUser: "repl",
  replicationPassword: "repl-lab-secret",
  moodleUser: "moodle",
  moodlePassword: "moodle-lab-secret",
  heartbeatTable: "percona.heartbeat",
  moodleDatabase: "moodle",
};
/** every lab server listens here */
export const MYSQL_PORT = 3306;

export const DB_VMS: readonly DbVm[] = ["db1", "db2"];
/** slave_net_timeout: a silently vanished source is noticed only after this long */
const NET_TIMEOUT_MS = 60_000;
/** apply cost of one event under the replica-slow fault (normal cost is ~1 ms) */
const SLOW_APPLY_MS = 1500;

export function isDbVm(vm: VmName): vm is DbVm {
  return vm === "db1" || vm === "db2";
}

export type Reach =
  | { ok: true; server: MysqlServer; /** the host the server sees: `localhost` over the socket */ clientHost: string }
  | { ok: false; errno: 2002 | 2003 | 2005; reason: string; code: number };

function applyCost(t: Txn): number {
  return t.op.kind === "heartbeat" ? 0.3 : 1;
}

function isRowWrite(op: TxnOp): boolean {
  return op.kind === "log" || op.kind === "session-insert" || op.kind === "dml";
}

/** db1/db2 MySQL servers, pt-heartbeat on the writable one, and asynchronous replication */
export class DatabaseCluster {
  readonly servers: Record<DbVm, MysqlServer>;
  readonly flavour: Flavour;
  /** open client connections from the web tier per server */
  readonly webConnections: Record<DbVm, number> = { db1: 0, db2: 0 };
  readonly events: string[] = [];
  /** the real backend sends Moodle's writes to its mariadbd; the model keeps them too, as the web tier's view */
  externalWrite: ((server: MysqlServer, op: TxnOp, from: VmName | null) => void) | null = null;

  constructor(private readonly world: World) {
    this.flavour = world.settings.mysqlFlavour;
    this.servers = {
      db1: new MysqlServer("db1", world, this.flavour, true),
      db2: new MysqlServer("db2", world, this.flavour, false),
    };
    const src = this.servers.db1;
    const rep = this.servers.db2;
    const accounts = labAccounts(this.flavour, { ...LAB_ACCOUNTS, heartbeatTable: world.settings.heartbeatTable });
    const seq = 1_093_112 + world.rng.int(0, 5000);
    const history = new Map([[src.serverId, seq]]);
    src.seedHistory(history, { domain: 0, server: src.serverId, seq }, accounts);
    rep.seedHistory(history, { domain: 0, server: src.serverId, seq }, accounts);
    rep.slavePos = { domain: 0, server: src.serverId, seq };
    const ch = newChannel(world.vm("db1").clusterAddress, world.now(), this.flavour);
    ch.sourcePassword = LAB_ACCOUNTS.replicationPassword;
    ch.readFile = src.binlogFile;
    ch.readPos = src.binlogPos;
    ch.execFile = src.binlogFile;
    ch.execPos = src.binlogPos;
    ch.ioConnected = true;
    ch.lastIoAttempt = world.now();
    rep.replica = ch;
    rep.data.logRows = src.data.logRows;
    rep.data.nextLogId = src.data.nextLogId;
    const hb = src.commit({ kind: "heartbeat", row: src.heartbeatRow() });
    rep.commit(hb.op, hb.origin, hb.ts, hb.gtid);
    rep.slavePos = hb.gtid;
    ch.gtidIoPos = hb.gtid;
    ch.readPos = src.binlogPos;
    ch.execPos = src.binlogPos;
    ch.lastAppliedTs = world.now();
  }

  private log(msg: string): void {
    this.world.log(`database: ${msg}`);
    this.events.push(`${new Date(this.world.now()).toISOString()} ${msg}`);
    if (this.events.length > 50) this.events.shift();
  }

  server(vm: DbVm): MysqlServer {
    return this.servers[vm];
  }

  /** can `from` open a MySQL connection to `host` (a name, address, or loopback; null or localhost = the socket)? */
  reach(from: VmName, host: string | null, port = MYSQL_PORT): Reach {
    const local = host === null || host === "localhost" || host === "127.0.0.1" || host === "";
    const target = local ? from : findVm(this.world, host);
    if (target === null) {
      return { ok: false, errno: 2005, reason: `Unknown MySQL server host '${host ?? ""}' (-2)`, code: 1 };
    }
    if (!isDbVm(target)) {
      if (local) return { ok: false, errno: 2002, reason: "socket", code: 2 };
      return { ok: false, errno: 2003, reason: "refused", code: this.world.canReach(from, target) ? 111 : 113 };
    }
    const s = this.servers[target];
    if (from !== target && !this.world.canReach(from, target)) {
      return { ok: false, errno: 2003, reason: "unreachable", code: 113 };
    }
    const socket = host === null || host === "localhost" || host === "";
    if (!s.running || (!socket && port !== MYSQL_PORT)) {
      return socket ? { ok: false, errno: 2002, reason: "socket", code: 2 } : { ok: false, errno: 2003, reason: "refused", code: 111 };
    }
    const clientHost = socket ? "localhost" : local ? "127.0.0.1" : this.world.vm(from).clusterAddress;
    return { ok: true, server: s, clientHost };
  }

  tick(dtMs: number): void {
    for (const vm of DB_VMS) {
      const s = this.servers[vm];
      const running = s.running;
      if (running && !s.wasRunning) {
        s.restarted();
        this.log(`${vm}: mysqld started, new binary log ${fileName(this.flavour, s.binlogFile)}`);
      }
      if (!running && s.wasRunning) this.log(`${vm}: mysqld stopped`);
      s.wasRunning = running;
    }
    for (const vm of DB_VMS) {
      const s = this.servers[vm];
      if (!s.running || s.readOnly) continue;
      s.heartbeatCarry += dtMs;
      while (s.heartbeatCarry >= 1000) {
        s.heartbeatCarry -= 1000;
        s.commit({ kind: "heartbeat", row: s.heartbeatRow() });
      }
    }
    for (const vm of DB_VMS) {
      const s = this.servers[vm];
      if (!s.running || !s.replica) continue;
      this.ioThread(s, s.replica);
      this.sqlThread(s, s.replica, dtMs);
    }
  }

  /** the lab server a replication channel points at, if its host names one */
  sourceOfChannel(ch: ReplicaChannel): MysqlServer | null {
    const vm = findVm(this.world, ch.sourceHost);
    return vm && isDbVm(vm) ? this.servers[vm] : null;
  }

  private ioThread(s: MysqlServer, ch: ReplicaChannel): void {
    const now = this.world.now();
    if (!ch.ioRunning) {
      ch.ioConnected = false;
      return;
    }
    const src = this.sourceOfChannel(ch);
    const reachable = src !== null && src !== s && this.world.canReach(s.vm, src.vm);
    const listening = reachable && src !== null && src.running && ch.sourcePort === MYSQL_PORT;
    if (ch.ioConnected) {
      if (listening && src) {
        ch.lastContact = now;
        this.fetch(s, ch, src);
        return;
      }
      // a source that stops closes the connection at once; one that vanishes is noticed after slave_net_timeout
      if (!(reachable && src && !listening) && now - ch.lastContact < NET_TIMEOUT_MS) return;
      ch.ioConnected = false;
      ch.lastIoAttempt = Number.NEGATIVE_INFINITY;
      ch.ioWaitState = "reconnecting";
      this.log(`${s.vm}: replication IO thread lost its source ${ch.sourceHost}`);
    }
    if (now - ch.lastIoAttempt < ch.connectRetry * 1000) return;
    ch.lastIoAttempt = now;
    const reconnecting = ch.ioWaitState === "reconnecting";
    if (!listening || !src) {
      this.ioFailed(ch, src, reachable, reconnecting);
      return;
    }
    const auth = authenticate(src.data.accounts, {
      user: ch.sourceUser,
      password: ch.sourcePassword,
      clientHost: this.world.vm(s.vm).clusterAddress,
      osUser: "",
    });
    if (!auth.ok) {
      this.ioError(ch, 1045, auth.message, reconnecting, "connecting");
      return;
    }
    if (!hasGlobal(auth.account, "REPLICATION SLAVE")) {
      ch.ioRetries += 1;
      ch.ioWaitState = "registration";
      ch.lastIoErrno = 1597;
      ch.lastIoError = `Master command COM_REGISTER_SLAVE failed: Access denied for user '${ch.sourceUser}'@'${auth.account.host}' (using password: ${ch.sourcePassword === "" ? "NO" : "YES"}) (Errno: 1045)`;
      ch.lastIoErrorAt = now;
      return;
    }
    if (ch.useGtid !== "No" && !this.gtidConnect(s, ch, src)) return;
    ch.ioConnected = true;
    ch.ioRetries = 0;
    ch.ioWaitState = "";
    ch.lastIoErrno = 0;
    ch.lastIoError = "";
    ch.lastIoErrorAt = null;
    ch.lastContact = now;
    this.log(`${s.vm}: replication IO thread connected to ${ch.sourceHost}`);
    this.fetch(s, ch, src);
  }

  /** MASTER_USE_GTID: ask the source for everything after our position; it may refuse (error 1236) */
  private gtidConnect(s: MysqlServer, ch: ReplicaChannel, src: MysqlServer): boolean {
    const from = ch.useGtid === "Slave_Pos" ? s.slavePos : currentPos(s.ownBinlogged(), s.slavePos);
    const start = src.gtidStart(from);
    if (!start.ok) {
      ch.ioRunning = false;
      ch.ioConnected = false;
      ch.ioWaitState = "";
      ch.gtidIoPos = from;
      ch.lastIoErrno = 1236;
      ch.lastIoError = `Got fatal error 1236 from master when reading data from binary log: '${start.error}'`;
      ch.lastIoErrorAt = this.world.now();
      this.log(`${s.vm}: replication IO thread stopped: ${ch.lastIoError}`);
      return false;
    }
    // the relay log is fetched again from the GTID position, so nothing is applied twice
    ch.relay = [];
    ch.relaySpace = 0;
    const prev = src.binlog[start.index - 1];
    const next = src.binlog[start.index];
    if (prev) {
      ch.readFile = prev.file;
      ch.readPos = prev.endPos;
    } else if (next) {
      ch.readFile = next.file;
      ch.readPos = next.endPos - next.size;
    } else {
      ch.readFile = src.binlogFile;
      ch.readPos = src.binlogPos;
    }
    ch.gtidIoPos = from;
    return true;
  }

  private ioFailed(ch: ReplicaChannel, src: MysqlServer | null, reachable: boolean, reconnecting: boolean): void {
    if (src === null) {
      const known = findVm(this.world, ch.sourceHost) !== null;
      const message = this.flavour === "mariadb"
        ? known ? `Can't connect to server on '${ch.sourceHost}' (111 "Connection refused")` : `Unknown server host '${ch.sourceHost}' (-2)`
        : known ? `Can't connect to MySQL server on '${ch.sourceHost}${this.flavour === "mysql8" ? `:${ch.sourcePort}` : ""}' (111)` : `Unknown MySQL server host '${ch.sourceHost}' (-2)`;
      this.ioError(ch, known ? 2003 : 2005, message, reconnecting, "connecting");
      return;
    }
    // a source that vanished (power, link) lets the connect time out: 110 on 10.11.19 in the real backend's namespaces
    const message = this.flavour === "mariadb"
      ? `Can't connect to server on '${ch.sourceHost}' (${reachable ? '111 "Connection refused"' : '110 "Connection timed out"'})`
      : `Can't connect to MySQL server on '${ch.sourceHost}${this.flavour === "mysql8" ? `:${ch.sourcePort}` : ""}' (${reachable ? 111 : 113})`;
    this.ioError(ch, 2003, message, reconnecting, "connecting");
  }

  /** Last_IO_Error as the server words a failed (re)connection attempt */
  private ioError(ch: ReplicaChannel, errno: number, message: string, reconnecting: boolean, state: string): void {
    ch.ioRetries += 1;
    ch.ioWaitState = reconnecting ? "reconnecting" : state;
    const target = `${ch.sourceUser}@${ch.sourceHost}:${ch.sourcePort}`;
    ch.lastIoErrno = errno;
    ch.lastIoError =
      this.flavour === "mariadb"
        ? `error ${reconnecting ? "reconnecting" : "connecting"} to master '${target}' - retry-time: ${ch.connectRetry}  maximum-retries: ${ch.retryCount}  message: ${message}`
        : `error connecting to master '${target}' - retry-time: ${ch.connectRetry} retries: ${ch.ioRetries} message: ${message}`;
    ch.lastIoErrorAt = this.world.now();
  }

  private fetch(s: MysqlServer, ch: ReplicaChannel, src: MysqlServer): void {
    const events = src.eventsAfter(ch.readFile, ch.readPos);
    if (events === null) {
      ch.ioRunning = false;
      ch.ioConnected = false;
      ch.lastIoErrno = this.flavour === "mariadb" ? 1236 : 13114;
      ch.lastIoError = this.flavour === "mariadb"
        ? "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'"
        : "Got fatal error 1236 from source when reading data from binary log: 'Could not find first log file name in binary log index file'";
      ch.lastIoErrorAt = this.world.now();
      this.log(`${s.vm}: replication IO thread stopped: ${ch.lastIoError}`);
      return;
    }
    for (const t of events) {
      ch.relay.push(t);
      ch.readFile = t.file;
      ch.readPos = t.endPos;
      ch.relaySpace += t.size + 31;
      ch.relayPos += t.size + 31;
      ch.retrievedCount += 1;
      ch.gtidIoPos = t.gtid;
    }
  }

  private sqlThread(s: MysqlServer, ch: ReplicaChannel, dtMs: number): void {
    if (!ch.sqlRunning) {
      ch.applyBudgetMs = 0;
      return;
    }
    ch.applyBudgetMs += dtMs;
    const slow = this.world.hasFault("replica-slow", s.vm) || this.world.hasFault("replica-slow", "");
    while (ch.relay.length > 0) {
      const t = ch.relay[0];
      if (!t) break;
      if (t.origin === s.serverId || ch.skipCounter > 0) {
        if (t.origin !== s.serverId) {
          ch.skipCounter -= 1;
          if (ch.conflictPending && isRowWrite(t.op)) ch.conflictPending = false;
        }
        s.slavePos = t.gtid;
        this.consume(ch, t);
        continue;
      }
      if (ch.conflictPending && isRowWrite(t.op)) {
        this.breakReplication(s, ch, t);
        return;
      }
      const cost = slow ? SLOW_APPLY_MS : applyCost(t);
      if (ch.applyBudgetMs < cost) break;
      ch.applyBudgetMs -= cost;
      s.commit(t.op, t.origin, t.ts, t.gtid);
      s.slavePos = t.gtid;
      this.consume(ch, t);
      ch.lastAppliedTs = t.ts;
    }
    if (ch.relay.length === 0) ch.applyBudgetMs = 0;
  }

  private consume(ch: ReplicaChannel, t: Txn): void {
    ch.relay.shift();
    ch.execFile = t.file;
    ch.execPos = t.endPos;
    ch.relaySpace = Math.max(0, ch.relaySpace - t.size - 31);
  }

  private breakReplication(s: MysqlServer, ch: ReplicaChannel, t: Txn): void {
    const key = s.data.nextLogId;
    const logName = fileName(this.flavour, t.file);
    const table = t.op.kind === "session-insert" ? "mdl_sessions" : "mdl_logstore_standard_log";
    ch.sqlRunning = false;
    ch.lastSqlErrno = 1062;
    ch.lastSqlErrorAt = this.world.now();
    if (this.flavour === "mysql8") {
      ch.lastSqlError =
        `Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: ` +
        `Worker 1 failed executing transaction 'ANONYMOUS' at source log ${logName}, end_log_pos ${t.endPos}. ` +
        "See error log and/or performance_schema.replication_applier_status_by_worker table for more details about this failure or others, if any.";
    } else if (this.flavour === "mariadb") {
      // Debian's binlog_format is MIXED: Moodle's INSERT replicates as a statement (seen on the real backend)
      const query = moodleSql(t.op) ?? "";
      ch.lastSqlError = `Error 'Duplicate entry '${key}' for key 'PRIMARY'' on query. Default database: 'moodle'. Query: '${query}'`;
    } else {
      const event = "Write_rows";
      ch.lastSqlError =
        `Could not execute ${event} event on table moodle.${table}; Duplicate entry '${key}' for key 'PRIMARY', ` +
        `Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log ${logName}, end_log_pos ${t.endPos}`;
    }
    this.log(`${s.vm}: replication SQL thread stopped with error 1062 at ${logName}:${t.endPos}`);
  }

  onFault(fault: Fault, active: boolean): void {
    if (fault.kind !== "replication-break") return;
    for (const vm of DB_VMS) {
      const ch = this.servers[vm].replica;
      if (!ch || (fault.target !== "" && fault.target !== vm)) continue;
      if (active) {
        ch.conflictPending = true;
        continue;
      }
      ch.conflictPending = false;
      if (!ch.sqlRunning && ch.lastSqlErrno === 1062) {
        ch.sqlRunning = true;
        ch.lastSqlErrno = 0;
        ch.lastSqlError = "";
        ch.lastSqlErrorAt = null;
        this.log(`${vm}: replication-break cleared, SQL thread restarted`);
      }
    }
  }

  // ---- web tier entry points

  /** the server a Moodle node talks to at `host`, if it can connect */
  connect(from: VmName, host: string): MysqlServer | null {
    const r = this.reach(from, host);
    return r.ok ? r.server : null;
  }

  /**
   * A write transaction from Moodle on a web node, as its database user; false when the server refuses it:
   * read_only stops every account without READ_ONLY ADMIN (SUPER on MySQL), super_read_only stops all.
   */
  webWrite(server: MysqlServer, op: TxnOp, from: VmName | null = null): boolean {
    const host = from === null ? "192.168.10.11" : this.world.vm(from).clusterAddress;
    const account = matchAccount(server.data.accounts, LAB_ACCOUNTS.moodleUser, host);
    if (!account) return false;
    if (server.superReadOnly) return false;
    if (server.readOnly && !hasGlobal(account, readOnlyBypass(this.flavour))) return false;
    this.externalWrite?.(server, op, from);
    server.commit(op);
    server.questions += 1;
    if (op.kind === "session-insert" || op.kind === "log") server.comInsert += 1;
    else if (op.kind === "session-delete") server.comDelete += 1;
    else server.comUpdate += 1;
    return true;
  }

  /** lag facts for truth(): Seconds_Behind as MySQL computes it and the heartbeat's real delay */
  replicaLag(vm: DbVm): { secondsBehind: number | null; heartbeatLagSeconds: number | null } {
    const s = this.servers[vm];
    const ch = s.replica;
    if (!ch) return { secondsBehind: null, heartbeatLagSeconds: null };
    const src = this.sourceOfChannel(ch);
    const hb = src ? s.data.heartbeat.get(src.serverId) : undefined;
    const hbMs = hb ? Date.parse(`${hb.ts}Z`) : Number.NaN;
    return {
      secondsBehind: secondsBehind(this.world.now(), s, ch),
      heartbeatLagSeconds: Number.isNaN(hbMs) ? null : Math.max(0, (this.world.now() - hbMs) / 1000),
    };
  }
}

/** the privilege that lets an account write while read_only=1 (since MariaDB 10.11 SUPER no longer does) */
export function readOnlyBypass(flavour: Flavour): string {
  return flavour === "mariadb" ? "READ_ONLY ADMIN" : "SUPER";
}

/** Seconds_Behind_Source: NULL unless both threads run and the IO thread is connected */
export function secondsBehind(now: number, s: MysqlServer, ch: ReplicaChannel): number | null {
  if (!s.running || !ch.sqlRunning || !ch.ioRunning || !ch.ioConnected) return null;
  const next = ch.relay.find((t) => t.origin !== s.serverId);
  if (!next) return 0;
  return Math.max(0, Math.floor((now - next.ts) / 1000));
}
