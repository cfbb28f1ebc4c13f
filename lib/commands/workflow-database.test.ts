import { describe, expect, it } from "vitest";
import { workflowCommands } from "@/lib/commands/workflow";
import { databaseCommands, databaseGrants } from "@/lib/commands/workflow-database";
import { ClusterSpec, type DatabaseFlavour } from "@/lib/inventory/schema";

function cluster(flavour?: DatabaseFlavour, statusSyntax?: "replica" | "slave"): ClusterSpec {
  return ClusterSpec.parse({
    id: "c",
    servers: [{ name: "A" }, { name: "B" }],
    hosts: [
      { name: "db1", role: "db", server: "A", address: "10.0.0.18", auth: { agent: true } },
      { name: "db2", role: "db", server: "B", address: "10.0.0.28", auth: { agent: true } },
    ],
    balancer: { vip: "203.0.113.10" },
    database: { ...(flavour ? { flavour } : {}), ...(statusSyntax ? { statusSyntax } : {}) },
  });
}

const maria = cluster();
const mysql = cluster("mysql");

describe("database drill commands per flavour", () => {
  it("default to MariaDB, Debian 12's", () => {
    expect(maria.database.flavour).toBe("mariadb");
  });

  it("use read_only on MariaDB, which has no super_read_only (ERROR 1193)", () => {
    expect(databaseCommands.readOnly.build(maria, { on: true })).toBe("mysql --defaults-file=/etc/mysql/clusterdeck.cnf -e 'SET GLOBAL read_only = ON'");
    expect(databaseCommands.readOnly.build(maria, { on: false })).toBe("mysql --defaults-file=/etc/mysql/clusterdeck.cnf -e 'SET GLOBAL read_only = OFF'");
    expect(databaseCommands.readOnly.build(mysql, { on: true })).toContain("SET GLOBAL super_read_only = ON");
  });

  it("make a MariaDB server a GTID replica with CHANGE MASTER and MASTER_USE_GTID=slave_pos, never MySQL's words (ERROR 1064)", () => {
    const line = databaseCommands.replicateFrom.build(maria, { host: "10.0.0.28", port: 3307, position: null });
    expect(line).toContain("STOP SLAVE; SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos; CHANGE MASTER TO MASTER_HOST=");
    expect(line).toContain("MASTER_PORT=3307, MASTER_USE_GTID=slave_pos");
    expect(line).toContain("; START SLAVE;");
    expect(line).not.toMatch(/REPLICATION SOURCE|AUTO_POSITION|REPLICA/);
    const byPosition = databaseCommands.replicateFrom.build(maria, { host: "10.0.0.28", port: 3306, position: { file: "bin.000002", pos: 1234 } });
    expect(byPosition).toContain("MASTER_LOG_FILE='\\''bin.000002'\\'', MASTER_LOG_POS=1234, MASTER_USE_GTID=no");
    expect(byPosition).not.toContain("gtid_slave_pos");
  });

  it("read the replication password on the host from the credentials file, never put it in the line", () => {
    const line = databaseCommands.replicateFrom.build(maria, { host: "10.0.0.28", port: 3306, position: null });
    expect(line).toContain("my_print_defaults --defaults-file=/etc/mysql/clusterdeck-replication.cnf client");
    expect(line).not.toContain("--show");
    expect(line).toMatch(/\| mysql --defaults-file=\/etc\/mysql\/clusterdeck\.cnf --skip-print-query-on-error$/);
    expect(line).not.toMatch(/MASTER_PASSWORD='[^\\]/);
    // MySQL's my_print_defaults masks passwords unless --show; its client has no --skip-print-query-on-error
    const my = databaseCommands.replicateFrom.build(mysql, { host: "10.0.0.28", port: 3306, position: null });
    expect(my).toContain("my_print_defaults --defaults-file=/etc/mysql/clusterdeck-replication.cnf --show client");
    expect(my).toContain("STOP REPLICA; CHANGE REPLICATION SOURCE TO SOURCE_HOST=");
    expect(my).toContain("SOURCE_AUTO_POSITION=1");
    expect(my).toContain("SOURCE_PASSWORD=");
    expect(my).not.toContain("skip-print-query-on-error");
    expect(databaseCommands.replicateFrom.build(cluster("mysql", "slave"), { host: "10.0.0.28", port: 3306, position: null })).toContain("CHANGE MASTER TO MASTER_HOST=");
  });

  it("read positions with the statements each flavour knows", () => {
    expect(databaseCommands.replicaStatus.build(maria, {})).toContain("SHOW ALL SLAVES STATUS\\G");
    expect(databaseCommands.sourceStatus.build(maria, { version: null })).toContain("SELECT @@global.gtid_binlog_pos AS Gtid_Binlog_Pos");
    expect(databaseCommands.detach.build(maria, {})).toContain("'STOP SLAVE; RESET SLAVE ALL'");
    expect(databaseCommands.detach.build(mysql, {})).toContain("'STOP REPLICA; RESET REPLICA ALL'");
    expect(databaseCommands.readOnlyAdmins.build(maria, {})).toContain("FROM clusterdeck.read_only_admin_sessions");
  });

  it("refuse a host that is not a plain name or address", () => {
    expect(() => databaseCommands.replicateFrom.build(maria, { host: "x'; DROP", port: 3306, position: null })).toThrow(/not a host name/);
  });
});

describe("the upgrade's dump", () => {
  it("uses options MariaDB's mysqldump knows (--set-gtid-purged exits 7 there) and a private umask", () => {
    const line = workflowCommands.dump.build(maria, { file: "/var/backups/clusterdeck/moodle-1.sql" });
    expect(line).toMatch(/^umask 077 && mkdir -p \/var\/backups\/clusterdeck && mysqldump --defaults-file=\/etc\/mysql\/clusterdeck\.cnf --single-transaction --quick --routines --triggers --events --result-file=/);
    expect(line).not.toContain("--set-gtid-purged");
    expect(workflowCommands.dump.build(mysql, { file: "/x.sql" })).toContain("--events --set-gtid-purged=OFF --no-tablespaces --result-file=/x.sql");
  });
});

describe("the console's database grants", () => {
  const target = { user: "clusterdeck", host: "localhost", heartbeatTable: "percona.heartbeat", moodleDatabase: "moodle" };
  it("use MariaDB 10.11's privilege names, which reject MySQL's", () => {
    const g = databaseGrants("mariadb", target).join("\n");
    expect(g).toContain("GRANT SLAVE MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, RELOAD ON *.* TO 'clusterdeck'@'localhost'");
    expect(g).not.toMatch(/SYSTEM_VARIABLES_ADMIN|REPLICATION_SLAVE_ADMIN|REPLICATION CLIENT/);
    expect(databaseGrants("mysql", target).join("\n")).toContain("GRANT REPLICATION CLIENT, SYSTEM_VARIABLES_ADMIN, REPLICATION_SLAVE_ADMIN, RELOAD ON *.*");
  });

  it("refuse names that are not identifiers", () => {
    expect(() => databaseGrants("mariadb", { ...target, heartbeatTable: "a.b; DROP" })).toThrow();
    expect(databaseGrants("mariadb", { ...target, user: "o'brien" })[0]).toContain("'o''brien'@'localhost'");
  });
});
