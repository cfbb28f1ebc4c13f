import type { DbVm, World } from "../../model/types";
import { heartbeatTs } from "../shared/time";
import type { Account, AccountChange } from "./accounts";
import { applyAccountChange, cloneAccounts } from "./accounts";
import type { Gtid } from "./gtid";

export type Flavour = "mysql8" | "mysql57" | "mariadb";

export interface HeartbeatRow {
  ts: string;
  serverId: number;
  file: string;
  position: number;
  relayMasterLogFile: string | null;
  execMasterLogPos: number | null;
}

export interface SessionRow {
  id: number;
  sid: string;
  userid: number;
  timecreated: number;
  timemodified: number;
  firstip: string;
  lastip: string;
}

export type TxnOp =
  | { kind: "heartbeat"; row: HeartbeatRow }
  | { kind: "session-insert"; row: SessionRow }
  | { kind: "session-touch"; sid: string; time: number; ip: string }
  | { kind: "session-delete"; sid: string }
  | { kind: "log"; userid: number }
  | { kind: "config"; name: string; value: string }
  | { kind: "dml"; table: string }
  | { kind: "account"; change: AccountChange };

/** one binary log event group (a committed transaction) */
export interface Txn {
  /** server_id of the server where it was first committed */
  origin: number;
  /** commit time on the originating server, model ms */
  ts: number;
  file: number;
  endPos: number;
  size: number;
  op: TxnOp;
  gtid: Gtid;
}

export interface MoodleData {
  sessions: Map<string, SessionRow>;
  config: Map<string, string>;
  heartbeat: Map<number, HeartbeatRow>;
  logRows: number;
  nextSessionId: number;
  nextLogId: number;
  /** mysql.global_priv: replicated like any other table */
  accounts: Account[];
}

/** MASTER_USE_GTID as SHOW SLAVE STATUS shows it in Using_Gtid */
export type UseGtid = "No" | "Slave_Pos" | "Current_Pos";

export interface ReplicaChannel {
  sourceHost: string;
  sourcePort: number;
  sourceUser: string;
  /** MASTER_PASSWORD as stored in master.info; "" when none was given */
  sourcePassword: string;
  useGtid: UseGtid;
  /** the last GTID the IO thread received (Gtid_IO_Pos) */
  gtidIoPos: Gtid | null;
  /** Slave_IO_State while not connected: why the last attempt failed decides the wording */
  ioWaitState: string;
  connectRetry: number;
  retryCount: number;
  autoPosition: boolean;
  /** START REPLICA state of each thread (what the operator asked for) */
  ioRunning: boolean;
  sqlRunning: boolean;
  ioConnected: boolean;
  ioRetries: number;
  lastIoAttempt: number;
  lastContact: number;
  lastIoErrno: number;
  lastIoError: string;
  lastIoErrorAt: number | null;
  lastSqlErrno: number;
  lastSqlError: string;
  lastSqlErrorAt: number | null;
  /** source coordinates the IO thread has read up to */
  readFile: number;
  readPos: number;
  /** source coordinates the SQL thread has executed up to */
  execFile: number;
  execPos: number;
  relay: Txn[];
  relayFile: number;
  relayPos: number;
  relaySpace: number;
  applyBudgetMs: number;
  skipCounter: number;
  /** set by the replication-break fault: the next row event hits a duplicate key */
  conflictPending: boolean;
  lastAppliedTs: number | null;
  retrievedCount: number;
}

/** keep this many binlog events in memory per server */
const BINLOG_KEEP = 20_000;

export function binlogBase(flavour: Flavour): string {
  return flavour === "mysql8" ? "binlog" : "mysql-bin";
}

/**
 * Position after a new binary log's header events. MariaDB 10.11.19 writes Format_desc (ends at 256),
 * Gtid_list (29 + 16 bytes per GTID) and Binlog_checkpoint (27 + the file name): 358 with two GTIDs.
 */
export function binlogStart(flavour: Flavour, gtidListEntries = 0): number {
  if (flavour === "mysql8") return 157;
  if (flavour === "mysql57") return 154;
  return 256 + 29 + 16 * gtidListEntries + 27 + "mysql-bin.000000".length;
}

export function fileName(flavour: Flavour, index: number): string {
  return `${binlogBase(flavour)}.${String(index).padStart(6, "0")}`;
}

function uuidFrom(world: World): string {
  const hex = (n: number): string =>
    Array.from({ length: n }, () => world.rng.int(0, 15).toString(16)).join("");
  return `${hex(8)}-${hex(4)}-11ef-${hex(4)}-${hex(12)}`;
}

export class MysqlServer {
  readonly serverId: number;
  readonly uuid: string;
  readOnly: boolean;
  superReadOnly: boolean;
  startedAt: number;
  binlogFile: number;
  binlogPos: number;
  binlog: Txn[] = [];
  questions = 0;
  connections = 0;
  comSelect = 0;
  comInsert = 0;
  comUpdate = 0;
  comDelete = 0;
  bytesReceived = 0;
  bytesSent = 0;
  ownTxns = 0;
  wasRunning = true;
  data: MoodleData;
  replica: ReplicaChannel | null = null;
  heartbeatCarry = 0;
  /** gtid_binlog_state: the last sequence number binlogged per originating server_id (domain 0) */
  binlogState = new Map<number, number>();
  /** gtid_binlog_pos: the last GTID written to the binary log */
  lastBinlogGtid: Gtid | null = null;
  /** gtid_slave_pos: the last GTID the SQL thread applied (or skipped) */
  slavePos: Gtid | null = null;
  /** the Gtid_list of the oldest binary log still kept: earlier GTIDs were purged */
  purgedState = new Map<number, number>();

  constructor(
    readonly vm: DbVm,
    private readonly world: World,
    readonly flavour: Flavour,
    isSource: boolean,
  ) {
    this.serverId = vm === "db1" ? 1 : 2;
    this.uuid = uuidFrom(world);
    this.readOnly = !isSource;
    this.superReadOnly = !isSource && flavour !== "mariadb";
    this.startedAt = world.now() - 3 * 86_400_000 - world.rng.int(0, 3_600_000);
    this.binlogFile = 42;
    this.binlogPos = 1_204_517 + world.rng.int(0, 50_000);
    this.data = {
      sessions: new Map(),
      config: new Map([
        ["version", "2024042202.02"],
        ["release", "4.4.2+ (Build: 20240802)"],
        ["branch", "404"],
      ]),
      heartbeat: new Map(),
      logRows: 48_213,
      nextSessionId: 1,
      nextLogId: 48_214,
      accounts: [],
    };
  }

  /** the server's history before the lab started: binary logs up to then are purged */
  seedHistory(state: Map<number, number>, last: Gtid, accounts: readonly Account[]): void {
    this.binlogState = new Map(state);
    this.purgedState = new Map(state);
    this.lastBinlogGtid = { ...last };
    this.data.accounts = cloneAccounts(accounts);
  }

  /** the next GTID this server gives a transaction of its own: sequence numbers run on across the domain */
  private nextGtid(): Gtid {
    const top = Math.max(0, ...this.binlogState.values(), this.slavePos?.seq ?? 0);
    return { domain: 0, server: this.serverId, seq: top + 1 };
  }

  /** the last GTID binlogged with this server's own server_id */
  ownBinlogged(): Gtid | null {
    const seq = this.binlogState.get(this.serverId);
    return seq === undefined ? null : { domain: 0, server: this.serverId, seq };
  }

  get running(): boolean {
    return this.world.serviceRunning(this.vm, "mysql");
  }

  /**
   * a restart of mysqld: new binary log, uptime from zero, read_only from the config file again (the lab's
   * servers have read_only=ON there, as mariadbd's real backend: SET GLOBAL does not outlive a restart)
   */
  restarted(): void {
    this.startedAt = this.world.now();
    this.readOnly = true;
    this.superReadOnly = this.flavour !== "mariadb";
    this.rotate();
    if (this.replica) {
      this.replica.ioConnected = false;
      this.replica.lastIoAttempt = Number.NEGATIVE_INFINITY;
    }
  }

  /** FLUSH BINARY LOGS or a restart: a new file starting with the current GTID state */
  rotate(): void {
    this.binlogFile += 1;
    this.binlogPos = binlogStart(this.flavour, this.binlogState.size);
  }

  /** RESET MASTER: binary logs and GTID state start again from nothing */
  resetMaster(): void {
    this.binlogFile = 1;
    this.binlog = [];
    this.binlogState = new Map();
    this.purgedState = new Map();
    this.lastBinlogGtid = null;
    this.binlogPos = binlogStart(this.flavour);
  }

  /** write a transaction to this server's binary log and apply it to its data; a replicated one keeps its GTID */
  commit(op: TxnOp, origin = this.serverId, ts = this.world.now(), gtid: Gtid = this.nextGtid()): Txn {
    const size = txnSize(op);
    this.binlogPos += size;
    const txn: Txn = { origin, ts, file: this.binlogFile, endPos: this.binlogPos, size, op, gtid: { ...gtid } };
    applyOp(this.data, op, this.flavour);
    this.binlog.push(txn);
    this.binlogState.set(gtid.server, gtid.seq);
    this.lastBinlogGtid = txn.gtid;
    if (this.binlog.length > BINLOG_KEEP) {
      for (const gone of this.binlog.splice(0, this.binlog.length - BINLOG_KEEP)) this.purgedState.set(gone.gtid.server, gone.gtid.seq);
    }
    if (origin === this.serverId) this.ownTxns += 1;
    return txn;
  }

  heartbeatRow(): HeartbeatRow {
    const r = this.replica;
    return {
      ts: heartbeatTs(this.world.now()),
      serverId: this.serverId,
      file: fileName(this.flavour, this.binlogFile),
      position: this.binlogPos,
      relayMasterLogFile: r ? fileName(this.flavour, r.execFile) : null,
      execMasterLogPos: r ? r.execPos : null,
    };
  }

  /** binlog events after the given coordinates, or null when they were already purged */
  eventsAfter(file: number, pos: number): Txn[] | null {
    const oldest = this.binlog[0]?.file ?? this.binlogFile;
    if (this.purgedState.size > 0 && file < oldest) return null;
    const idx = this.binlog.findIndex((t) => t.file > file || (t.file === file && t.endPos > pos));
    return idx < 0 ? [] : this.binlog.slice(idx);
  }

  /**
   * Where a GTID-positioned replica starts reading (the index of the first event after `from`), or the
   * reason the source refuses, in MariaDB 10.11.19's words (seen with purged and with diverged replicas).
   */
  gtidStart(from: Gtid | null): { ok: true; index: number } | { ok: false; error: string } {
    const tooOld =
      "Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old and required binlog files have been purged.";
    if (from === null) return this.purgedState.size > 0 ? { ok: false, error: tooOld } : { ok: true, index: 0 };
    const have = this.binlogState.get(from.server);
    if (have === undefined || from.seq > have) {
      return { ok: false, error: `Error: connecting slave requested to start from GTID ${from.domain}-${from.server}-${from.seq}, which is not in the master's binlog` };
    }
    const purgedTo = this.purgedState.get(from.server);
    if (purgedTo !== undefined && from.seq < purgedTo) return { ok: false, error: tooOld };
    const idx = this.binlog.findIndex((t) => t.gtid.seq > from.seq);
    return { ok: true, index: idx < 0 ? this.binlog.length : idx };
  }
}

function txnSize(op: TxnOp): number {
  switch (op.kind) {
    case "heartbeat":
      return 342;
    case "session-insert":
      return 611;
    case "session-touch":
      return 402;
    case "session-delete":
      return 318;
    case "log":
      return 877;
    case "config":
      return 296;
    case "dml":
      return 420;
    case "account":
      return 388;
  }
}

export function applyOp(data: MoodleData, op: TxnOp, flavour: Flavour): void {
  switch (op.kind) {
    case "heartbeat":
      data.heartbeat.set(op.row.serverId, op.row);
      return;
    case "session-insert":
      data.sessions.set(op.row.sid, { ...op.row });
      data.nextSessionId = Math.max(data.nextSessionId, op.row.id + 1);
      return;
    case "session-touch": {
      const row = data.sessions.get(op.sid);
      if (row) {
        row.timemodified = op.time;
        row.lastip = op.ip;
      }
      return;
    }
    case "session-delete":
      data.sessions.delete(op.sid);
      return;
    case "log":
      data.logRows += 1;
      data.nextLogId += 1;
      return;
    case "config":
      data.config.set(op.name, op.value);
      return;
    case "dml":
      return;
    case "account":
      applyAccountChange(data.accounts, flavour, op.change);
      return;
  }
}

export function newChannel(sourceHost: string, now: number, flavour: Flavour): ReplicaChannel {
  return {
    sourceHost,
    sourcePort: 3306,
    sourceUser: "repl",
    sourcePassword: "",
    useGtid: flavour === "mariadb" ? "Slave_Pos" : "No",
    gtidIoPos: null,
    ioWaitState: "",
    connectRetry: 60,
    retryCount: flavour === "mariadb" ? 100_000 : 86_400,
    autoPosition: false,
    ioRunning: true,
    sqlRunning: true,
    ioConnected: false,
    ioRetries: 0,
    lastIoAttempt: Number.NEGATIVE_INFINITY,
    lastContact: now,
    lastIoErrno: 0,
    lastIoError: "",
    lastIoErrorAt: null,
    lastSqlErrno: 0,
    lastSqlError: "",
    lastSqlErrorAt: null,
    readFile: 0,
    readPos: 0,
    execFile: 0,
    execPos: 0,
    relay: [],
    relayFile: 2,
    relayPos: 4,
    relaySpace: 0,
    applyBudgetMs: 0,
    skipCounter: 0,
    conflictPending: false,
    lastAppliedTs: null,
    retrievedCount: 0,
  };
}
