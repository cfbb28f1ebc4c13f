import type { ExecContext, ExecResult, VmName, WebVm, World } from "../../model/types";
import { ToolError } from "../../model/types";
import type { MountEntry, MountHandler } from "../mounts";
import { fail, ok } from "../shared/exec";
import { below } from "../shared/files";
import type { StorageTier } from "../storage";

export function isWebVm(vm: VmName): vm is WebVm {
  return vm === "web1" || vm === "web2";
}

/** the dataroot NFS mount (nfsAddress:nfsExport on dataroot) of each web node */
export class NfsClient implements MountHandler {
  readonly mounted: Record<WebVm, boolean> = { web1: true, web2: true };

  constructor(
    private readonly world: World,
    private readonly storage: StorageTier,
  ) {}

  private get source(): string {
    return `${this.world.settings.nfsAddress}:${this.world.settings.nfsExport}`;
  }

  private get target(): string {
    return this.world.settings.dataroot.replace(/\/+$/, "");
  }

  /** the real folder behind `p` on web node `vm`, null when `p` is not on the NFS mount */
  resolve(vm: VmName, p: string): string | null {
    if (!isWebVm(vm) || !this.mounted[vm]) return null;
    const rest = below(p, this.target);
    if (rest === null) return null;
    const server = this.storage.exporterFor(vm);
    if (!server) throw new ToolError(`${p}: Stale file handle`, 1);
    const exported = `${this.world.settings.nfsExport.replace(/\/+$/, "")}${rest ? `/${rest}` : ""}`;
    return this.world.resolvePath(server, exported);
  }

  entries(vm: VmName): MountEntry[] {
    if (!isWebVm(vm) || !this.mounted[vm]) return [];
    const addr = this.world.settings.nfsAddress;
    const client = this.world.vm(vm).clusterAddress;
    return [
      {
        source: this.source,
        target: this.target,
        fstype: "nfs4",
        options: `rw,relatime,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=${client},local_lock=none,addr=${addr}`,
      },
    ];
  }

  owns(vm: VmName, t: string): boolean {
    return isWebVm(vm) && (t.replace(/\/+$/, "") === this.target || t === this.source);
  }

  mount(ctx: ExecContext): ExecResult {
    if (!isWebVm(ctx.vm)) return fail(`mount: ${this.target}: can't find in /etc/fstab.\n`);
    if (this.mounted[ctx.vm]) return fail(`mount.nfs4: ${this.source} is busy or already mounted on ${this.target}\n`, 32);
    return this.attach(ctx.vm);
  }

  private attach(vm: WebVm): ExecResult {
    if (!this.storage.exporterFor(vm)) {
      const holder = this.storage.cluster.addressHolder().some((fs) => this.world.canReach(vm, fs));
      return fail(holder ? "mount.nfs4: Connection refused\n" : "mount.nfs4: No route to host\n", 32);
    }
    this.mounted[vm] = true;
    return ok();
  }

  umount(ctx: ExecContext): ExecResult {
    if (!isWebVm(ctx.vm) || !this.mounted[ctx.vm]) return fail(`umount: ${this.target}: not mounted.\n`, 32);
    this.mounted[ctx.vm] = false;
    return ok();
  }

  mountAll(ctx: ExecContext): ExecResult {
    if (!isWebVm(ctx.vm) || this.mounted[ctx.vm]) return ok();
    return this.attach(ctx.vm);
  }
}
