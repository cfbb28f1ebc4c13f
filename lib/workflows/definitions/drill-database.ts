import { measure, probeOf, startProbe, stopProbe } from "@/lib/drills/probe";
import { type Measurement, judge, markFailover, storeScore, unacknowledged } from "@/lib/drills/score";
import type { ClusterView } from "@/lib/cluster/findings-types";
import { databaseCommands } from "@/lib/commands/workflow-database";
import type { ClusterSpec, MoodleDatabaseHost } from "@/lib/inventory/schema";
import { readAssignment } from "@/lib/probes/moodle-config";
import { gtidPosBehind, gtidPosCovers, sameGtidSet } from "@/lib/probes/mysql-gtid";
import { parseMysqlMasterStatus } from "@/lib/probes/mysql-master-status";
import { type ReplicationChannel, parseMysqlReplicaStatus, usesGtid } from "@/lib/probes/mysql-replica-status";
import { parseMysqlVitals } from "@/lib/probes/mysql-vitals";
import { type StepDef, type StepRuntime, StepFailed, type WorkflowDefinition, guard, planned } from "@/lib/workflows/definition";
import type { DrillDatabaseParams } from "@/lib/workflows/params";
import { type ExpectationSpec, type FailoverMarkView, antiFlapGuard, expectationsStep, preflightVerdictStep, scorecardStep, verdictGuard } from "@/lib/workflows/steps/drill";
import { webNodes } from "@/lib/workflows/steps/maintenance";
import { dataGuards, preflightSteps } from "@/lib/workflows/steps/preflight";
import type { GuardResult, PlannedCommand } from "@/lib/workflows/types";

/**
 * Database promotion drill. Graceful: the source goes read-only, the replica applies everything,
 * is promoted, the old source replicates from it, Moodle is pointed at it. Forced (a dead source):
 * the replica applies what it already received and is promoted without waiting for the source.
 */

interface Facts {
  mode: DrillDatabaseParams["mode"];
  source: string | null;
  sourceServer: string | null;
  sourceAlive: boolean;
  replica: string | null;
  /** what Moodle and replication call each server: its cluster address, else its name */
  sourceAddress: string | null;
  replicaAddress: string | null;
  /** the port each server reports it listens on (@@port): each is the other's source in turn */
  ports: Record<string, number | null>;
  /** each server's @@version (MySQL 8.2+ words its binary log status differently) */
  versions: Record<string, string | null>;
  /** the pair replicates by GTID (MariaDB Using_Gtid, MySQL Auto_Position): catch-up and re-pointing use GTIDs */
  gtid: boolean;
  /** MariaDB: sessions on the source that read_only would not stop (READ_ONLY ADMIN); null when not known */
  readOnlyAdmins: { sessions: number; accounts: string[] } | null;
  readOnlyAdminsError: string | null;
  /** the replica as last seen by the console, for the data at risk in forced mode */
  lastSeen: { lagSeconds: number | null; unappliedBytes: number | null; ioRunning: string | null } | null;
  moodleHost: MoodleDatabaseHost;
  /** $CFG->dbhost on each web node when the plan was made; null when it could not be read */
  dbhosts: Record<string, string | null>;
  marks: FailoverMarkView[];
  expectations: ExpectationSpec[];
  overridden: string[];
}

interface Position {
  file: string;
  pos: number;
  /** MySQL Executed_Gtid_Set or MariaDB @@gtid_binlog_pos */
  gtid: string | null;
}

const POLL_MS = 500;

function addressOf(cluster: ClusterSpec, name: string | null): string | null {
  if (!name) return null;
  const h = cluster.hosts.find((x) => x.name === name);
  return h ? (h.clusterAddress ?? h.name) : null;
}

function isHost(cluster: ClusterSpec, name: string, host: string): boolean {
  const h = cluster.hosts.find((x) => x.name === name);
  return host === name || (h?.clusterAddress !== undefined && host === h.clusterAddress) || host === h?.address;
}

/** bytes received from the source but not applied yet, when both positions are in the same binary log */
function unappliedBytes(ch: ReplicationChannel): number | null {
  const p = ch.positions;
  if (p.sourceLogFile === null || p.readSourceLogPos === null || p.execSourceLogPos === null) return null;
  if (p.sourceLogFile !== p.relaySourceLogFile) return null;
  return Math.max(0, p.readSourceLogPos - p.execSourceLogPos);
}

/**
 * The dbhost from the config.php line dbhost-read prints, read by the moodle-config line reader (tested
 * on real config.php files: either quote, computed values left unknown) rather than a second regex.
 */
function parseDbhost(stdout: string): string | null {
  const lines = stdout.split("\n").map((line) => readAssignment(line)).filter((a) => a?.key === "dbhost");
  // two dbhost lines, or one PHP must compute: not a value to rewrite
  return lines.length === 1 ? (lines[0]?.value ?? null) : null;
}

async function sourcePosition(rt: StepRuntime, cmd: PlannedCommand): Promise<Position> {
  const parsed = parseMysqlMasterStatus((await rt.exec(cmd)).stdout);
  if (!parsed.ok) throw new StepFailed(`${cmd.host}: the binary log position could not be read: ${parsed.error}`);
  if (!parsed.value.binlogEnabled) throw new StepFailed(`${cmd.host} has binary logging off: it cannot be a replication source`);
  return { file: parsed.value.file, pos: parsed.value.position, gtid: parsed.value.gtidBinlogPos ?? parsed.value.executedGtidSet };
}

async function replicaChannel(rt: StepRuntime, cmd: PlannedCommand): Promise<ReplicationChannel | null> {
  const parsed = parseMysqlReplicaStatus((await rt.exec(cmd)).stdout);
  if (!parsed.ok) throw new StepFailed(`${cmd.host}: the replication status could not be read: ${parsed.error}`);
  return parsed.value.channels[0] ?? null;
}

/** the replica has applied everything the source wrote: by GTID where the pair uses them, else by position */
function caughtUp(cluster: ClusterSpec, gtid: boolean, src: Position, ch: ReplicationChannel): boolean {
  if (gtid && cluster.database.flavour === "mariadb") return gtidPosCovers(ch.gtid.slavePos, src.gtid) === true;
  if (gtid && src.gtid && ch.gtid.executedSet) return sameGtidSet(src.gtid, ch.gtid.executedSet);
  return ch.positions.relaySourceLogFile === src.file && ch.positions.execSourceLogPos === src.pos;
}

function behind(cluster: ClusterSpec, gtid: boolean, src: Position, ch: ReplicationChannel): string {
  if (gtid && cluster.database.flavour === "mariadb") {
    const n = gtidPosBehind(ch.gtid.slavePos, src.gtid);
    return `${n ?? "an unknown number of"} transactions behind (applied ${ch.gtid.slavePos ?? "?"} of ${src.gtid ?? "?"})`;
  }
  if (ch.positions.relaySourceLogFile !== src.file || ch.positions.execSourceLogPos === null) return "an unknown number of bytes behind";
  return `${Math.max(0, src.pos - ch.positions.execSourceLogPos)} bytes behind`;
}

const roundTenth = (n: number | null | undefined) => (n === null || n === undefined ? null : Math.round(n * 10) / 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secondsSince = (t: number) => Math.round((Date.now() - t) / 100) / 10;

function expectationsOf(p: DrillDatabaseParams): ExpectationSpec[] {
  const readOnly = { text: `Moodle can write again within ${p.maxReadOnlySeconds} s: seconds without a writable database Moodle points at ≤ ${p.maxReadOnlySeconds}`, measure: "readOnlySeconds", bound: p.maxReadOnlySeconds };
  if (p.mode === "forced") return [readOnly];
  return [
    readOnly,
    { text: "no transaction lost: the replica had applied the source's last position when it was promoted", measure: "transactionsLost", bound: 0 },
    { text: `the site answers through the VIP again within ${p.maxReadOnlySeconds} s`, measure: "unservedSeconds", bound: p.maxReadOnlySeconds },
  ];
}

async function scorecard(rt: StepRuntime, facts: Facts, aborted: boolean): Promise<string> {
  const probe = stopProbe(rt.runId);
  const m = probe ? measure(probe.site, probe.vip) : null;
  const unapplied = rt.get<number | null>("unappliedBytes") ?? null;
  const measurements: Measurement[] = [
    { name: "readOnlySeconds", value: rt.get<number>("readOnlySeconds") ?? null, unit: "s" },
    { name: "transactionsLost", value: facts.mode === "graceful" && unapplied === 0 && rt.get<boolean>("caughtUp") === true ? 0 : null, unit: "transactions" },
    { name: "unappliedBytes", value: unapplied, unit: "bytes" },
    { name: "lagAtPromotionSeconds", value: rt.get<number | null>("lagAtPromotionSeconds") ?? null, unit: "s" },
    { name: "unservedSeconds", value: m?.unservedSeconds ?? null, unit: "s" },
    { name: "failedRequests", value: m?.failedRequests ?? null, unit: "requests" },
  ];
  if (facts.mode === "forced") measurements.push({ name: "secondsAtRisk", value: facts.lastSeen?.lagSeconds ?? null, unit: "s" });
  const expectations = judge(rt.get<ExpectationSpec[]>("expectations") ?? facts.expectations, measurements);
  const passed = await storeScore({ runId: rt.runId, clusterId: rt.cluster.id, kind: "database", target: facts.source ?? "?", measurements, expectations, aborted });
  if (!aborted) await markFailover(rt.cluster.id, ["database"], `drill:${rt.runId}`, `${facts.replica} promoted to source in place of ${facts.source} in a ${facts.mode} drill`);
  const met = expectations.filter((e) => e.passed === true).length;
  const risk = facts.mode === "forced" ? `, at risk: ${facts.lastSeen?.lagSeconds ?? "?"} s of ${facts.source}'s writes` : `, transactions lost ${unapplied === 0 ? 0 : "?"}`;
  return `${aborted ? "aborted; " : ""}${passed ? "passed" : "failed"}: ${met} of ${expectations.length} expectations met; read-only ${rt.get<number>("readOnlySeconds") ?? "?"} s, lag at promotion ${rt.get<number | null>("lagAtPromotionSeconds") ?? "?"} s${risk}, site not served ${m?.unservedSeconds ?? "?"} s`;
}

function pointStep(cluster: ClusterSpec, params: DrillDatabaseParams, facts: Facts, source: string, replica: string): StepDef {
  const to = facts.replicaAddress ?? replica;
  const nodes = webNodes(cluster);
  const mh = facts.moodleHost;
  const c = databaseCommands;
  const forward: PlannedCommand[] =
    mh.kind === "floating"
      ? [
          ...(facts.mode === "graceful" ? [planned(cluster, source, c.addressDel, mh)] : []),
          planned(cluster, replica, c.addressAdd, mh),
        ]
      : nodes.map((n) => planned(cluster, n, c.dbhostSet, { host: to }));
  const back: PlannedCommand[] =
    mh.kind === "floating"
      ? [planned(cluster, replica, c.addressDel, mh), ...(facts.mode === "graceful" ? [planned(cluster, source, c.addressAdd, mh)] : [])]
      : nodes.map((n) => planned(cluster, n, c.dbhostSet, { host: facts.dbhosts[n] ?? facts.sourceAddress ?? source }));
  const reads = mh.kind === "config" ? nodes.map((n) => planned(cluster, n, c.dbhostRead, {})) : [];
  return {
    key: "point-moodle",
    kind: "action",
    title: mh.kind === "floating" ? `Move Moodle's database address ${mh.address} to ${replica}` : `Point Moodle at ${replica}: $CFG->dbhost = '${to}' on ${nodes.join(", ")}`,
    detail: mh.kind === "config" ? "Only the dbhost line changes, on the host (sed -i): config.php holds the database password and never leaves the web nodes." : undefined,
    planned: [...forward, ...reads],
    plannedUndo: back,
    idempotent: true,
    async run(rt) {
      const since = rt.get<number>("readOnlyAt") ?? Date.now();
      // past the bound nothing has been written to the new source yet, so going back loses nothing
      if (secondsSince(since) > params.maxReadOnlySeconds) throw new StepFailed(`bound crossed: read-only for ${secondsSince(since)} s (limit ${params.maxReadOnlySeconds} s)`);
      for (const cmd of forward) await rt.exec(cmd);
      for (const cmd of reads) {
        const seen = parseDbhost((await rt.exec(cmd)).stdout);
        if (seen !== to) throw new StepFailed(`${cmd.host}: config.php says dbhost '${seen ?? "?"}', not '${to}'`);
      }
      const readOnlySeconds = secondsSince(since);
      await rt.set("readOnlySeconds", readOnlySeconds);
      return `Moodle points at ${replica}; writes were impossible for ${readOnlySeconds} s`;
    },
    async undo(rt) {
      for (const cmd of back) await rt.exec(cmd);
    },
  };
}

function verified(view: ClusterView, cluster: ClusterSpec, facts: Facts, source: string, replica: string): { done: boolean; progress: string } {
  const db = (n: string) => view.state.databases.find((d) => d.name === n);
  const fresh = (n: string) => {
    const d = db(n);
    return d !== undefined && d.reachable && !d.stale;
  };
  const parts: string[] = [];
  const now = db(replica);
  const writable = fresh(replica) && now?.readOnly === false && now.replication?.isReplica === false;
  parts.push(writable ? `${replica} is the writable source` : `${replica}: read_only ${now?.readOnly ?? "?"}, replica ${now?.replication?.isReplica ?? "?"}`);
  let old = true;
  if (facts.mode === "graceful") {
    const ch = db(source)?.replication?.channel ?? null;
    old = fresh(source) && ch !== null && ch.ioRunning === "Yes" && ch.sqlRunning === "Yes" && isHost(cluster, replica, ch.sourceHost) && !ch.lastSqlError && !ch.lastIoError;
    parts.push(ch ? `${source} replicates from ${ch.sourceHost}: IO ${ch.ioRunning}, SQL ${ch.sqlRunning}${ch.lastSqlError || ch.lastIoError ? ` (${ch.lastSqlError || ch.lastIoError})` : ""}` : `${source} is not a replica yet`);
  }
  return { done: writable && old, progress: parts.join("; ") };
}

function readOnlyAdminsNow(facts: Facts): string {
  const a = facts.readOnlyAdmins;
  if (a === null) return `not known (${facts.readOnlyAdminsError ?? "no reading"})`;
  return a.sessions === 0 ? "none connected" : `${a.sessions} session${a.sessions === 1 ? "" : "s"} of ${a.accounts.join(", ")}`;
}

function portsGuard(facts: Facts): GuardResult {
  const names = [facts.source, facts.replica].filter((n): n is string => n !== null);
  const unknown = names.filter((n) => facts.ports[n] === null || facts.ports[n] === undefined);
  return guard(
    "database-ports",
    unknown.length === 0,
    unknown.length > 0
      ? `the port ${unknown.join(" and ")} listen${unknown.length === 1 ? "s" : ""} on is not known (read from the server itself, @@port): the other server could not be pointed at it`
      : `each server's own port, as it reports it: ${names.map((n) => `${n} ${facts.ports[n]}`).join(", ")}`,
    false,
  );
}

function readOnlyAdminsGuard(facts: Facts): GuardResult {
  const a = facts.readOnlyAdmins;
  const ok = a !== null && a.sessions === 0;
  return guard(
    "read-only-admins",
    ok,
    ok
      ? `no session on ${facts.source} holds READ_ONLY ADMIN: read_only will stop every writer`
      : a === null
        ? `who can write on ${facts.source} under read_only is not known (${facts.readOnlyAdminsError ?? "no reading"}): create the view docs/host-commands.md shows, or override`
        : `${readOnlyAdminsNow(facts)} on ${facts.source} hold READ_ONLY ADMIN: read_only would not stop them; end those sessions (or stop those writers) first, or override`,
  );
}

export const databaseDrill: WorkflowDefinition<DrillDatabaseParams, Facts> = {
  kind: "drill-database",
  title: ({ params, facts }) => `Database promotion drill (${params.mode}): ${facts.source ?? "?"} → ${facts.replica ?? "?"}`,
  summary: ({ cluster, params, facts }) => [
    ["source now", `${facts.source ?? "none found"}${facts.sourceAlive ? "" : " (not answering)"}`],
    ["promoted", facts.replica ?? "no replica found"],
    ["mode", params.mode === "graceful" ? "graceful: the source goes read-only and the replica applies everything first" : "forced: the source is dead; the replica is promoted with what it has"],
    ["Moodle finds its database", facts.moodleHost.kind === "config" ? `$CFG->dbhost in config.php (now ${[...new Set(Object.values(facts.dbhosts).map((h) => h ?? "unreadable"))].join(", ") || "?"})` : `floating address ${facts.moodleHost.address}`],
    ["replication", `${facts.gtid ? (cluster.database.flavour === "mariadb" ? "by GTID (MASTER_USE_GTID=slave_pos)" : "by GTID (auto-position)") : "by binary log position"}; ports as the servers report them: ${Object.entries(facts.ports).map(([n, p]) => `${n} ${p ?? "?"}`).join(", ")}; the replication account from ${cluster.database.replicationCredentialsFile} on each database host`],
    ["abort and restore when", `Moodle cannot write for > ${params.maxReadOnlySeconds} s before it points at ${facts.replica ?? "the replica"}`],
    ...facts.expectations.map((e, i) => [`expectation ${i + 1}`, e.text] as [string, string]),
  ],
  async gather(params, live) {
    const dbs = live.view.state.databases;
    const replicaState = dbs.find((d) => d.replication?.isReplica === true) ?? null;
    const ch = replicaState?.replication?.channel ?? null;
    const others = dbs.filter((d) => d.name !== replicaState?.name);
    const sourceState = (ch ? others.find((d) => isHost(live.cluster, d.name, ch.sourceHost)) : undefined) ?? others[0] ?? null;
    const source = sourceState?.name ?? null;
    const dbhosts: Record<string, string | null> = {};
    if (live.cluster.database.moodleHost.kind === "config") {
      for (const n of webNodes(live.cluster)) {
        const r = await live.read(n, databaseCommands.dbhostRead, {});
        dbhosts[n] = r && r.exitCode === 0 ? parseDbhost(r.stdout) : null;
      }
    }
    return {
      mode: params.mode,
      source,
      sourceServer: sourceState?.server ?? null,
      sourceAlive: sourceState !== null && sourceState.reachable && !sourceState.stale,
      replica: replicaState?.name ?? null,
      sourceAddress: addressOf(live.cluster, source),
      replicaAddress: addressOf(live.cluster, replicaState?.name ?? null),
      ports: Object.fromEntries(dbs.map((d) => [d.name, d.port])),
      versions: Object.fromEntries(dbs.map((d) => [d.name, d.version])),
      gtid: ch ? usesGtid(ch) : false,
      readOnlyAdmins: sourceState?.readOnlyAdmins ?? null,
      readOnlyAdminsError: sourceState?.queryErrors.find((e) => e.startsWith("read_only_admins:")) ?? null,
      lastSeen: ch ? { lagSeconds: roundTenth(replicaState?.heartbeatLagSeconds ?? ch.secondsBehind), unappliedBytes: unappliedBytes(ch), ioRunning: ch.ioRunning } : null,
      moodleHost: live.cluster.database.moodleHost,
      dbhosts,
      marks: await unacknowledged(live.cluster.id),
      expectations: expectationsOf(params),
      overridden: [],
    };
  },
  guards(params, facts, live) {
    const pair = facts.source !== null && facts.replica !== null;
    const unread = Object.entries(facts.dbhosts).filter(([, h]) => h === null).map(([n]) => n);
    const elsewhere = Object.entries(facts.dbhosts).filter(([, h]) => h !== null && facts.source !== null && !isHost(live.cluster, facts.source, h)).map(([n, h]) => `${n} → ${h}`);
    return [
      guard("source-and-replica", pair, pair ? `${facts.source} is the source, ${facts.replica} replicates from it` : "no source with a replica found: the drill needs one of each", false),
      params.mode === "graceful"
        ? guard("source-alive", facts.sourceAlive, facts.sourceAlive ? `${facts.source} answers` : `${facts.source ?? "the source"} does not answer: a graceful handover needs it; use the forced mode`, false)
        : guard("source-dead", !facts.sourceAlive, facts.sourceAlive ? `${facts.source} still answers: promoting ${facts.replica} now would leave two writable sources; use the graceful mode` : `${facts.source ?? "the source"} does not answer`, false),
      ...(facts.moodleHost.kind === "config"
        ? [
            guard(
              "moodle-points-at-source",
              unread.length === 0 && elsewhere.length === 0,
              unread.length > 0 ? `config.php could not be read on ${unread.join(", ")}` : elsewhere.length > 0 ? `Moodle does not point at ${facts.source} on ${elsewhere.join(", ")}` : `every web node's config.php names ${facts.source}`,
              false,
            ),
          ]
        : []),
      ...(pair ? [portsGuard(facts)] : []),
      ...(params.mode === "graceful" && live.cluster.database.flavour === "mariadb" && facts.sourceAlive ? [readOnlyAdminsGuard(facts)] : []),
      ...(facts.sourceServer ? [verdictGuard(live.view, facts.sourceServer)] : []),
      // with the source dead replication cannot be healthy (its heartbeat row only ages): what the replica
      // lacks is stated as the data at risk instead
      ...dataGuards(live.view, live.cluster).filter((g) => params.mode === "graceful" || g.id !== "replication-healthy"),
      antiFlapGuard(facts.marks, ["database"]),
    ];
  },
  warnings(params, facts, live) {
    if (params.mode === "forced") {
      const seen = facts.lastSeen;
      return [
        `Data at risk: whatever ${facts.source ?? "the source"} committed that ${facts.replica ?? "the replica"} had not received is lost. Last seen, ${facts.replica} was ${seen?.lagSeconds ?? "an unknown number of"} s behind (IO thread ${seen?.ioRunning ?? "?"}), with ${seen?.unappliedBytes ?? "an unknown number of"} bytes received but not applied yet (those are applied before the promotion).`,
        `When ${facts.source ?? "the old source"} comes back it must not take writes: rebuild it as a replica of ${facts.replica ?? "the new source"} (its binary log may hold transactions ${facts.replica} never received).`,
      ];
    }
    return [
      `Moodle cannot save anything from the moment ${facts.source ?? "the source"} goes read-only until ${facts.replica ?? "the replica"} is writable and Moodle points at it (at most ${params.maxReadOnlySeconds} s, then the drill gives ${facts.source} its writes back): pages that write show errors meanwhile.`,
      ...(live.cluster.database.flavour === "mariadb"
        ? [
            `On MariaDB read_only does not stop accounts holding READ_ONLY ADMIN (root has it; since 10.11 SUPER alone does not): a session of such an account can still write on ${facts.source ?? "the source"} after it goes read-only, and that write would be lost or break replication. The drill lists them before going read-only and stops if any is connected. Now: ${readOnlyAdminsNow(facts)}.`,
          ]
        : []),
    ];
  },
  steps({ cluster, params, facts }) {
    const source = facts.source ?? "db1";
    const replica = facts.replica ?? "db2";
    const c = databaseCommands;
    const overridden = (g: string) => facts.overridden.includes(g);
    const readOnlyOn = planned(cluster, source, c.readOnly, { on: true });
    const readOnlyOff = planned(cluster, source, c.readOnly, { on: false });
    const mariadb = cluster.database.flavour === "mariadb";
    const readOnlyAdmins = planned(cluster, source, c.readOnlyAdmins, {});
    const srcStatus = planned(cluster, source, c.sourceStatus, { version: facts.versions[source] ?? null });
    const repStatus = planned(cluster, replica, c.replicaStatus, {});
    const newSrcStatus = planned(cluster, replica, c.sourceStatus, { version: facts.versions[replica] ?? null });
    const detach = planned(cluster, replica, c.detach, {});
    const replicaWritable = planned(cluster, replica, c.readOnly, { on: false });
    const replicaReadOnly = planned(cluster, replica, c.readOnly, { on: true });
    // each server is pointed at the other's own port, as that one reports it (guarded: known before the start)
    const replicateBack = (pos: { file: string; pos: number } | null) =>
      planned(cluster, replica, c.replicateFrom, { host: facts.sourceAddress ?? source, port: facts.ports[source] ?? 3306, position: facts.gtid ? null : pos });
    const replicateNew = (pos: { file: string; pos: number } | null) =>
      planned(cluster, source, c.replicateFrom, { host: facts.replicaAddress ?? replica, port: facts.ports[replica] ?? 3306, position: facts.gtid ? null : pos });
    const example = { file: "<file>", pos: 0 };

    const measureStep: StepDef = {
      key: "measure",
      kind: "action",
      title: "Start measuring: the site through the VIP every second",
      planned: [],
      runtimeNote: cluster.siteUrl ? `GET ${cluster.siteUrl}login/index.php from the console.` : "No siteUrl in the inventory: only the database side is measured.",
      async run(rt) {
        startProbe(rt.runId, rt.cluster, rt.actor);
        return undefined;
      },
      async undo(rt) {
        await scorecard(rt, facts, true);
      },
    };

    const promote: StepDef = {
      key: "promote",
      kind: "action",
      title: `Promote ${replica}: stop replicating, forget ${source}, allow writes`,
      host: replica,
      planned: [repStatus, detach, newSrcStatus, replicaWritable],
      plannedUndo: [replicaReadOnly, replicateBack(example)],
      idempotent: false,
      async run(rt) {
        const ch = await replicaChannel(rt, repStatus);
        if (ch) {
          await rt.set("detachedAt", ch.positions.relaySourceLogFile && ch.positions.execSourceLogPos !== null ? { file: ch.positions.relaySourceLogFile, pos: ch.positions.execSourceLogPos } : null);
          await rt.set("unappliedBytes", rt.get<number | null>("unappliedBytes") ?? unappliedBytes(ch));
        }
        await rt.exec(detach);
        // taken before writes are allowed: everything before it is the data both servers share
        const pos = await sourcePosition(rt, newSrcStatus);
        await rt.set("newSourcePosition", { file: pos.file, pos: pos.pos, gtid: pos.gtid });
        await rt.exec(replicaWritable);
        return `${replica} is writable from ${pos.file}:${pos.pos}${pos.gtid ? ` (GTID ${pos.gtid})` : ""}`;
      },
      async undo(rt) {
        await rt.exec(replicaReadOnly);
        await rt.exec(replicateBack(rt.get<{ file: string; pos: number } | null>("detachedAt") ?? null));
      },
    };

    const verify: StepDef = {
      key: "verify",
      kind: "verify",
      title: facts.mode === "graceful" ? `${replica} takes writes, ${source} replicates from it, the site answers through the VIP` : `${replica} takes writes and the site answers through the VIP`,
      planned: facts.moodleHost.kind === "config" ? webNodes(cluster).map((n) => planned(cluster, n, c.dbhostRead, {})) : [],
      async run(rt) {
        await rt.waitUntil((view) => verified(view, rt.cluster, facts, source, replica), { timeoutMs: 60_000, failMessage: "the new roles did not show" });
        const probe = probeOf(rt.runId, rt.cluster, rt.actor);
        if (rt.cluster.siteUrl) {
          await rt.waitUntil(() => ({ done: probe.lastStatus() === 200, progress: `site ${probe.lastStatus() ?? "not answering"}` }), { timeoutMs: params.maxReadOnlySeconds * 1000 + 30_000, failMessage: "the site does not answer through the VIP" });
        }
        const answer = rt.cluster.siteUrl ? await rt.fetchSite("/login/index.php") : null;
        if (answer && answer.status !== 200) throw new StepFailed(`through the VIP the site answered ${answer.status ?? answer.error ?? "nothing"}, not 200`);
        return `${verified(await rt.view(), rt.cluster, facts, source, replica).progress}${answer ? `; through the VIP: ${answer.status}` : ""}`;
      },
    };

    const scoreStep = scorecardStep((rt) => scorecard(rt, facts, false));

    if (params.mode === "forced") {
      return [
        preflightVerdictStep(facts.sourceServer ?? "A", overridden),
        ...preflightSteps(overridden).filter((s) => s.key !== "preflight-replication"),
        expectationsStep(facts.expectations),
        measureStep,
        {
          key: "apply-received",
          kind: "wait",
          title: `${replica} applies what it already received from ${source}`,
          detail: `Waits at most ${params.maxReadOnlySeconds} s, then promotes with what is applied.`,
          planned: [repStatus],
          async run(rt) {
            const since = rt.get<number>("readOnlyAt") ?? Date.now();
            if (rt.get<number>("readOnlyAt") === undefined) await rt.set("readOnlyAt", since);
            for (;;) {
              const ch = await replicaChannel(rt, repStatus);
              const left = ch ? unappliedBytes(ch) : 0;
              if (left === 0 || left === null || ch?.sqlRunning !== "Yes" || secondsSince(since) > params.maxReadOnlySeconds) {
                await rt.set("unappliedBytes", left);
                await rt.set("lagAtPromotionSeconds", facts.lastSeen?.lagSeconds ?? null);
                return left === 0 ? "everything received is applied" : `${left ?? "an unknown number of"} bytes received are not applied and are lost`;
              }
              await sleep(POLL_MS);
            }
          },
        },
        promote,
        pointStep(cluster, params, facts, source, replica),
        verify,
        scoreStep,
      ];
    }

    return [
      preflightVerdictStep(facts.sourceServer ?? "A", overridden),
      ...preflightSteps(overridden),
      expectationsStep(facts.expectations),
      measureStep,
      {
        key: "source-read-only",
        kind: "action",
        title: `${source} stops taking writes (${mariadb ? "read_only" : "super_read_only"} ON)`,
        detail: mariadb
          ? `read_only does not stop sessions of accounts holding READ_ONLY ADMIN: they are listed first, and the drill stops there if any is connected (unless that guard was overridden).`
          : "super_read_only stops every account, SUPER included; replication threads still apply.",
        host: source,
        planned: [...(mariadb ? [readOnlyAdmins] : []), readOnlyOn],
        plannedUndo: [readOnlyOff],
        async run(rt) {
          let note: string | undefined;
          if (mariadb) {
            const read = parseMysqlVitals((await rt.exec(readOnlyAdmins)).stdout);
            const admins = read.ok ? read.value.readOnlyAdmins : null;
            const why = read.ok ? read.value.unanswered.map((u) => u.error).join("; ") : read.reason;
            const seen = admins === null ? `who can write under read_only is not known (${why || "no answer"})` : admins.sessions === 0 ? "no session holds READ_ONLY ADMIN" : `${admins.sessions} session(s) of ${admins.accounts.join(", ")} hold READ_ONLY ADMIN`;
            if ((admins === null || admins.sessions > 0) && !overridden("read-only-admins")) throw new StepFailed(`${source}: ${seen}: read_only would not stop them`);
            note = `${seen}${admins === null || admins.sessions > 0 ? " (guard overridden)" : ""}`;
          }
          await rt.set("readOnlyAt", Date.now());
          await rt.exec(readOnlyOn);
          return note;
        },
        async undo(rt) {
          await rt.exec(readOnlyOff);
        },
      },
      {
        key: "catch-up",
        kind: "wait",
        title: `${replica} applies everything ${source} wrote`,
        detail: facts.gtid
          ? `Compares ${source}'s ${mariadb ? "@@gtid_binlog_pos with what " + replica + " has applied (Gtid_Slave_Pos)" : "executed GTID set with " + replica + "'s"}. Aborts and gives ${source} its writes back after ${params.maxReadOnlySeconds} s read-only.`
          : `Compares ${source}'s binary log position with what ${replica} has executed. Aborts and gives ${source} its writes back after ${params.maxReadOnlySeconds} s read-only.`,
        planned: [srcStatus, repStatus],
        async run(rt) {
          const since = rt.get<number>("readOnlyAt") ?? Date.now();
          for (;;) {
            const src = await sourcePosition(rt, srcStatus);
            const ch = await replicaChannel(rt, repStatus);
            if (!ch) throw new StepFailed(`${replica} is no longer a replica`);
            if (ch.sqlRunning !== "Yes") throw new StepFailed(`${replica}'s SQL thread stopped: ${ch.lastSqlError ?? "no error given"}`);
            if (caughtUp(rt.cluster, facts.gtid, src, ch)) {
              await rt.set("caughtUp", true);
              await rt.set("unappliedBytes", 0);
              await rt.set("lagAtPromotionSeconds", ch.secondsBehind);
              await rt.set("sourcePosition", src);
              const at = facts.gtid && src.gtid ? `GTID ${src.gtid}` : `${src.file}:${src.pos}`;
              return `${replica} applied ${at}, everything ${source} wrote; ${secondsSince(since)} s read-only so far`;
            }
            if (secondsSince(since) > params.maxReadOnlySeconds) {
              throw new StepFailed(`bound crossed: read-only for ${secondsSince(since)} s (limit ${params.maxReadOnlySeconds} s); ${replica} is ${behind(rt.cluster, facts.gtid, src, ch)}`);
            }
            await sleep(POLL_MS);
          }
        },
      },
      promote,
      pointStep(cluster, params, facts, source, replica),
      {
        key: "old-source-replicates",
        kind: "action",
        title: `${source} replicates from ${replica}`,
        detail: `${
          facts.gtid
            ? `By GTID, from what ${source}'s own binary log holds, so it receives exactly what Moodle wrote on ${replica} since.`
            : `From ${replica}'s position at promotion, so ${source} receives exactly what Moodle wrote since.`
        } The replication account's user and password are read on ${source} from ${cluster.database.replicationCredentialsFile}. After this step the drill does not go back by itself: the new source holds writes the old one lacks until it catches up.`,
        host: source,
        planned: [replicateNew(example)],
        pointOfNoReturn: true,
        async run(rt) {
          const pos = rt.get<Position>("newSourcePosition");
          if (!pos) throw new StepFailed(`${replica}'s position at promotion was not recorded`);
          await rt.exec(replicateNew({ file: pos.file, pos: pos.pos }));
          return `${source} replicates from ${replica}:${facts.ports[replica] ?? "?"} ${facts.gtid ? `by GTID (${replica} was at ${pos.gtid ?? "?"})` : `at ${pos.file}:${pos.pos}`}`;
        },
      },
      verify,
      scoreStep,
    ];
  },
};
