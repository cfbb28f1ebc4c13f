import type { FsVm, World } from "../../model/types";
import type { DrbdCluster } from "./drbd-state";
import { DRBD_SIZE_KIB, peerOf } from "./drbd-state";

const V84_HEADER = "version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 211FB288A383ED945B83420 \n";
const V9_HEADER =
  "version: 9.2.8 (api:2/proto:86-122)\n" +
  "GIT-hash: e163b05a76254c0f51f999970e861d72bb16409a build by @buildsystem, 2024-03-25 11:54:11\n" +
  "Transports (api:20): tcp (9.2.8)\n";

interface View {
  res: string;
  vm: FsVm;
  peerName: string;
  peerNodeId: number;
  nodeId: number;
}

function view(world: World, vm: FsVm): View {
  return {
    res: world.settings.drbdResource,
    vm,
    peerName: world.vm(peerOf(vm)).hostname,
    nodeId: vm === "fs1" ? 0 : 1,
    peerNodeId: vm === "fs1" ? 1 : 0,
  };
}

function int(n: number): number {
  return Math.max(0, Math.round(n));
}

function thousands(n: number): string {
  return int(n).toLocaleString("en-US");
}

function hms(totalSeconds: number): string {
  const s = int(totalSeconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** DRBD 8.4 connection state names, as /proc/drbd and drbdadm cstate print them */
export function cstate84(c: DrbdCluster, vm: FsVm): string {
  const conn = c.conn(vm);
  if (conn === "Connecting") return "WFConnection";
  if (conn === "StandAlone") return "StandAlone";
  const repl = c.repl(vm);
  return repl === "SyncSource" || repl === "SyncTarget" ? repl : "Connected";
}

function etaSeconds(c: DrbdCluster): number {
  if (!c.sync) return 0;
  const speed = c.sync.speed > 0 ? c.sync.speed : 4096;
  return c.nodes[c.sync.source].oosKiB / speed;
}

function progress84(world: World, c: DrbdCluster, vm: FsVm): string {
  const sync = c.sync;
  if (!sync) return "";
  const left = int(c.nodes[vm].oosKiB);
  const total = int(sync.totalKiB);
  const permille = total > 0 ? Math.floor(1000 - (left * 1000) / total) : 1000;
  const x = Math.floor(permille / 50);
  const bar = `${"=".repeat(Math.max(0, x - 1))}>${".".repeat(Math.max(0, 20 - x))}`;
  const pct = `${String(Math.floor(permille / 10)).padStart(3, " ")}.${permille % 10}%`;
  const elapsed = Math.max(1, (world.now() - sync.startedAt) / 1000);
  const avg = int((total - left) / elapsed) || sync.speed;
  return (
    `        [${bar}] sync'ed:${pct} (${left}/${total})K\n` +
    `        finish: ${hms(etaSeconds(c))} speed: ${thousands(sync.speed)} (${thousands(avg)}) K/sec\n`
  );
}

/** `cat /proc/drbd`; null when the module is not loaded */
export function procDrbd(world: World, c: DrbdCluster, vm: FsVm): string | null {
  if (!world.serviceRunning(vm, "drbd") && !c.nodes[vm].configured) return null;
  const n = c.nodes[vm];
  if (world.settings.drbdVersion === "9") return V9_HEADER;
  if (!n.configured) return `${V84_HEADER} 0: cs:Unconfigured\n`;
  const conn = c.conn(vm);
  const proto = conn === "StandAlone" ? " " : "C";
  const head = ` 0: cs:${cstate84(c, vm)} ro:${n.role}/${c.peerRole(vm)} ds:${n.disk}/${c.peerDisk(vm)} ${proto} r-----\n`;
  const s = n.stats;
  const stats =
    `    ns:${int(s.sent)} nr:${int(s.received)} dw:${int(s.written)} dr:${int(s.read)} ` +
    `al:${int(s.alWrites)} bm:${int(s.bmWrites)} lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:${int(n.oosKiB)}\n`;
  return V84_HEADER + head + stats + (c.repl(vm).startsWith("Sync") ? progress84(world, c, vm) : "");
}

function doneText(c: DrbdCluster): string {
  return c.syncDone().toFixed(2);
}

/** `drbdadm status` / `drbdsetup status` with optional --verbose and --statistics */
export function drbdStatus(
  world: World,
  c: DrbdCluster,
  vm: FsVm,
  opts: { verbose: boolean; statistics: boolean },
): string {
  const v = view(world, vm);
  const n = c.nodes[vm];
  const is84 = world.settings.drbdVersion === "8.4";
  const peerLabel = is84 ? "peer" : v.peerName;
  const conn = c.conn(vm);
  const connName = is84 ? (conn === "Connecting" ? "WFConnection" : conn) : conn;
  const repl = c.repl(vm);
  const syncing = repl === "SyncSource" || repl === "SyncTarget";
  const s = n.stats;
  const lines: string[] = [];
  const nodeId = opts.verbose && !is84 ? ` node-id:${v.nodeId}` : "";
  lines.push(`${v.res}${nodeId} role:${n.role}${opts.verbose ? " suspended:no" : ""}`);
  if (opts.verbose) lines.push("    write-ordering:flush");
  const quorum = opts.verbose && !is84 ? " quorum:yes" : "";
  lines.push(`  ${opts.verbose ? "volume:0 minor:0 " : ""}disk:${n.disk}${quorum}`);
  if (opts.statistics) {
    lines.push(
      `      size:${DRBD_SIZE_KIB} read:${int(s.read)} written:${int(s.written)} al-writes:${int(s.alWrites)} ` +
        `bm-writes:${int(s.bmWrites)} upper-pending:0 lower-pending:0 al-suspended:no blocked:no`,
    );
  }
  const peerNodeId = opts.verbose && !is84 ? ` node-id:${v.peerNodeId}` : "";
  const inflight = opts.statistics && !is84 ? " ap-in-flight:0 rs-in-flight:0" : "";
  if (conn !== "Connected" && !opts.verbose && !opts.statistics) {
    lines.push(`  ${peerLabel} connection:${connName}`);
  } else {
    const connPart = conn === "Connected" && !opts.verbose && !opts.statistics ? "" : ` connection:${connName}`;
    const congested = opts.verbose || opts.statistics ? " congested:no" : "";
    lines.push(`  ${peerLabel}${peerNodeId}${connPart} role:${c.peerRole(vm)}${congested}${inflight}`);
    const replPart = repl !== "Established" || is84 || opts.verbose ? `replication:${repl} ` : "";
    const done = syncing ? ` done:${doneText(c)}` : "";
    const suspended = opts.verbose || opts.statistics ? " resync-suspended:no" : "";
    lines.push(`    ${opts.verbose ? "volume:0 " : ""}${replPart}peer-disk:${c.peerDisk(vm)}${done}${suspended}`);
    if (opts.statistics) {
      const rate = syncing && c.sync ? ` dbdt1:${(c.sync.speed / 1024).toFixed(2)} eta:${int(etaSeconds(c))}` : "";
      lines.push(
        `        received:${int(s.received)} sent:${int(s.sent)} out-of-sync:${int(n.oosKiB)} pending:0 unacked:0${rate}`,
      );
    }
  }
  return `${lines.join("\n")}\n${is84 ? "" : "\n"}`;
}

/** `drbdsetup events2 --now [--statistics]` */
export function events2Now(world: World, c: DrbdCluster, vm: FsVm, statistics: boolean): string {
  const v = view(world, vm);
  const n = c.nodes[vm];
  const is84 = world.settings.drbdVersion === "8.4";
  if (!n.configured) return "exists -\n";
  const s = n.stats;
  const conn = c.conn(vm);
  const connName = is84 && conn === "Connecting" ? "WFConnection" : conn;
  const repl = c.repl(vm);
  const syncing = repl === "SyncSource" || repl === "SyncTarget";
  const mayPromote = n.role === "Secondary" && n.disk === "UpToDate" && c.peerRole(vm) !== "Primary";
  const out: string[] = [];
  const wo = statistics ? " write-ordering:flush" : "";
  if (is84) out.push(`exists resource name:${v.res} role:${n.role} suspended:no${wo}`);
  else {
    out.push(
      `exists resource name:${v.res} role:${n.role} suspended:no force-io-failures:no${wo} ` +
        `may_promote:${mayPromote ? "yes" : "no"} promotion_score:${n.disk === "UpToDate" ? 10102 : 0}`,
    );
  }
  const connStats = statistics ? (is84 ? " congested:no" : " congested:no ap-in-flight:0 rs-in-flight:0") : "";
  const connPrefix = `name:${v.res} peer-node-id:${v.peerNodeId} conn-name:${v.peerName}`;
  out.push(`exists connection ${connPrefix} connection:${connName} role:${c.peerRole(vm)}${connStats}`);
  const devStats = statistics
    ? ` size:${DRBD_SIZE_KIB} read:${int(s.read)} written:${int(s.written)} al-writes:${int(s.alWrites)} ` +
      `bm-writes:${int(s.bmWrites)} upper-pending:0 lower-pending:0 al-suspended:no blocked:no`
    : "";
  if (is84) out.push(`exists device name:${v.res} volume:0 minor:0 disk:${n.disk}${devStats}`);
  else {
    out.push(
      `exists device name:${v.res} volume:0 minor:0 backing_dev:/dev/vg0/moodledata disk:${n.disk} client:no open:${n.mounted ? "yes" : "no"} quorum:yes${devStats}`,
    );
  }
  const done = syncing ? ` done:${doneText(c)}` : "";
  const pdStats = statistics
    ? ` received:${int(s.received)} sent:${int(s.sent)} out-of-sync:${int(n.oosKiB)} pending:0 unacked:0` +
      (syncing && c.sync ? ` dbdt1:${(c.sync.speed / 1024).toFixed(2)} eta:${int(etaSeconds(c))}` : "")
    : "";
  const peerClient = is84 ? "" : " peer-client:no";
  out.push(
    `exists peer-device ${connPrefix} volume:0 replication:${repl} peer-disk:${c.peerDisk(vm)}${peerClient} resync-suspended:no${done}${pdStats}`,
  );
  if (!is84) {
    const local = world.vm(vm).clusterAddress;
    const peer = world.vm(peerOf(vm)).clusterAddress;
    out.push(
      `exists path ${connPrefix} local:ipv4:${local}:7789 peer:ipv4:${peer}:7789 established:${conn === "Connected" ? "yes" : "no"}`,
    );
  }
  out.push("exists -");
  return `${out.join("\n")}\n`;
}

/** `drbd-overview` (drbd-utils 8.x), one line per minor */
export function drbdOverview(world: World, c: DrbdCluster, vm: FsVm): string {
  const n = c.nodes[vm];
  if (!n.configured) return ` 0:${world.settings.drbdResource}/0  Unconfigured . . \n`;
  const mount = n.mounted ? ` ${world.settings.nfsExport} ext4 20G 1.2G 18G 7%` : "";
  const sync = c.repl(vm).startsWith("Sync") ? ` ${c.syncDone().toFixed(1)}%` : "";
  return ` 0:${world.settings.drbdResource}/0  ${cstate84(c, vm)} ${n.role}/${c.peerRole(vm)} ${n.disk}/${c.peerDisk(vm)}${sync}${mount} \n`;
}
