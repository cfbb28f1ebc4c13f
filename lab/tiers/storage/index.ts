import path from "node:path";
import type { Fault, FsVm, Tool, VmName, World } from "../../model/types";
import type { MountHandler } from "../mounts";
import { below, drbdDataDir, ensureDir, writeIfMissing } from "../shared/files";
import { procDrbd } from "./drbd-format";
import type { DrbdCluster as DrbdClusterType } from "./drbd-state";
import { DrbdCluster, FS_VMS, isFsVm } from "./drbd-state";
import { drbdOverviewTool, drbdadmTool, drbdsetupTool } from "./drbd-tools";
import { fsMountHandler } from "./fs-mounts";
import { storageHaTools } from "./ha-tools";
import { clusterNetwork, exportfsTool, exportsFile, showmountTool } from "./nfs-tools";

export interface ExtraAddress {
  iface: string;
  address: string;
  prefix: number;
}

export interface DfMount {
  source: string;
  target: string;
  sizeKb: number;
  usedKb: number;
}

/** ext4 on the 20 GiB DRBD device, as df counts it */
const FS_SIZE_KB = 20_510_288;
const FS_BASE_USED_KB = 1_243_480;

export interface StorageTier {
  cluster: DrbdClusterType;
  tools: Record<string, Tool>;
  mounts: MountHandler;
  tick(dtMs: number): void;
  onPower(vm: VmName, up: boolean): void;
  onFault(fault: Fault, active: boolean): void;
  resolveMount(vm: VmName, p: string): string | null;
  /** /proc/drbd; null when not an fs VM or the module is not loaded */
  virtualFile(vm: VmName, p: string): string | null;
  /** /dev/drbd0 on the Primary that mounted it */
  dfMounts(vm: VmName): DfMount[];
  /** size/used of the replicated filesystem */
  usage(): { sizeKb: number; usedKb: number };
  /** the fs VM answering NFS for `client` at the NFS address, or null */
  exporterFor(client: VmName): FsVm | null;
  write(fs: FsVm, kib: number): void;
  addresses(vm: VmName): ExtraAddress[];
  truth(): unknown;
}

function resFile(world: World): string {
  const res = world.settings.drbdResource;
  const a = world.vm("fs1");
  const b = world.vm("fs2");
  return `resource ${res} {
  device    /dev/drbd0;
  disk      /dev/vg0/moodledata;
  meta-disk internal;
  net {
    protocol C;
    after-sb-0pri disconnect;
    after-sb-1pri disconnect;
    after-sb-2pri disconnect;
  }
  disk {
    resync-rate 4M;
  }
  on ${a.hostname} {
    address ${a.clusterAddress}:7789;
    node-id 0;
  }
  on ${b.hostname} {
    address ${b.clusterAddress}:7789;
    node-id 1;
  }
}
`;
}

function seedFiles(world: World): void {
  const data = drbdDataDir(world);
  for (const d of ["filedir/2f/a1", "filedir/9c/04", "temp", "cache", "lock", "trashdir"]) ensureDir(path.join(data, d));
  writeIfMissing(path.join(data, "filedir/2f/a1/2fa1c0ffee5e4a7d9b2b3c1d0e9f8a7b6c5d4e3f"), "course backup placeholder\n");
  writeIfMissing(path.join(data, "filedir/9c/04/9c04badc0ffee0ddf00d1234567890abcdef1234"), "uploaded assignment\n");
  writeIfMissing(path.join(data, ".htaccess"), "deny from all\nAllowOverride None\nNote: this file is broken intentionally, we do not want anybody to undo it in subdirectory!\n");
  for (const vm of FS_VMS) {
    const root = world.vmRoot(vm);
    ensureDir(path.join(root, world.settings.nfsExport));
    const net = clusterNetwork(world.vm(vm).clusterAddress);
    writeIfMissing(path.join(root, "etc/exports"), exportsFile(world.settings.nfsExport, net));
    writeIfMissing(path.join(root, "etc/drbd.d", `${world.settings.drbdResource}.res`), resFile(world));
    writeIfMissing(
      path.join(root, "etc/ha.d/haresources"),
      `${world.vm("fs1").hostname} drbddisk::${world.settings.drbdResource} Filesystem::/dev/drbd0::${world.settings.nfsExport}::ext4 IPaddr::${world.settings.nfsAddress}/24/eth1 nfs-kernel-server\n`,
    );
    writeIfMissing(
      path.join(root, "etc/ha.d/ha.cf"),
      `logfacility local0\nkeepalive 1\ndeadtime ${Math.round(world.settings.heartbeatDeadtimeMs / 1000)}\nwarntime 5\ninitdead 60\nucast eth1 ${world.vm(vm === "fs1" ? "fs2" : "fs1").clusterAddress}\nauto_failback off\nnode ${world.vm("fs1").hostname}\nnode ${world.vm("fs2").hostname}\n`,
    );
  }
}

export function createStorage(world: World): StorageTier {
  seedFiles(world);
  const cluster = new DrbdCluster(world);
  const mounts = fsMountHandler(cluster, () => world.settings.nfsExport.replace(/\/+$/, ""));
  const tools: Record<string, Tool> = {
    drbdadm: drbdadmTool(cluster),
    drbdsetup: drbdsetupTool(cluster),
    "drbd-overview": drbdOverviewTool(cluster),
    exportfs: exportfsTool(cluster),
    showmount: showmountTool(cluster),
    ...storageHaTools(cluster),
  };

  function resolveMount(vm: VmName, p: string): string | null {
    if (!isFsVm(vm)) return null;
    const rest = below(p, world.settings.nfsExport);
    if (rest === null || !cluster.node(vm).mounted) return null;
    return path.join(drbdDataDir(world), rest);
  }

  function usage(): { sizeKb: number; usedKb: number } {
    const written = Math.max(cluster.node("fs1").stats.written, cluster.node("fs2").stats.written);
    return { sizeKb: FS_SIZE_KB, usedKb: Math.min(FS_SIZE_KB, FS_BASE_USED_KB + Math.round(written / 16)) };
  }

  function truth(): unknown {
    const nodes = Object.fromEntries(
      FS_VMS.map((vm) => {
        const n = cluster.node(vm);
        return [
          vm,
          {
            up: world.isUp(vm),
            configured: n.configured,
            role: n.role,
            disk: n.disk,
            connection: cluster.conn(vm),
            replication: cluster.repl(vm),
            peerRole: cluster.peerRole(vm),
            peerDisk: cluster.peerDisk(vm),
            outOfSyncKiB: Math.round(n.oosKiB),
            diverged: n.diverged,
            mounted: n.mounted,
            exported: n.exported,
            holdsNfsAddress: n.holdsAddress && world.isUp(vm),
            nfsRunning: world.serviceRunning(vm, "nfs-kernel-server"),
            heartbeatRunning: world.serviceRunning(vm, "heartbeat"),
          },
        ];
      }),
    );
    const sync = cluster.sync;
    return {
      resource: world.settings.drbdResource,
      drbdVersion: world.settings.drbdVersion,
      connected: cluster.connected,
      splitBrain: cluster.splitBrainAt !== null,
      splitBrainAt: cluster.splitBrainAt,
      nodes,
      sync: sync
        ? {
            source: sync.source,
            target: sync.target,
            donePercent: Number(cluster.syncDone().toFixed(2)),
            totalKiB: Math.round(sync.totalKiB),
            leftKiB: Math.round(cluster.node(sync.source).oosKiB),
            speedKiBps: sync.speed,
          }
        : null,
      nfs: {
        address: world.settings.nfsAddress,
        export: world.settings.nfsExport,
        addressHolders: cluster.addressHolder(),
        exporterForWeb1: cluster.exporterFor("web1"),
        exporterForWeb2: cluster.exporterFor("web2"),
      },
      failovers: cluster.failovers,
      events: [...cluster.events],
    };
  }

  return {
    cluster,
    tools,
    mounts,
    tick: (dt) => cluster.tick(dt),
    onPower(vm, up) {
      if (isFsVm(vm)) cluster.onPower(vm, up);
      else cluster.refresh();
    },
    onFault() {
      cluster.refresh();
    },
    resolveMount,
    exporterFor: (client) => cluster.exporterFor(client),
    write: (fs, kib) => cluster.write(fs, kib),
    virtualFile(vm, p) {
      if (!isFsVm(vm) || p !== "/proc/drbd") return null;
      cluster.refresh();
      return procDrbd(world, cluster, vm);
    },
    dfMounts(vm) {
      if (!isFsVm(vm) || !cluster.node(vm).mounted) return [];
      return [{ source: "/dev/drbd0", target: world.settings.nfsExport, ...usage() }];
    },
    usage,
    addresses(vm) {
      if (!isFsVm(vm) || !cluster.node(vm).holdsAddress || !world.isUp(vm)) return [];
      return [{ iface: "eth1", address: world.settings.nfsAddress, prefix: 24 }];
    },
    truth,
  };
}
