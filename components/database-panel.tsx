import { Kv, type Tone } from "@/components/kv";
import { SilentNote } from "@/components/silent-note";
import type { DatabaseState } from "@/lib/cluster/state";
import { formatCount, formatLag, isSilent, lagReading, threadTone, yesNo } from "@/lib/cluster/view-helpers";

const THREAD_TONE = { ok: "ok", warning: "warn", critical: "crit", unknown: null } as const;

function roleOf(db: DatabaseState): "source" | "replica" | "unknown" {
  if (db.replication === null) return "unknown";
  return db.replication.isReplica ? "replica" : "source";
}

function lagTone(seconds: number | null, threshold: number): Tone | null {
  if (seconds === null) return null;
  return seconds >= threshold ? "crit" : seconds >= threshold / 3 ? "warn" : "ok";
}

/** One MariaDB/MySQL server: its role, read-only state and who it does not stop, binlog and GTID positions, and (on a replica) both lag figures and errors in full. */
export function DatabasePanel({ db, takenAt, lagThresholdSeconds }: { db: DatabaseState; takenAt: number; lagThresholdSeconds: number }) {
  const role = roleOf(db);
  const channel = db.replication?.channel ?? null;
  const lag = lagReading(db);
  const silent = isSilent(db);
  const readOnlyTone: Tone | null = db.readOnly === null || role === "unknown" ? null : (role === "source") === db.readOnly ? (role === "source" ? "crit" : "warn") : null;
  return (
    <section className="panel" data-testid={`db-${db.name}`} data-role={role} data-silent={silent ? "true" : undefined}>
      <h2>
        {db.name}
        <span className="muted"> · server {db.server}</span>
        <span className={role === "source" ? "badge badge-accent" : "badge"}>{role}</span>
      </h2>
      <SilentNote of={db} takenAt={takenAt} />
      <dl className="kv">
        <Kv label="server">
          <span className="mono" data-testid={`db-${db.name}-version`}>
            {db.version ?? "unknown"}
            {db.port !== null ? ` · port ${db.port}` : ""}
            {db.serverId !== null ? ` · server_id ${db.serverId}` : ""}
          </span>
        </Kv>
        <Kv label="read_only" tone={readOnlyTone} testId={`db-${db.name}-read-only`}>
          {yesNo(db.readOnly, "ON", "OFF")}
        </Kv>
        {db.superReadOnly !== null ? (
          <Kv label="super_read_only" tone={readOnlyTone}>
            {yesNo(db.superReadOnly, "ON", "OFF")}
          </Kv>
        ) : null}
        {db.readOnlyAdmins !== null ? (
          <Kv label="can write under read_only" tone={db.readOnly === true && db.readOnlyAdmins.sessions > 0 ? "warn" : null} testId={`db-${db.name}-read-only-admins`}>
            {db.readOnlyAdmins.sessions === 0 ? (
              "no session holds READ_ONLY ADMIN"
            ) : (
              <span>
                {db.readOnlyAdmins.sessions} session{db.readOnlyAdmins.sessions === 1 ? "" : "s"} holding READ_ONLY ADMIN:{" "}
                <span className="mono">{db.readOnlyAdmins.accounts.join(", ")}</span>
              </span>
            )}
          </Kv>
        ) : null}
        <Kv label="threads connected">{formatCount(db.threadsConnected)}</Kv>
        <Kv label="binlog">
          {db.master === null ? (
            "unknown"
          ) : db.master.binlogEnabled ? (
            <span className="mono">
              {db.master.file} @ {formatCount(db.master.position)}
            </span>
          ) : (
            <span className="tone-warn">binary logging off: cannot be a source</span>
          )}
        </Kv>
        {db.master?.binlogEnabled && db.master.executedGtidSet ? (
          <Kv label="executed GTID set">
            <span className="mono wrap">{db.master.executedGtidSet}</span>
          </Kv>
        ) : null}
        {db.gtid ? (
          <Kv label="GTID binlog / current / slave">
            <span className="mono wrap" data-testid={`db-${db.name}-gtid`}>
              {db.gtid.binlogPos || "—"} / {db.gtid.currentPos || "—"} / {db.gtid.slavePos || "—"}
            </span>
          </Kv>
        ) : null}
        {role === "source" ? (
          <Kv label="own heartbeat row" tone={db.heartbeatRead && (db.ownHeartbeatAgeSeconds === null || Math.abs(db.ownHeartbeatAgeSeconds) > 10) ? "warn" : null} testId={`db-${db.name}-own-heartbeat`}>
            {!db.heartbeatRead ? "heartbeat table not read" : db.ownHeartbeatAgeSeconds === null ? "no row for this server_id: pt-heartbeat does not write here" : `${formatLag(db.ownHeartbeatAgeSeconds)} old`}
          </Kv>
        ) : null}
        {role === "source" ? <Kv label="Moodle sessions (mdl_sessions)">{formatCount(db.databaseSessions)}</Kv> : null}
      </dl>
      {db.queryErrors.length > 0 ? (
        <ul className="problem" data-testid={`db-${db.name}-query-errors`}>
          {db.queryErrors.map((e) => (
            <li key={e} className="mono">
              {e}
            </li>
          ))}
        </ul>
      ) : null}
      {db.replication?.isReplica && channel ? (
        <>
          <h3 className="sub-title">Replication{channel.channel ? ` (channel ${channel.channel})` : ""}</h3>
          <dl className="kv">
            <Kv label="source" testId={`db-${db.name}-source`}>
              <span className="mono">
                {channel.sourceUser ? `${channel.sourceUser}@` : ""}
                {channel.sourceHost}:{channel.sourcePort ?? "?"}
              </span>
            </Kv>
            <Kv label="IO thread" tone={THREAD_TONE[threadTone(channel.ioRunning)]} testId={`db-${db.name}-io`}>
              {channel.ioRunning}
              <span className="muted"> — {channel.ioState || "no state"}</span>
            </Kv>
            <Kv label="SQL thread" tone={THREAD_TONE[threadTone(channel.sqlRunning)]} testId={`db-${db.name}-sql`}>
              {channel.sqlRunning}
              <span className="muted"> — {channel.sqlState ?? "no state"}</span>
            </Kv>
            <Kv label="Seconds_Behind_Source" tone={lag.disagree ? "warn" : lagTone(lag.secondsBehind, lagThresholdSeconds)} testId={`db-${db.name}-sbm`}>
              {lag.secondsBehind === null ? "NULL" : formatLag(lag.secondsBehind)}
            </Kv>
            <Kv label={`heartbeat lag (true, row of server_id ${channel.sourceServerId ?? "?"})`} tone={lagTone(lag.heartbeatSeconds, lagThresholdSeconds)} testId={`db-${db.name}-heartbeat`}>
              {formatLag(lag.heartbeatSeconds)}
            </Kv>
            <Kv label="read / executed">
              <span className="mono">
                {channel.positions.sourceLogFile ?? "?"} @ {formatCount(channel.positions.readSourceLogPos)} /{" "}
                {channel.positions.relaySourceLogFile ?? "?"} @ {formatCount(channel.positions.execSourceLogPos)}
              </span>
            </Kv>
            <Kv label="relay log">
              <span className="mono">
                {channel.positions.relayLogFile ?? "?"} @ {formatCount(channel.positions.relayLogPos)}
              </span>
            </Kv>
            {channel.gtid.retrievedSet || channel.gtid.executedSet ? (
              <>
                <Kv label="GTID retrieved">
                  <span className="mono wrap">{channel.gtid.retrievedSet ?? "—"}</span>
                </Kv>
                <Kv label="GTID executed">
                  <span className="mono wrap">{channel.gtid.executedSet ?? "—"}</span>
                </Kv>
                <Kv label="auto position">{yesNo(channel.gtid.autoPosition)}</Kv>
              </>
            ) : null}
            {channel.gtid.usingGtid ? (
              <Kv label="Using_Gtid" tone={channel.gtid.usingGtid === "No" ? "warn" : null} testId={`db-${db.name}-using-gtid`}>
                <span className="mono">
                  {channel.gtid.usingGtid === "No" ? "No (by binary log position)" : channel.gtid.usingGtid} · received {channel.gtid.ioPos ?? "—"} · applied{" "}
                  {channel.gtid.slavePos ?? db.gtid?.slavePos ?? "—"}
                </span>
              </Kv>
            ) : null}
            {channel.sqlDelay ? <Kv label="SQL delay">{channel.sqlDelay} s (deliberate)</Kv> : null}
          </dl>
          {lag.disagree ? (
            <p className="lag-disagree" data-testid={`db-${db.name}-lag-disagree`}>
              Lag figures disagree: {lag.reason}
            </p>
          ) : null}
          {channel.lastIoError ? (
            <div className="sql-error" data-testid={`db-${db.name}-io-error`}>
              <div className="sql-error-head">Last IO error {channel.lastIoErrno ?? ""}</div>
              <pre>{channel.lastIoError}</pre>
            </div>
          ) : null}
          {channel.lastSqlError ? (
            <div className="sql-error" data-testid={`db-${db.name}-sql-error`}>
              <div className="sql-error-head">Last SQL error {channel.lastSqlErrno ?? ""}</div>
              <pre>{channel.lastSqlError}</pre>
            </div>
          ) : null}
        </>
      ) : db.replication?.isReplica ? (
        <p className="problem">configured as a replica, but no channel could be read</p>
      ) : null}
    </section>
  );
}
