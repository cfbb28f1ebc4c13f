import type { FsVm, VmName, World } from "../../model/types";

export type DrbdRole = "Primary" | "Secondary";
export type DiskState = "UpToDate" | "Inconsistent" | "Outdated" | "DUnknown" | "Diskless" | "Consistent";
export type ConnState = "Connected" | "Connecting" | "StandAlone";
export type ReplState = "Established" | "SyncSource" | "SyncTarget" | "Off";

export const FS_VMS: readonly FsVm[] = ["fs1", "fs2"];
/** usable size of the 20 GiB backing volume minus DRBD's internal metadata, in KiB */
export const DRBD_SIZE_KIB = 20_970_844;
export const RESYNC_KIB_PER_S = 4096;

export interface DrbdStats {
  sent: number;
  received: number;
  read: number;
  written: number;
  alWrites: number;
  bmWrites: number;
}

export interface DrbdNode {
  vm: FsVm;
  /** `drbdadm up` done (resource configured and attached) */
  configured: boolean;
  role: DrbdRole;
  disk: DiskState;
  /** false after `drbdadm disconnect` or a split brain: the node stays StandAlone */
  wantConnect: boolean;
  discardMyData: boolean;
  /** it generated data its peer has not seen (new current UUID) since they last talked */
  diverged: boolean;
  /** KiB marked out of sync in this node's bitmap */
  oosKiB: number;
  stats: DrbdStats;
  mounted: boolean;
  exported: boolean;
  holdsAddress: boolean;
  acquiredAt: number;
  lastSeenPeer: number;
  heartbeatWasRunning: boolean;
  drbdWasRunning: boolean;
}

export interface SyncProgress {
  source: FsVm;
  target: FsVm;
  totalKiB: number;
  startedAt: number;
  /** recent speed in KiB/s */
  speed: number;
}

function freshNode(vm: FsVm, primary: boolean, now: number): DrbdNode {
  return {
    vm,
    configured: true,
    role: primary ? "Primary" : "Secondary",
    disk: "UpToDate",
    wantConnect: true,
    discardMyData: false,
    diverged: false,
    oosKiB: 0,
    stats: { sent: 0, received: 0, read: 0, written: 0, alWrites: 0, bmWrites: 0 },
    mounted: primary,
    exported: primary,
    holdsAddress: primary,
    acquiredAt: now,
    lastSeenPeer: now,
    heartbeatWasRunning: true,
    drbdWasRunning: true,
  };
}

export function peerOf(vm: FsVm): FsVm {
  return vm === "fs1" ? "fs2" : "fs1";
}

export function isFsVm(vm: VmName): vm is FsVm {
  return vm === "fs1" || vm === "fs2";
}

/** DRBD resource r0 on fs1/fs2 plus the storage heartbeat pair that moves the NFS service. */
export class DrbdCluster {
  readonly nodes: Record<FsVm, DrbdNode>;
  connected = true;
  sync: SyncProgress | null = null;
  splitBrainAt: number | null = null;
  failovers = 0;
  readonly events: string[] = [];

  constructor(private readonly world: World) {
    const now = world.now();
    this.nodes = { fs1: freshNode("fs1", true, now), fs2: freshNode("fs2", false, now) };
  }

  private log(msg: string): void {
    this.world.log(`storage: ${msg}`);
    this.events.push(`${new Date(this.world.now()).toISOString()} ${msg}`);
    if (this.events.length > 50) this.events.shift();
  }

  node(vm: FsVm): DrbdNode {
    return this.nodes[vm];
  }

  peerRole(vm: FsVm): DrbdRole | "Unknown" {
    return this.connected ? this.nodes[peerOf(vm)].role : "Unknown";
  }

  peerDisk(vm: FsVm): DiskState {
    return this.connected ? this.nodes[peerOf(vm)].disk : "DUnknown";
  }

  conn(vm: FsVm): ConnState {
    const n = this.nodes[vm];
    if (this.connected) return "Connected";
    return n.wantConnect ? "Connecting" : "StandAlone";
  }

  repl(vm: FsVm): ReplState {
    if (!this.connected) return "Off";
    if (this.sync?.source === vm) return "SyncSource";
    if (this.sync?.target === vm) return "SyncTarget";
    return "Established";
  }

  /** fraction of the resync done, 0..100 */
  syncDone(): number {
    if (!this.sync || this.sync.totalKiB <= 0) return 100;
    const left = this.nodes[this.sync.source].oosKiB;
    return Math.max(0, Math.min(100, (100 * (this.sync.totalKiB - left)) / this.sync.totalKiB));
  }

  private linkPossible(): boolean {
    const a = this.nodes.fs1;
    const b = this.nodes.fs2;
    return (
      a.configured &&
      b.configured &&
      a.wantConnect &&
      b.wantConnect &&
      this.world.isUp("fs1") &&
      this.world.isUp("fs2") &&
      this.world.serviceRunning("fs1", "drbd") &&
      this.world.serviceRunning("fs2", "drbd") &&
      this.world.canReach("fs1", "fs2")
    );
  }

  /** bring the replication link in line with what the network and the operators allow */
  refresh(): void {
    const possible = this.linkPossible();
    if (this.connected && !possible) this.dropConnection();
    else if (!this.connected && possible) this.handshake();
  }

  private dropConnection(): void {
    this.connected = false;
    if (this.sync) {
      this.log(`resync ${this.sync.source} -> ${this.sync.target} interrupted at ${this.syncDone().toFixed(1)}%`);
      this.sync = null;
    }
    this.log("replication link lost (peer unreachable or down)");
  }

  private handshake(): void {
    const a = this.nodes.fs1;
    const b = this.nodes.fs2;
    const resolving = a.discardMyData || b.discardMyData;
    if (a.diverged && b.diverged && !resolving) {
      for (const n of [a, b]) {
        n.wantConnect = false;
      }
      this.splitBrainAt = this.world.now();
      this.log("Split-Brain detected but unresolved, dropping connection!");
      return;
    }
    if (a.role === "Primary" && b.role === "Primary") {
      for (const n of [a, b]) n.wantConnect = false;
      this.splitBrainAt = this.world.now();
      this.log("Split-Brain detected (both Primary), dropping connection!");
      return;
    }
    let source: DrbdNode | null = null;
    let target: DrbdNode | null = null;
    if (a.discardMyData) [source, target] = [b, a];
    else if (b.discardMyData) [source, target] = [a, b];
    else if (a.diverged && !b.diverged) [source, target] = [a, b];
    else if (b.diverged && !a.diverged) [source, target] = [b, a];
    else if (a.disk === "UpToDate" && b.disk !== "UpToDate") [source, target] = [a, b];
    else if (b.disk === "UpToDate" && a.disk !== "UpToDate") [source, target] = [b, a];
    else if (a.oosKiB > 0 || b.oosKiB > 0) [source, target] = a.oosKiB >= b.oosKiB ? [a, b] : [b, a];
    this.connected = true;
    const total = resolving ? a.oosKiB + b.oosKiB : Math.max(a.oosKiB, b.oosKiB);
    for (const n of [a, b]) {
      n.diverged = false;
      n.discardMyData = false;
      n.oosKiB = total;
    }
    this.splitBrainAt = null;
    if (source && target && total > 0) {
      target.disk = "Inconsistent";
      this.sync = { source: source.vm, target: target.vm, totalKiB: total, startedAt: this.world.now(), speed: 0 };
      this.log(`connected; resync ${source.vm} -> ${target.vm} of ${total} KiB started`);
    } else {
      if (source && target) target.disk = source.disk;
      for (const n of [a, b]) n.oosKiB = 0;
      this.log("connected; disks UpToDate/UpToDate");
    }
  }

  /** a write of `kib` reaching the filesystem on `vm` (the Primary serving NFS) */
  write(vm: FsVm, kib: number): void {
    const n = this.nodes[vm];
    if (!n.configured || n.role !== "Primary") return;
    n.stats.written += kib;
    n.stats.alWrites += kib > 512 ? 1 : 0;
    if (this.connected) {
      const peer = this.nodes[peerOf(vm)];
      n.stats.sent += kib;
      peer.stats.received += kib;
      peer.stats.written += kib;
      if (this.sync) {
        // writes during a resync are mirrored, the bitmap only shrinks by resync traffic
        return;
      }
    } else {
      n.oosKiB = Math.min(DRBD_SIZE_KIB, n.oosKiB + kib);
      n.stats.bmWrites += 1;
      n.diverged = true;
    }
  }

  read(vm: FsVm, kib: number): void {
    const n = this.nodes[vm];
    if (n.configured) n.stats.read += kib;
  }

  tick(dtMs: number): void {
    this.followDrbdService();
    this.refresh();
    this.advanceSync(dtMs);
    this.runHeartbeat();
  }

  /** `systemctl stop drbd` runs `drbdadm down all` (refused while mounted); start runs `up all` */
  private followDrbdService(): void {
    for (const vm of FS_VMS) {
      const n = this.nodes[vm];
      if (!this.world.isUp(vm)) continue;
      const running = this.world.serviceRunning(vm, "drbd");
      if (n.drbdWasRunning && !running && n.configured && !n.mounted) {
        n.configured = false;
        n.role = "Secondary";
        this.log(`${vm}: drbd stopped, r0 down`);
      } else if (!n.drbdWasRunning && running && !n.configured) {
        n.configured = true;
        n.wantConnect = true;
        this.log(`${vm}: drbd started, r0 up`);
      }
      n.drbdWasRunning = running;
    }
  }

  private advanceSync(dtMs: number): void {
    if (!this.sync || !this.connected) return;
    const source = this.nodes[this.sync.source];
    const target = this.nodes[this.sync.target];
    const step = Math.min(source.oosKiB, (RESYNC_KIB_PER_S * dtMs) / 1000);
    source.oosKiB -= step;
    target.oosKiB = source.oosKiB;
    source.stats.sent += step;
    source.stats.read += step;
    target.stats.received += step;
    target.stats.written += step;
    this.sync.speed = dtMs > 0 ? Math.round((step * 1000) / dtMs) : 0;
    if (source.oosKiB <= 0.5) {
      source.oosKiB = 0;
      target.oosKiB = 0;
      target.disk = "UpToDate";
      this.log(`resync ${source.vm} -> ${target.vm} finished; UpToDate/UpToDate`);
      this.sync = null;
    }
  }

  // ---- storage heartbeat (haresources: drbddisk::r0 Filesystem IPaddr nfs-kernel-server)

  private heartbeatAlive(vm: FsVm): boolean {
    return this.world.isUp(vm) && this.world.serviceRunning(vm, "heartbeat");
  }

  private runHeartbeat(): void {
    const now = this.world.now();
    for (const vm of FS_VMS) {
      const n = this.nodes[vm];
      const running = this.heartbeatAlive(vm);
      if (n.heartbeatWasRunning && !running && this.world.isUp(vm) && n.holdsAddress) {
        this.release(vm, "heartbeat stopped");
        this.nodes[peerOf(vm)].lastSeenPeer = Number.NEGATIVE_INFINITY;
      }
      n.heartbeatWasRunning = running;
    }
    for (const vm of FS_VMS) {
      if (!this.heartbeatAlive(vm)) continue;
      const n = this.nodes[vm];
      const peer = peerOf(vm);
      const peerAlive = this.heartbeatAlive(peer) && this.world.canReach(vm, peer);
      if (peerAlive) n.lastSeenPeer = now;
      const p = this.nodes[peer];
      if (peerAlive && n.holdsAddress && p.holdsAddress) {
        const loser = n.acquiredAt >= p.acquiredAt ? n : p;
        this.release(loser.vm, "partition healed, both nodes owned the resources");
        continue;
      }
      if (n.holdsAddress) continue;
      const peerHolds = peerAlive && p.holdsAddress;
      if (peerHolds) continue;
      if (!peerAlive && now - n.lastSeenPeer >= this.world.settings.heartbeatDeadtimeMs) {
        this.takeover(vm, `peer ${peer} dead for ${Math.round((now - n.lastSeenPeer) / 1000)}s`);
      } else if (peerAlive && !p.holdsAddress && (vm === "fs1" || !this.heartbeatAlive("fs1"))) {
        this.takeover(vm, "no node owns the resources");
      }
    }
  }

  /** hb_standby on vm: hand the resources to a live peer; false when there is none */
  standby(vm: FsVm): boolean {
    const peer = peerOf(vm);
    if (!this.nodes[vm].holdsAddress || !this.heartbeatAlive(peer) || !this.world.canReach(vm, peer)) return false;
    this.release(vm, "hb_standby");
    this.takeover(peer, "hb_standby on the peer");
    return true;
  }

  /** hb_takeover on vm: pull the resources from a live peer (or take them if nobody holds them) */
  takeoverFromPeer(vm: FsVm): boolean {
    const peer = peerOf(vm);
    if (this.nodes[vm].holdsAddress) return true;
    if (this.nodes[peer].holdsAddress) {
      if (!this.heartbeatAlive(peer) || !this.world.canReach(vm, peer)) return false;
      this.release(peer, "hb_takeover on the peer");
    }
    this.takeover(vm, "hb_takeover");
    return this.nodes[vm].holdsAddress;
  }

  heartbeatSees(vm: FsVm, node: FsVm): boolean {
    return node === vm ? this.heartbeatAlive(vm) : this.heartbeatAlive(node) && this.world.canReach(vm, node);
  }

  private takeover(vm: FsVm, why: string): void {
    const n = this.nodes[vm];
    if (!this.world.serviceRunning(vm, "drbd") || !n.configured) {
      this.log(`${vm}: takeover (${why}) failed: drbd resource not configured`);
      n.lastSeenPeer = this.world.now();
      return;
    }
    const refused = this.promote(vm, false);
    if (refused) {
      this.log(`${vm}: takeover (${why}) failed: ${refused}`);
      n.lastSeenPeer = this.world.now();
      return;
    }
    n.mounted = true;
    n.exported = this.world.serviceRunning(vm, "nfs-kernel-server");
    n.holdsAddress = true;
    n.acquiredAt = this.world.now();
    this.failovers += 1;
    this.log(`${vm}: took over r0, ${this.world.settings.nfsExport} and ${this.world.settings.nfsAddress} (${why})`);
  }

  private release(vm: FsVm, why: string): void {
    const n = this.nodes[vm];
    n.exported = false;
    n.mounted = false;
    n.holdsAddress = false;
    if (n.role === "Primary") n.role = "Secondary";
    this.log(`${vm}: released the NFS resources (${why})`);
  }

  /** `drbdadm primary`: null on success, else the kernel's refusal */
  promote(vm: FsVm, force: boolean): string | null {
    const n = this.nodes[vm];
    if (!n.configured) return "(-7) Refusing to be Primary while peer is not outdated";
    if (n.role === "Primary") return null;
    if (this.connected && this.nodes[peerOf(vm)].role === "Primary") {
      return "(-1) Multiple primaries not allowed by config";
    }
    const peerUpToDate = this.connected && this.nodes[peerOf(vm)].disk === "UpToDate";
    if (n.disk !== "UpToDate" && !force && !peerUpToDate) return "(-2) Need access to UpToDate data";
    if (force && n.disk !== "UpToDate") n.disk = "UpToDate";
    n.role = "Primary";
    if (!this.connected) n.diverged = true;
    return null;
  }

  /** `drbdadm secondary`: null on success, else the refusal */
  demote(vm: FsVm): string | null {
    const n = this.nodes[vm];
    if (!n.configured) return "(-12) Device is held open by someone";
    if (n.mounted) return "(-12) Device is held open by someone";
    n.role = "Secondary";
    return null;
  }

  disconnect(vm: FsVm): void {
    this.nodes[vm].wantConnect = false;
    this.refresh();
  }

  connect(vm: FsVm, discardMyData: boolean): string | null {
    const n = this.nodes[vm];
    if (!n.configured) return "(127) Device minor not allocated";
    if (this.connected || n.wantConnect) return "(125) Device has a net-config (use disconnect first)";
    if (discardMyData && n.role === "Primary") {
      return "(-1) Multiple primaries not allowed by config";
    }
    n.wantConnect = true;
    n.discardMyData = discardMyData;
    this.refresh();
    return null;
  }

  down(vm: FsVm): string | null {
    const n = this.nodes[vm];
    if (n.mounted) return "(-12) Device is held open by someone";
    n.configured = false;
    n.role = "Secondary";
    this.refresh();
    return null;
  }

  up(vm: FsVm): string | null {
    const n = this.nodes[vm];
    if (n.configured) return "(161) Minor or volume exists already (delete it first)";
    n.configured = true;
    n.wantConnect = true;
    n.role = "Secondary";
    this.refresh();
    return null;
  }

  onPower(vm: FsVm, up: boolean): void {
    const n = this.nodes[vm];
    if (!up) {
      n.mounted = false;
      n.exported = false;
      n.holdsAddress = false;
      n.role = "Secondary";
      n.configured = false;
      n.discardMyData = false;
      this.refresh();
      this.log(`${vm}: powered off`);
      return;
    }
    n.configured = true;
    n.wantConnect = true;
    n.role = "Secondary";
    n.lastSeenPeer = this.world.now();
    n.heartbeatWasRunning = true;
    n.drbdWasRunning = true;
    this.log(`${vm}: booted, r0 Secondary`);
    this.refresh();
  }

  /** the fs VM whose NFS server answers `client` at the NFS address, or null */
  exporterFor(client: VmName): FsVm | null {
    const candidates = FS_VMS.filter((vm) => {
      const n = this.nodes[vm];
      return (
        n.holdsAddress &&
        n.exported &&
        this.world.serviceRunning(vm, "nfs-kernel-server") &&
        (client === vm || this.world.canReach(client, vm))
      );
    });
    candidates.sort((x, y) => this.nodes[y].acquiredAt - this.nodes[x].acquiredAt);
    return candidates[0] ?? null;
  }

  addressHolder(): FsVm[] {
    return FS_VMS.filter((vm) => this.nodes[vm].holdsAddress && this.world.isUp(vm));
  }
}
