import type { TxnOp } from "./server";

export function sqlString(v: string): string {
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** Moodle's write as the SQL its DML layer sends (lib/classes/session/database.php, the standard log store) */
export function moodleSql(op: TxnOp): string | null {
  switch (op.kind) {
    case "session-insert": {
      const r = op.row;
      return `INSERT INTO mdl_sessions (state, sid, userid, sessdata, timecreated, timemodified, firstip, lastip) VALUES (0, ${sqlString(r.sid)}, ${r.userid}, NULL, ${r.timecreated}, ${r.timemodified}, ${sqlString(r.firstip)}, ${sqlString(r.lastip)})`;
    }
    case "session-touch":
      return `UPDATE mdl_sessions SET timemodified = ${op.time}, lastip = ${sqlString(op.ip)} WHERE sid = ${sqlString(op.sid)}`;
    case "session-delete":
      return `DELETE FROM mdl_sessions WHERE sid = ${sqlString(op.sid)}`;
    case "log":
      return `INSERT INTO mdl_logstore_standard_log (userid, timecreated) VALUES (${op.userid}, UNIX_TIMESTAMP())`;
    case "config":
      return `INSERT INTO mdl_config (name, value) VALUES (${sqlString(op.name)}, ${sqlString(op.value)}) ON DUPLICATE KEY UPDATE value = VALUES(value)`;
    default:
      return null;
  }
}

