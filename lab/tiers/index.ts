import type { TierMount, Tiers, VmName, World } from "../model/types";
import { createDatabase } from "./database";
import { findmntTool, mountTool, procMounts, umountTool } from "./mounts";
import { createStorage } from "./storage";
import { createWeb } from "./web";

const MOUNT_ROLES = new Set(["web", "fs"]);

/** the web, storage and database tiers of the lab over one World */
export function createTiers(world: World): Tiers {
  const storage = createStorage(world);
  const database = createDatabase(world);
  const web = createWeb(world, storage, database);
  const handlers = [web.tier.nfs, storage.mounts];
  const tools = {
    ...web.tools,
    ...storage.tools,
    ...database.tools,
    mount: mountTool(handlers),
    umount: umountTool(handlers),
    findmnt: findmntTool(handlers),
  };
  if (world.settings.mysqlFlavour === "mariadb") {
    Object.assign(tools, { mariadb: database.tools.mysql, "mariadb-admin": database.tools.mysqladmin, "mariadb-dump": database.tools.mysqldump });
  }

  function resolveMount(vm: VmName, p: string): string | null {
    return storage.resolveMount(vm, p) ?? web.resolveMount(vm, p);
  }

  function virtualFile(vm: VmName, p: string): string | null {
    if (p === "/proc/mounts" && MOUNT_ROLES.has(world.vm(vm).role)) return procMounts(handlers, vm);
    return storage.virtualFile(vm, p);
  }

  function dfMounts(vm: VmName): TierMount[] {
    const nfs = web.tier.nfs.entries(vm).map((m) => ({ source: m.source, target: m.target, ...storage.usage() }));
    return [...storage.dfMounts(vm), ...nfs];
  }

  return {
    tools,
    tick(dtMs) {
      storage.tick(dtMs);
      database.tick(dtMs);
      web.tick(dtMs);
    },
    truth: () => ({ web: web.truth(), storage: storage.truth(), database: database.truth() }),
    onFault(fault, active) {
      storage.onFault(fault, active);
      database.onFault(fault, active);
    },
    onPower(vm, up) {
      storage.onPower(vm, up);
      database.onPower(vm, up);
      web.onPower(vm, up);
    },
    onServiceControl: (vm, service, verb) => web.onServiceControl(vm, service, verb),
    serveRequest: (node, request) => web.serveRequest(node, request),
    siteRequest: (node, request) => web.siteRequest(node, request),
    healthCheck: (node) => web.healthCheck(node),
    resolveMount,
    virtualFile,
    extraAddresses: (vm) => storage.addresses(vm),
    mounts: dfMounts,
    stop: () => database.stop(),
  };
}
