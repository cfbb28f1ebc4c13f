import type { DbVm, World } from "../../model/types";
import { heartbeatTs } from "../shared/time";

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
  | { kind: "dml"; table: string };

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
}

export interface MoodleData {
  sessions: Map<string, SessionRow>;
  config: Map<string, string>;
  heartbeat: Map<number, HeartbeatRow>;
  logRows: number;
  nextSessionId: number;
  nextLogId: number;
}

export interface ReplicaChannel {
  sourceHost: string;
  sourcePort: number;
  sourceUser: string;
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

export function binlogStart(flavour: Flavour): number {
  if (flavour === "mysql8") return 157;
  if (flavour === "mysql57") return 154;
  return 256;
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
  private trimmed = false;

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
    };
  }

  get running(): boolean {
    return this.world.serviceRunning(this.vm, "mysql");
  }

  /** a restart of mysqld: new binary log, uptime from zero */
  restarted(): void {
    this.startedAt = this.world.now();
    this.binlogFile += 1;
    this.binlogPos = binlogStart(this.flavour);
    if (this.replica) {
      this.replica.ioConnected = false;
      this.replica.lastIoAttempt = Number.NEGATIVE_INFINITY;
    }
  }

  /** write a transaction to this server's binary log and apply it to its data */
  commit(op: TxnOp, origin = this.serverId, ts = this.world.now()): Txn {
    const size = txnSize(op);
    this.binlogPos += size;
    const txn: Txn = { origin, ts, file: this.binlogFile, endPos: this.binlogPos, size, op };
    applyOp(this.data, op);
    this.binlog.push(txn);
    if (this.binlog.length > BINLOG_KEEP) {
      this.binlog.splice(0, this.binlog.length - BINLOG_KEEP);
      this.trimmed = true;
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
    const first = this.binlog[0];
    if (this.trimmed && first && (file < first.file || (file === first.file && pos < first.endPos - first.size))) {
      return null;
    }
    const idx = this.binlog.findIndex((t) => t.file > file || (t.file === file && t.endPos > pos));
    return idx < 0 ? [] : this.binlog.slice(idx);
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
  }
}

export function applyOp(data: MoodleData, op: TxnOp): void {
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
  }
}

export function newChannel(sourceHost: string, now: number): ReplicaChannel {
  return {
    sourceHost,
    sourcePort: 3306,
    sourceUser: "repl",
    connectRetry: 60,
    retryCount: 86_400,
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
