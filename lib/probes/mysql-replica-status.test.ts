import { describe, expect, it } from "vitest";
import { mysqlReplicaStatusProbe, parseMysqlReplicaStatus, type ReplicationChannel, usesGtid } from "@/lib/probes/mysql-replica-status";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

function only(dir: string, file: string): ReplicationChannel {
  const value = valueOf(parseMysqlReplicaStatus(fixture(dir, file)));
  expect(value.isReplica).toBe(true);
  expect(value.channels).toHaveLength(1);
  const [channel] = value.channels;
  if (!channel) throw new Error("no channel");
  return channel;
}

const slave = (file: string) => only("mysql-slave-status", file);

describe("mysql-replica-status", () => {
  it("builds SHOW ALL SLAVES STATUS on MariaDB (it has Gtid_Slave_Pos), SHOW REPLICA/SLAVE STATUS on MySQL, with a quoted defaults file", () => {
    expect(mysqlReplicaStatusProbe.command({ defaultsFile: "/etc/mysql/clusterdeck.cnf", flavour: "mariadb", syntax: "replica" })).toBe(
      "mysql --defaults-file=/etc/mysql/clusterdeck.cnf -e 'SHOW ALL SLAVES STATUS\\G'",
    );
    expect(mysqlReplicaStatusProbe.command({ defaultsFile: "/etc/mysql/clusterdeck.cnf", flavour: "mysql", syntax: "replica" })).toBe(
      "mysql --defaults-file=/etc/mysql/clusterdeck.cnf -e 'SHOW REPLICA STATUS\\G'",
    );
    expect(mysqlReplicaStatusProbe.command({ defaultsFile: "/etc/it's.cnf", flavour: "mysql", syntax: "slave" })).toBe(
      "mysql --defaults-file='/etc/it'\\''s.cnf' -e 'SHOW SLAVE STATUS\\G'",
    );
  });

  const maria = (state: string) => slave(`mariadb-10.11-all-slaves-${state}.txt`);

  it("reads MariaDB 10.11's SHOW ALL SLAVES STATUS (real runs): GTID replica, positions and what it applied", () => {
    const c = maria("healthy-gtid");
    expect(c).toMatchObject({ channel: "", ioRunning: "Yes", sqlRunning: "Yes", sourceHost: "127.0.0.1", sourcePort: 34501, sourceUser: "repl", sourceServerId: 1, secondsBehind: 0 });
    expect(c.gtid).toMatchObject({ usingGtid: "Slave_Pos", ioPos: "0-1-38", slavePos: "0-1-38", autoPosition: null, executedSet: null });
    expect(c.sqlState).toBe("Slave has read all relay log; waiting for more updates");
    expect(usesGtid(c)).toBe(true);
    // SHOW SLAVE STATUS has no Gtid_Slave_Pos: the reason the console asks SHOW ALL SLAVES STATUS
    expect(slave("mariadb-10.11-slave-status-healthy-gtid.txt").gtid).toMatchObject({ usingGtid: "Slave_Pos", slavePos: null });
  });

  it("reads MariaDB 10.11's broken replication: a conflicting row, a stopped SQL thread, a refused password", () => {
    expect(maria("sql-error-1062")).toMatchObject({ ioRunning: "Yes", sqlRunning: "No", secondsBehind: null, lastSqlErrno: 1062, gtid: { ioPos: "0-1-47", slavePos: "0-1-43" } });
    expect(maria("sql-error-1062").lastSqlError).toMatch(/^Could not execute Write_rows_v1 event on table moodle\.mdl_log; Duplicate entry '100' for key 'PRIMARY'/);
    expect(maria("sql-stopped")).toMatchObject({ ioRunning: "Yes", sqlRunning: "No", lastSqlErrno: 0, lastSqlError: null, secondsBehind: null });
    expect(maria("io-connecting-1045")).toMatchObject({ ioRunning: "Connecting", sqlRunning: "Yes", lastIoErrno: 1045 });
    expect(maria("io-connecting-1045").lastIoError).toMatch(/Access denied for user 'repl'@'127\.0\.0\.1' \(using password: YES\)$/);
  });

  it("tells a position replica (Using_Gtid: No) from a GTID one, and reads the old source replicating from the new", () => {
    expect(maria("by-position").gtid.usingGtid).toBe("No");
    expect(usesGtid(maria("by-position"))).toBe(false);
    expect(maria("old-source-now-replica")).toMatchObject({ sourcePort: 34502, sourceServerId: 2, gtid: { usingGtid: "Slave_Pos", slavePos: "0-2-66" } });
    expect(valueOf(parseMysqlReplicaStatus(fixture("mysql-slave-status", "mariadb-10.11-all-slaves-not-a-replica.txt")))).toEqual({ isReplica: false, channels: [] });
  });

  it("reads MySQL 8 SHOW REPLICA STATUS (Replica_/Source_ names)", () => {
    const c = only("mysql-replica-status", "mysql80-docs-healthy-gtid.txt");
    expect(c).toMatchObject({
      channel: "",
      ioRunning: "Yes",
      sqlRunning: "Yes",
      ioState: "Waiting for source to send event",
      sqlState: "Replica has read all relay log; waiting for more updates",
      sourceHost: "127.0.0.1",
      sourcePort: 13000,
      sourceUser: "root",
      sourceServerId: 1,
      sourceUuid: "73f86016-978b-11ee-ade5-8d2a2a562feb",
      secondsBehind: 0,
      lastIoErrno: 0,
      lastIoError: null,
      lastSqlErrno: 0,
      lastSqlError: null,
      sqlDelay: 0,
    });
    expect(c.positions).toEqual({
      sourceLogFile: "master-bin.000001",
      readSourceLogPos: 927,
      relayLogFile: "slave-relay-bin.000002",
      relayLogPos: 1145,
      relaySourceLogFile: "master-bin.000001",
      execSourceLogPos: 927,
    });
    expect(c.gtid).toMatchObject({
      retrievedSet: "73f86016-978b-11ee-ade5-8d2a2a562feb:1-3",
      executedSet: "73f86016-978b-11ee-ade5-8d2a2a562feb:1-3",
      autoPosition: true,
      usingGtid: null,
    });
  });

  it("reads MySQL 5.7 SHOW SLAVE STATUS with a multi-line Executed_Gtid_Set", () => {
    const c = slave("mysql57-healthy-gtid-Hanafeevrus.txt");
    expect(c).toMatchObject({ sourceHost: "192.168.112.60", sourcePort: 3306, secondsBehind: 0, ioRunning: "Yes", sqlRunning: "Yes" });
    expect(c.gtid.retrievedSet).toBe("878286cb-822c-11ea-99c2-5254008afee6:2:38-81");
    expect(c.gtid.executedSet).toBe("599b2dfe-822e-11ea-a428-5254008afee6:1,878286cb-822c-11ea-99c2-5254008afee6:1:3-37:39-81");
    expect(c.fields.Replicate_Ignore_Table).toBe("bet.events_on_demand,bet.v_same_event");
    expect(c.positions.execSourceLogPos).toBe(490);

    const docs = slave("mysql57-docs-healthy-gtid.txt");
    expect(docs).toMatchObject({ sourceHost: "localhost", sourcePort: 13000, sourceUuid: "3e11fa47-71ca-11e1-9e33-c80aa9429562", channel: "" });
    expect(docs.gtid.executedSet).toBe("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5");
  });

  it("reads the MySQL 5.1 samples: healthy, IO connecting, SQL stopped, lagging, NULL lag", () => {
    expect(slave("mysql51-healthy-ssl-pmp-running-001.txt")).toMatchObject({
      sourceHost: "master.db", ioRunning: "Yes", sqlRunning: "Yes", secondsBehind: 0, sourceUuid: null,
      positions: { sourceLogFile: "mysql-bin.000545", readSourceLogPos: 521709851, relayLogPos: 4871334 },
      gtid: { retrievedSet: null, executedSet: null, autoPosition: null },
    });
    expect(slave("mysql51-io-connecting-EDITED-pmp-running-002.txt").ioRunning).toBe("Connecting");
    expect(slave("mysql51-sql-stopped-no-error-EDITED-pmp-running-003.txt")).toMatchObject({ sqlRunning: "No", lastSqlErrno: 0, lastSqlError: null });
    expect(slave("mysql51-lagging-10s-EDITED-pmp-delay-001.txt").secondsBehind).toBe(10);
    expect(slave("mysql51-sbm-null-threads-running-EDITED-pmp-delay-002.txt")).toMatchObject({ secondsBehind: null, ioRunning: "Yes", sqlRunning: "Yes" });
  });

  it("keeps a multi-line SQL error whole (MySQL 5.0 fields, Last_Errno only)", () => {
    const c = slave("mysql-sql-stopped-error-1146-multiline-pmp-running-005.txt");
    expect(c).toMatchObject({ sqlRunning: "No", ioRunning: "Yes", lastSqlErrno: 1146, lastIoErrno: null, secondsBehind: null, sourceHost: "1.2.3.4" });
    expect(c.lastSqlError).toBe(
      "Error 'Table 'mydb.mytable' doesn't exist' on query. Default database: 'mydb'.\n" +
        "Query: 'UPDATE thread AS thread,mytable AS aggregate\n" +
        "        SET thread.views = thread.views + aggregate.views\n" +
        "        WHERE thread.threadid = aggregate.threadid'",
    );
    expect(c.positions.execSourceLogPos).toBe(203015142);
  });

  it("reads MariaDB's Slave_ fields and GTID positions", () => {
    const es = slave("mariadb-es-docs-show-replica-status-prints-slave-fields.txt");
    expect(es).toMatchObject({ sourceHost: "192.0.2.1", sourceUser: "repl", secondsBehind: 0, sqlState: "Slave has read all relay log; waiting for more updates" });
    expect(es.gtid).toMatchObject({ usingGtid: "Slave_Pos", ioPos: "0-1-2", autoPosition: null });

    const all = slave("mariadb-docs-show-all-slaves-status-11x.txt");
    expect(all).toMatchObject({ channel: "", sourceHost: "db01.example.com", secondsBehind: 6, sqlState: "Updating", sqlDelay: 0 });
    expect(all.gtid).toMatchObject({ ioPos: "0-1-2042", slavePos: "0-1-2041" });
    expect(all.fields.Master_Slave_time_diff).toBe("2");
  });

  it("reads several channels and says when the server is not a replica", () => {
    const one = fixture("mysql-replica-status", "mysql80-docs-healthy-gtid.txt");
    const two = one.replace("1. row", "2. row").replace("Channel_Name:", "Channel_Name: second");
    expect(valueOf(parseMysqlReplicaStatus(one + two)).channels.map((c) => c.channel)).toEqual(["", "second"]);
    expect(valueOf(parseMysqlReplicaStatus(""))).toEqual({ isReplica: false, channels: [] });
    expect(valueOf(parseMysqlReplicaStatus("Empty set (0.00 sec)\n"))).toEqual({ isReplica: false, channels: [] });
  });

  const healthy = fixture("mysql-replica-status", "mysql80-docs-healthy-gtid.txt");
  it.each([
    ...garbage("mysql").filter(([name]) => name !== "empty" && name !== "whitespace"),
    ["truncated header", "*************************** 1. ro"],
    ["truncated before the thread states", healthy.slice(0, healthy.indexOf("Replica_IO_Running"))],
    ["letters for numbers", healthy.replace("Seconds_Behind_Source: 0", "Seconds_Behind_Source: O")],
    ["unknown thread state", healthy.replace("Replica_IO_Running: Yes", "Replica_IO_Running: Maybe")],
    ["access denied", "ERROR 1045 (28000): Access denied for user 'clusterdeck'@'localhost' (using password: YES)\n"],
    ["table form instead of \\G", "+----------------+\n| Slave_IO_State |\n+----------------+\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseMysqlReplicaStatus(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
