import type { LabSettings, VmInfo, VmName, VmRole, ServerName } from "./types";

export const DEFAULT_SETTINGS: LabSettings = {
  seed: 1,
  speed: 1,
  vip: "203.0.113.10",
  vipPort: 80,
  persistenceSeconds: 300,
  scheduler: "wlc",
  dirroot: "/var/www/moodle",
  dataroot: "/var/moodledata",
  phpPath: "/usr/bin/php",
  drbdResource: "r0",
  drbdVersion: "9",
  nfsExport: "/srv/moodledata",
  nfsAddress: "192.168.10.30",
  mysqlDefaultsFile: "/etc/mysql/clusterdeck.cnf",
  heartbeatTable: "percona.heartbeat",
  mysqlFlavour: "mariadb",
  dbBackend: "emulated",
  sessionHandler: "file",
  phpHandler: "mod_php",
  heartbeatDeadtimeMs: 10_000,
  haStack: "heartbeat",
  ports: [80],
};

function vm(name: VmName, role: VmRole, server: ServerName, clusterAddress: string): VmInfo {
  return { name, role, server, clusterAddress, hostname: name };
}

export const VM_INFO: Readonly<Record<VmName, VmInfo>> = {
  lb1: vm("lb1", "lb", "A", "192.168.10.10"),
  web1: vm("web1", "web", "A", "192.168.10.11"),
  fs1: vm("fs1", "fs", "A", "192.168.10.15"),
  db1: vm("db1", "db", "A", "192.168.10.18"),
  lb2: vm("lb2", "lb", "B", "192.168.10.20"),
  web2: vm("web2", "web", "B", "192.168.10.21"),
  fs2: vm("fs2", "fs", "B", "192.168.10.25"),
  db2: vm("db2", "db", "B", "192.168.10.28"),
};

/** the public (eth0) address of each balancer; the VIP is added beside it */
export const LB_PUBLIC: Readonly<Record<"lb1" | "lb2", string>> = { lb1: "203.0.113.11", lb2: "203.0.113.12" };

/** services each role runs from boot; generic ones exist everywhere */
export const ROLE_SERVICES: Readonly<Record<VmRole, readonly string[]>> = {
  lb: ["heartbeat", "ldirectord"],
  web: ["apache2"],
  fs: ["heartbeat", "nfs-kernel-server", "drbd"],
  db: ["mysql"],
};
export const COMMON_SERVICES: readonly string[] = ["ssh", "cron", "rsyslog"];

/** services a VM runs from boot: its role's, the generic ones, and php-fpm on web nodes that use it */
export function bootServices(role: VmRole, settings: LabSettings): string[] {
  const php = role === "web" && settings.phpHandler === "php-fpm" ? ["php8.2-fpm"] : [];
  const own = role === "lb" && settings.haStack === "keepalived" ? ROLE_SERVICES.lb.map((x) => (x === "heartbeat" ? "keepalived" : x)) : ROLE_SERVICES[role];
  return [...COMMON_SERVICES, ...own, ...php];
}

export function isVmName(value: string): value is VmName {
  return Object.hasOwn(VM_INFO, value);
}
