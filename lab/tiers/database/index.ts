import path from "node:path";
import type { DbVm, Fault, Tool, VmName, World } from "../../model/types";
import { writeIfMissing } from "../shared/files";
import type { DatabaseCluster as DatabaseClusterType } from "./cluster";
import { DB_VMS, DatabaseCluster, LAB_ACCOUNTS } from "./cluster";
import { formatGtid } from "./gtid";
import { myPrintDefaultsTool } from "./my-print-defaults-tool";
import { mysqlTool, mysqladminTool } from "./mysql-tool";
import { mysqldumpTool } from "./mysqldump-tool";
import { ptHeartbeatTool } from "./pt-heartbeat-tool";
import { RealDatabase } from "./real/backend";
import { realBackendMissing } from "./real/mariadbd";
import { fileName } from "./server";

export interface DatabaseTier {
  cluster: DatabaseClusterType;
  tools: Record<string, Tool>;
  tick(dtMs: number): void;
  onFault(fault: Fault, active: boolean): void;
  onPower(vm: VmName, up: boolean): void;
  truth(): unknown;
  /** stop the real servers (if any) and remove what they used */
  stop(): Promise<void>;
}

function defaultsFile(): string {
  return `[client]\nuser=${LAB_ACCOUNTS.monitorUser}\npassword=${LAB_ACCOUNTS.monitorPassword}\nsocket=/var/run/mysqld/mysqld.sock\n\n[mysql]\ndatabase=moodle\n`;
}

/** the replication account's credentials on each database host (the console's database.replicationCredentialsFile) */
export const REPLICATION_CREDENTIALS_FILE = "/etc/mysql/clusterdeck-replication.cnf";

function replicationFile(): string {
  return `[client]\nuser=${LAB_ACCOUNTS.replicationUser}\npassword=${LAB_ACCOUNTS.replicationPassword}\n`;
}

export function createDatabase(world: World): DatabaseTier {
  for (const vm of DB_VMS) {
    writeIfMissing(path.join(world.vmRoot(vm), world.settings.mysqlDefaultsFile), defaultsFile());
    writeIfMissing(path.join(world.vmRoot(vm), REPLICATION_CREDENTIALS_FILE), replicationFile());
  }
  const cluster = new DatabaseCluster(world);
  const real = startReal(world, cluster);
  if (real) return realTier(cluster, real);

  function serverTruth(vm: DbVm): unknown {
    const s = cluster.server(vm);
    const ch = s.replica;
    const lag = cluster.replicaLag(vm);
    return {
      running: s.running,
      serverId: s.serverId,
      serverUuid: s.uuid,
      readOnly: s.readOnly,
      superReadOnly: s.superReadOnly,
      gtid: { binlogPos: formatGtid(s.lastBinlogGtid), slavePos: formatGtid(s.slavePos), ownBinlogged: formatGtid(s.ownBinlogged()) },
      binlog: { file: fileName(s.flavour, s.binlogFile), position: s.binlogPos },
      ownTransactions: s.ownTxns,
      mdlConfigVersion: s.data.config.get("version") ?? null,
      mdlSessions: s.data.sessions.size,
      logRows: s.data.logRows,
      webConnections: cluster.webConnections[vm],
      replica: ch
        ? {
            source: ch.sourceHost,
            user: ch.sourceUser,
            passwordSet: ch.sourcePassword !== "",
            usingGtid: ch.useGtid,
            gtidIoPos: formatGtid(ch.gtidIoPos),
            ioThread: ch.ioRunning ? (ch.ioConnected ? "Yes" : "Connecting") : "No",
            sqlThread: ch.sqlRunning ? "Yes" : "No",
            lastIoError: ch.lastIoError,
            lastSqlErrno: ch.lastSqlErrno,
            relayBacklog: ch.relay.length,
            secondsBehind: lag.secondsBehind,
            heartbeatLagSeconds: lag.heartbeatLagSeconds,
            conflictPending: ch.conflictPending,
          }
        : null,
    };
  }

  return {
    cluster,
    tools: {
      mysql: mysqlTool(cluster),
      mysqladmin: mysqladminTool(cluster),
      mysqldump: mysqldumpTool(cluster),
      "pt-heartbeat": ptHeartbeatTool(cluster),
      my_print_defaults: myPrintDefaultsTool(),
    },
    tick: (dt) => cluster.tick(dt),
    onFault: (fault, active) => cluster.onFault(fault, active),
    onPower() {
      // mysqld start/stop is observed through serviceRunning on the next tick
    },
    stop: () => Promise.resolve(),
    truth: () => ({
      backend: "emulated",
      flavour: cluster.flavour,
      writable: DB_VMS.filter((vm) => cluster.server(vm).running && !cluster.server(vm).readOnly),
      servers: { db1: serverTruth("db1"), db2: serverTruth("db2") },
      events: [...cluster.events],
    }),
  };
}

/** `--db real`: real mariadbd processes where the machine has them; otherwise the emulation, saying why */
function startReal(world: World, cluster: DatabaseClusterType): RealDatabase | null {
  if (world.settings.dbBackend !== "real") {
    world.log("database: emulated MariaDB 10.11 (--db real runs Debian's mariadbd instead)");
    return null;
  }
  if (world.settings.mysqlFlavour !== "mariadb") {
    world.log(`database: emulated ${world.settings.mysqlFlavour}; the real backend is Debian's MariaDB only`);
    return null;
  }
  const missing = realBackendMissing();
  if (missing !== null) {
    world.log(`database: emulated MariaDB 10.11, not the real backend: ${missing}`);
    return null;
  }
  const real = new RealDatabase(world, cluster);
  try {
    real.start();
  } catch (e) {
    void real.stop();
    world.log(`database: the real backend failed to start (${e instanceof Error ? e.message : String(e)}); emulated MariaDB 10.11 instead`);
    return null;
  }
  world.log("database: real MariaDB 10.11 (mariadbd from Debian's mariadb-server) on db1 and db2");
  return real;
}

function realTier(cluster: DatabaseClusterType, real: RealDatabase): DatabaseTier {
  cluster.externalWrite = (server, op, from) => real.write(server, op, from);
  return {
    cluster,
    tools: real.tools,
    tick: () => real.tick(),
    onFault: (fault, active) => real.onFault(fault, active),
    onPower() {
      // power is observed through serviceRunning on the next tick: kill -9 and the VM's link down, or a fresh start
    },
    truth: () => real.truth(),
    stop: () => real.stop(),
  };
}
