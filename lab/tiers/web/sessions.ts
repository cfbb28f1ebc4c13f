import fs from "node:fs";
import path from "node:path";
import type { WebVm, World } from "../../model/types";
import type { DatabaseTier } from "../database";
import type { MysqlServer } from "../database/server";
import { tryResolve } from "../shared/files";

export type SessionStore = "file" | "database" | "other";

/** the handler \core\session\manager::get_handler_class() picks: config.php's, else the dbsessions admin setting, else files */
export function sessionHandlerClass(cfg: Map<string, string>, db: MysqlServer | null): string {
  const configured = cfg.get("session_handler_class");
  if (configured) return configured;
  return isSet(db?.data.config.get("dbsessions")) ? "\\core\\session\\database" : "\\core\\session\\file";
}

export function storeOf(handlerClass: string): SessionStore {
  if (/session\\file$/.test(handlerClass)) return "file";
  if (/session\\database$/.test(handlerClass)) return "database";
  return "other";
}

/** \core\session\file: $CFG->session_file_save_path, else $CFG->dataroot/sessions (on the shared NFS dataroot) */
export function sessionDir(cfg: Map<string, string>, defaultDataroot: string): string {
  return cfg.get("session_file_save_path") ?? `${cfg.get("dataroot") ?? defaultDataroot}/sessions`;
}

/** PHP's empty(): unset, "" and "0" are empty */
export function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0";
}

const SID_CHARS = "0123456789abcdefghijklmnopqrstuv";
/** \core\task\session_cleanup_task runs every minute from cron */
const GC_EVERY_MS = 60_000;
/** handler::gc(): sessions of the first visit never used again go after 3 minutes */
const FIRST_VISIT_SECONDS = 180;
/** $CFG->sessiontimeout's default (lib/setup.php): 8 hours */
const SESSION_TIMEOUT_SECONDS = 8 * 3600;

export interface SessionOpen {
  sid: string;
  /** the sid the client sent is gone (its file is not on this node, or the record was removed) */
  lost: boolean;
}

/**
 * Moodle's sessions as one web node handles them: every new session (a visitor without a cookie
 * as much as a login) gets a row in mdl_sessions (handler::add_session()), and with the file
 * handler a `sess_<sid>` file owned by www-data, mode 0600, in the session directory.
 */
export class Sessions {
  private lastGc = 0;

  constructor(
    private readonly world: World,
    private readonly db: DatabaseTier,
  ) {}

  private file(vm: WebVm, cfg: Map<string, string>, sid: string): string | null {
    return tryResolve(this.world, vm, `${sessionDir(cfg, this.world.settings.dataroot)}/sess_${sid}`);
  }

  private newSid(): string {
    return Array.from({ length: 26 }, () => SID_CHARS[this.world.rng.int(0, 31)] ?? "0").join("");
  }

  /** a new session for `userid` (0: not logged in); null when its record or file cannot be written (Moodle answers 500) */
  create(vm: WebVm, cfg: Map<string, string>, db: MysqlServer, userid: number, ip: string): string | null {
    const sid = this.newSid();
    const now = Math.floor(this.world.now() / 1000);
    if (storeOf(sessionHandlerClass(cfg, db)) === "file") {
      const file = this.file(vm, cfg, sid);
      if (file === null || !fs.existsSync(path.dirname(file))) return null;
      const user = `USER|O:8:"stdClass":2:{s:2:"id";i:${userid};s:10:"mnethostid";s:1:"1";}`;
      fs.writeFileSync(file, `SESSION|O:8:"stdClass":0:{}${user}`);
      this.world.access.setup(file, "www-data", "www-data", 0o600);
      fs.utimesSync(file, now, now);
    }
    const row = { id: db.data.nextSessionId, sid, userid, timecreated: now, timemodified: now, firstip: ip, lastip: ip };
    if (!this.db.cluster.webWrite(db, { kind: "session-insert", row }, vm)) {
      const file = this.file(vm, cfg, sid);
      if (file) fs.rmSync(file, { force: true });
      return null;
    }
    return sid;
  }

  /** does the client's session still hold its data on this node? */
  exists(vm: WebVm, cfg: Map<string, string>, db: MysqlServer, sid: string): boolean {
    if (storeOf(sessionHandlerClass(cfg, db)) !== "file") return db.data.sessions.has(sid);
    const file = this.file(vm, cfg, sid);
    return file !== null && fs.existsSync(file);
  }

  touch(vm: WebVm, cfg: Map<string, string>, db: MysqlServer, sid: string, ip: string): void {
    const now = Math.floor(this.world.now() / 1000);
    if (storeOf(sessionHandlerClass(cfg, db)) === "file") {
      const file = this.file(vm, cfg, sid);
      if (file && fs.existsSync(file)) fs.utimesSync(file, now, now);
    }
    if (db.data.sessions.has(sid)) this.db.cluster.webWrite(db, { kind: "session-touch", sid, time: now, ip }, vm);
  }

  destroy(vm: WebVm, cfg: Map<string, string>, db: MysqlServer, sid: string): void {
    const file = this.file(vm, cfg, sid);
    if (file) fs.rmSync(file, { force: true });
    if (db.data.sessions.has(sid)) this.db.cluster.webWrite(db, { kind: "session-delete", sid }, vm);
  }

  /** is the cleanup task due (once a minute of model time)? */
  gcDue(): boolean {
    return this.world.now() - this.lastGc >= GC_EVERY_MS;
  }

  /** the session cleanup task of Moodle's cron, run from `vm` */
  gc(vm: WebVm, cfg: Map<string, string>, db: MysqlServer): void {
    const now = this.world.now();
    this.lastGc = now;
    const t = Math.floor(now / 1000);
    for (const row of [...db.data.sessions.values()]) {
      const firstVisit = row.userid === 0 && row.timemodified === row.timecreated && row.timemodified < t - FIRST_VISIT_SECONDS;
      if (firstVisit || row.timemodified < t - SESSION_TIMEOUT_SECONDS) this.destroy(vm, cfg, db, row.sid);
    }
  }
}
