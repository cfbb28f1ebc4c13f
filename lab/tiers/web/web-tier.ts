import fs from "node:fs";
import path from "node:path";
import type { DbVm, VmName, WebRequest, WebResponse, WebVm, World } from "../../model/types";
import type { DatabaseTier } from "../database";
import type { MysqlServer } from "../database/server";
import { drbdDataDir, ensureDir, tryResolve, writeIfMissing } from "../shared/files";
import type { StorageTier } from "../storage";
import type { ApacheState, Mpm } from "./apache";
import { busyWorkers, freshStart, gracefulRestart, hupRestart, newApache } from "./apache";
import type { MoodleVersion } from "./moodle-code";
import { INSTALLED, RELEASES, codeFingerprint, configPhp, parseConfigPhp, parseVersionPhp, writeRelease } from "./moodle-code";
import { bootstrap, cliMaintenanceHtml, majorUpgradeRequired, setting } from "./moodle-site";
import { NfsClient } from "./nfs-client";
import { isSet, sessionDir, sessionHandlerClass, Sessions, storeOf } from "./sessions";

export const WEB_VMS: readonly WebVm[] = ["web1", "web2"];

// /etc/apache2 as Debian 12 leaves it after `apt-get install apache2 libapache2-mod-php8.2` (seen on the
// development machine); php-fpm instead: a2dismod php8.2 mpm_prefork, a2enmod mpm_event proxy_fcgi, a2enconf php8.2-fpm
const MODS_COMMON = ["access_compat.load", "alias.conf", "alias.load", "auth_basic.load", "authn_core.load", "authn_file.load", "authz_core.load", "authz_host.load", "authz_user.load", "autoindex.conf", "autoindex.load", "deflate.conf", "deflate.load", "dir.conf", "dir.load", "env.load", "filter.load", "mime.conf", "mime.load", "negotiation.conf", "negotiation.load", "reqtimeout.conf", "reqtimeout.load", "setenvif.conf", "setenvif.load", "status.conf", "status.load"];
const MODS: Record<"mod_php" | "php-fpm", readonly string[]> = {
  mod_php: [...MODS_COMMON, "mpm_prefork.conf", "mpm_prefork.load", "php8.2.conf", "php8.2.load"],
  "php-fpm": [...MODS_COMMON, "mpm_event.conf", "mpm_event.load", "proxy.conf", "proxy.load", "proxy_fcgi.load"],
};
const CONFS_COMMON = ["charset.conf", "localized-error-pages.conf", "other-vhosts-access-log.conf", "security.conf", "serve-cgi-bin.conf"];

export interface WebNode {
  vm: WebVm;
  apache: ApacheState;
  served: number;
  statusCounts: Record<string, number>;
  lastPurgeAt: number | null;
  /** when the OPcache that serves web requests last started empty (mod_php: Apache's; php-fpm: the pool's) */
  opcacheResetAt: number | null;
  fpmWasRunning: boolean;
  dbVm: DbVm | null;
}

/** what a Moodle node would answer a user right now */
export interface SiteCheck {
  status: number;
  reason: string;
}

interface Cached {
  key: string;
  text: string;
}

export class WebTier {
  readonly nodes: Record<WebVm, WebNode>;
  readonly nfs: NfsClient;
  readonly sessions: Sessions;
  lostSessions = 0;
  sessionsCreated = 0;
  private cache = new Map<string, Cached>();

  constructor(
    readonly world: World,
    readonly storage: StorageTier,
    readonly db: DatabaseTier,
  ) {
    const now = world.now();
    const node = (vm: WebVm): WebNode => ({
      vm,
      apache: newApache(now),
      served: 0,
      statusCounts: {},
      lastPurgeAt: null,
      opcacheResetAt: null,
      fpmWasRunning: true,
      dbVm: null,
    });
    this.nodes = { web1: node("web1"), web2: node("web2") };
    this.nfs = new NfsClient(world, storage);
    this.sessions = new Sessions(world, db);
    this.seed();
  }

  /**
   * The web nodes as an admin leaves them after Moodle's CLI installer: the code folder owned by
   * the SSH account (the rolling update rsyncs into it), config.php www-data 0640 (install.php's
   * umask(0137), run as the web server's user), the dataroot www-data 02777 ($CFG->directorypermissions).
   */
  private seed(): void {
    const w = this.world;
    const access = w.access;
    const dbhost = w.vm("db1").clusterAddress;
    for (const vm of WEB_VMS) {
      const root = w.vmRoot(vm);
      const code = path.join(root, w.settings.dirroot);
      if (!fs.existsSync(path.join(code, "version.php"))) writeRelease(code, INSTALLED);
      access.setup(path.dirname(code), "root", "root", 0o755);
      access.setup(code, "clusterdeck", "clusterdeck", 0o755);
      const cfg = path.join(code, "config.php");
      writeIfMissing(cfg, configPhp(w.settings, dbhost));
      access.setup(cfg, "www-data", "www-data", 0o640);
      ensureDir(path.join(root, w.settings.dataroot));
      writeIfMissing(
        path.join(root, "etc/fstab"),
        `# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=3f1c2a9e-8d41-4a8b-9a51-0c2f5e7d1b22 / ext4 errors=remount-ro 0 1\n` +
          `${w.settings.nfsAddress}:${w.settings.nfsExport} ${w.settings.dataroot} nfs4 rw,hard,_netdev 0 0\n`,
      );
    }
    // the exported filesystem itself (the tiers' mounts do not resolve yet while the tiers are built)
    const dataroot = drbdDataDir(w);
    for (const dir of [dataroot, path.join(dataroot, "sessions")]) {
      ensureDir(dir);
      access.setup(dir, "www-data", "www-data", 0o2777);
    }
    for (const vm of WEB_VMS) {
      this.apacheLayout(vm);
      this.syncRunPhp(vm);
    }
    const srv = path.join(w.vmRoot("web1"), "srv");
    const releases = path.join(srv, "releases");
    for (const r of RELEASES) {
      const dir = path.join(releases, r.dir);
      if (!fs.existsSync(path.join(dir, "version.php"))) writeRelease(dir, r);
    }
    access.setup(srv, "root", "root", 0o755);
    access.setup(releases, "clusterdeck", "clusterdeck", 0o755);
    const current = path.join(releases, "current");
    if (!fs.existsSync(current)) {
      try {
        fs.unlinkSync(current);
      } catch {
        // a dangling link may be absent
      }
      fs.symlinkSync(INSTALLED.dir, current);
    }
  }

  /** mods-enabled and conf-enabled as a2enmod/a2enconf leave them for the PHP handler (symlinks into *-available) */
  private apacheLayout(vm: WebVm): void {
    const etc = path.join(this.world.vmRoot(vm), "etc/apache2");
    const fpm = this.phpHandler() === "php-fpm";
    const sets: [string, readonly string[], readonly string[]][] = [
      ["mods", [...new Set([...MODS.mod_php, ...MODS["php-fpm"]])], MODS[this.phpHandler()]],
      ["conf", [...CONFS_COMMON, "php8.2-fpm.conf"], fpm ? [...CONFS_COMMON, "php8.2-fpm.conf"] : CONFS_COMMON],
    ];
    for (const [kind, available, enabled] of sets) {
      const availableDir = path.join(etc, `${kind}-available`);
      const enabledDir = path.join(etc, `${kind}-enabled`);
      ensureDir(availableDir);
      for (const name of available) {
        const module = name.replace(/\.load$/, "");
        writeIfMissing(path.join(availableDir, name), name.endsWith(".load") ? `LoadModule ${module}_module /usr/lib/apache2/modules/mod_${module}.so\n` : `# ${name}\n`);
      }
      fs.rmSync(enabledDir, { recursive: true, force: true });
      ensureDir(enabledDir);
      for (const name of enabled) fs.symlinkSync(`../${kind}-available/${name}`, path.join(enabledDir, name));
    }
  }

  /** /run/php (tmpfiles.d: www-data 0755) holds php-fpm's pid file and socket while it runs; there is none without php-fpm */
  private syncRunPhp(vm: WebVm): void {
    const run = path.join(this.world.vmRoot(vm), "run/php");
    if (this.phpHandler() !== "php-fpm") {
      if (fs.existsSync(run)) fs.rmSync(run, { recursive: true, force: true });
      return;
    }
    if (!fs.existsSync(run)) {
      ensureDir(run);
      this.world.access.setup(run, "www-data", "www-data", 0o755);
    }
    const running = this.world.isUp(vm) && this.world.serviceRunning(vm, "php8.2-fpm");
    for (const name of ["php8.2-fpm.pid", "php8.2-fpm.sock", "php-fpm.sock"]) {
      const file = path.join(run, name);
      if (running && !fs.existsSync(file)) fs.writeFileSync(file, name.endsWith(".pid") ? `${4000 + vm.length * 17}\n` : "");
      else if (!running && fs.existsSync(file)) fs.rmSync(file, { force: true });
    }
  }

  mpm(): Mpm {
    return this.world.settings.phpHandler === "php-fpm" ? "event" : "prefork";
  }

  phpHandler(): "mod_php" | "php-fpm" {
    return this.world.settings.phpHandler;
  }

  /** read a VM file through the world's mounts, cached by mtime; null when unreadable */
  readVmFile(vm: VmName, vmPath: string): string | null {
    const real = tryResolve(this.world, vm, vmPath);
    if (real === null) return null;
    try {
      const st = fs.statSync(real);
      const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
      const hit = this.cache.get(real);
      if (hit && hit.key === key) return hit.text;
      const text = fs.readFileSync(real, "utf8");
      this.cache.set(real, { key, text });
      return text;
    } catch {
      return null;
    }
  }

  /** may that account read the file (owner, group and mode as on the node)? */
  readableBy(vm: VmName, vmPath: string, user: string): boolean {
    const real = tryResolve(this.world, vm, vmPath);
    return real !== null && this.world.access.may(user, real, "r");
  }

  /** the Moodle code and config a node runs, read from its real code folder */
  code(vm: WebVm, dirroot = this.world.settings.dirroot): { code: MoodleVersion | null; cfg: Map<string, string> | null } {
    const v = this.readVmFile(vm, `${dirroot}/version.php`);
    const c = this.readVmFile(vm, `${dirroot}/config.php`);
    return { code: v === null ? null : parseVersionPhp(v), cfg: c === null ? null : parseConfigPhp(c) };
  }

  dataroot(cfg: Map<string, string> | null): string {
    return cfg?.get("dataroot") ?? this.world.settings.dataroot;
  }

  /** $CFG->dataroot/climaintenance.html exists as this node sees its dataroot */
  maintenanceFlag(vm: WebVm, cfg: Map<string, string> | null): boolean {
    const real = tryResolve(this.world, vm, `${this.dataroot(cfg)}/climaintenance.html`);
    return real !== null && fs.existsSync(real);
  }

  /** `--enablelater`'s time has come (lib/setup.php then switches CLI maintenance on at the next request) */
  maintenanceLaterDue(db: MysqlServer): boolean {
    const later = db.data.config.get("maintenance_later");
    return isSet(later) && Number(later) * 1000 <= this.world.now();
  }

  /** enable_cli_maintenance_mode() run by `user`, then maintenance_later unset, as lib/setup.php does when it is due */
  enableCliMaintenance(vm: WebVm, cfg: Map<string, string>, db: MysqlServer, user: string): boolean {
    const dataroot = this.dataroot(cfg);
    const flag = tryResolve(this.world, vm, `${dataroot}/climaintenance.html`);
    if (flag === null) return false;
    if (!fs.existsSync(flag)) {
      const template = this.readVmFile(vm, `${dataroot}/climaintenance.template.html`);
      fs.writeFileSync(flag, cliMaintenanceHtml(setting(cfg, db, "maintenance_message") ?? null, template));
      // chmod($CFG->filepermissions): directorypermissions 02777 & 0666
      this.world.access.setup(flag, user, user, 0o666);
      this.world.log(`web: ${vm}: CLI maintenance mode enabled`);
    }
    if (db.data.config.has("maintenance_later")) this.db.cluster.webWrite(db, { kind: "config", name: "maintenance_later", value: "" }, vm);
    return true;
  }

  apacheUp(vm: WebVm): boolean {
    return this.world.isUp(vm) && this.world.serviceRunning(vm, "apache2");
  }

  /** PHP can run: mod_php lives in Apache; php-fpm is its own service */
  phpUp(vm: WebVm): boolean {
    return this.phpHandler() === "mod_php" || this.world.serviceRunning(vm, "php8.2-fpm");
  }

  /** what the node answers a logged-in user (the Host is right) before sessions are looked at */
  check(vm: WebVm): SiteCheck {
    if (!this.apacheUp(vm)) return { status: 502, reason: "apache2 not running" };
    if (!this.phpUp(vm)) return { status: 503, reason: "php-fpm not running" };
    const boot = bootstrap(this, vm);
    if (!boot.ok) return { status: boot.reply.status, reason: boot.reason };
    if (isSet(setting(boot.cfg, boot.db, "maintenance_enabled"))) return { status: 503, reason: "maintenance mode (maintenance_enabled)" };
    const pending = Number(boot.code.version) > Number(boot.db.data.config.get("version") ?? "0");
    if (pending && majorUpgradeRequired(boot.db)) return { status: 303, reason: "major upgrade pending: redirect to admin/index.php" };
    return { status: 200, reason: pending ? "ok (upgrade pending)" : "ok" };
  }

  /** count one finished request in the node's Apache stats (mod_status) and status tally */
  record(node: WebNode, status: number, kbytes: number): void {
    const now = this.world.now();
    const a = node.apache;
    const dur = Math.min(5000, this.world.rng.exp(120));
    a.inflight.push(now + dur);
    a.accesses += 1;
    a.kbytes += kbytes;
    a.durationMs += dur;
    node.statusCounts[String(status)] = (node.statusCounts[String(status)] ?? 0) + 1;
  }

  /** a synthetic user's page view: a logged-in user with the right Host, as lib/setup.php and require_login() treat them */
  serveRequest(vm: WebVm, req: WebRequest): WebResponse {
    const node = this.nodes[vm];
    if (!this.apacheUp(vm)) return { status: 502, sessionId: null };
    node.served += 1;
    const done = (status: number, sessionId: string | null, kbytes = 2): WebResponse => {
      this.record(node, status, kbytes);
      return { status, sessionId };
    };
    if (!this.phpUp(vm)) return done(503, req.sessionId);
    const boot = bootstrap(this, vm);
    if (!boot.ok) return done(boot.reply.status, req.sessionId);
    const { cfg, db, code } = boot;
    node.dbVm = db.vm;
    if (this.maintenanceLaterDue(db)) {
      this.enableCliMaintenance(vm, cfg, db, "www-data");
      return done(303, req.sessionId);
    }
    const ip = `10.20.${this.world.rng.int(0, 255)}.${this.world.rng.int(1, 254)}`;
    const userid = Number(/\d+/.exec(req.userId)?.[0] ?? "2");
    // only admins may use the site while maintenance_enabled is set; these users are not
    if (isSet(setting(cfg, db, "maintenance_enabled"))) return done(503, req.sessionId);
    if (Number(code.version) > Number(db.data.config.get("version") ?? "0") && majorUpgradeRequired(db)) return done(303, req.sessionId);
    let sessionId = req.sessionId;
    if (req.kind === "login" || sessionId === null) {
      sessionId = this.sessions.create(vm, cfg, db, userid, ip);
      if (sessionId === null) return done(500, req.sessionId);
      this.sessionsCreated += 1;
    } else {
      if (!this.sessions.exists(vm, cfg, db, sessionId)) {
        this.lostSessions += 1;
        return done(303, null, 1);
      }
      if (req.kind === "logout") {
        this.sessions.destroy(vm, cfg, db, sessionId);
        sessionId = null;
      } else this.sessions.touch(vm, cfg, db, sessionId, ip);
    }
    if (!this.db.cluster.webWrite(db, { kind: "log", userid }, vm)) return done(500, req.sessionId);
    const exporter = this.storage.exporterFor(vm);
    if (exporter && this.nfs.mounted[vm]) {
      if (this.world.diskFull(exporter)) return done(500, req.sessionId);
      const kib = req.kind === "click" ? this.world.rng.int(4, 64) : 8;
      this.storage.write(exporter, kib);
      this.storage.cluster.read(exporter, kib * 2);
    }
    return done(200, sessionId, this.world.rng.int(18, 60));
  }

  /** the OPcache serving requests starts empty when the process holding it starts again */
  private opcacheRestarted(vm: WebVm, by: "apache" | "php-fpm"): void {
    const holder = this.phpHandler() === "mod_php" ? "apache" : "php-fpm";
    if (by === holder) this.nodes[vm].opcacheResetAt = this.world.now();
  }

  /** `apachectl graceful` (and `systemctl reload apache2`, which runs it): new children; mod_php's OPcache goes with them */
  graceful(vm: WebVm): void {
    gracefulRestart(this.nodes[vm].apache);
    this.opcacheRestarted(vm, "apache");
  }

  /** `apachectl restart` (SIGHUP): same parent, new generation, counters from zero */
  hupRestarted(vm: WebVm): void {
    hupRestart(this.nodes[vm].apache, this.world.now());
    this.opcacheRestarted(vm, "apache");
  }

  /** `systemctl restart apache2` (stop, then start): a new parent process */
  restarted(vm: WebVm): void {
    freshStart(this.nodes[vm].apache, this.world.now());
    this.nodes[vm].apache.wasRunning = true;
    this.opcacheRestarted(vm, "apache");
  }

  /** `systemctl reload|restart php8.2-fpm` (reload is SIGUSR2 to the master: its OPcache starts again) */
  fpmRestarted(vm: WebVm): void {
    this.opcacheRestarted(vm, "php-fpm");
  }

  healthCheck(vm: WebVm): boolean {
    if (!this.apacheUp(vm)) return false;
    const { code, cfg } = this.code(vm);
    return code !== null && cfg !== null && tryResolve(this.world, vm, this.dataroot(cfg)) !== null;
  }

  tick(): void {
    const now = this.world.now();
    const conns: Record<DbVm, number> = { db1: 0, db2: 0 };
    for (const vm of WEB_VMS) {
      const node = this.nodes[vm];
      const running = this.apacheUp(vm);
      if (running && !node.apache.wasRunning) {
        freshStart(node.apache, now);
        this.opcacheRestarted(vm, "apache");
      }
      node.apache.wasRunning = running;
      const fpm = this.world.isUp(vm) && this.world.serviceRunning(vm, "php8.2-fpm");
      if (fpm && !node.fpmWasRunning) this.opcacheRestarted(vm, "php-fpm");
      if (fpm !== node.fpmWasRunning) this.syncRunPhp(vm);
      node.fpmWasRunning = fpm;
      const busy = running ? busyWorkers(node.apache, now) : 0;
      if (node.dbVm) conns[node.dbVm] += busy;
    }
    this.db.cluster.webConnections.db1 = conns.db1;
    this.db.cluster.webConnections.db2 = conns.db2;
    this.cron();
  }

  /** Moodle's cron (a crontab line on web1, or web2 while web1 is away): the session cleanup task */
  private cron(): void {
    if (!this.sessions.gcDue()) return;
    const vm = WEB_VMS.find((v) => this.world.isUp(v) && this.world.serviceRunning(v, "cron"));
    if (!vm) return;
    const boot = bootstrap(this, vm);
    if (boot.ok) this.sessions.gc(vm, boot.cfg, boot.db);
  }

  truth(): unknown {
    const nodes = Object.fromEntries(
      WEB_VMS.map((vm) => {
        const n = this.nodes[vm];
        const { code, cfg } = this.code(vm);
        const site = this.check(vm);
        const codeDir = tryResolve(this.world, vm, this.world.settings.dirroot);
        const db = cfg ? this.db.cluster.connect(vm, cfg.get("dbhost") ?? "") : null;
        const handler = cfg ? sessionHandlerClass(cfg, db) : null;
        const dir = cfg && handler && storeOf(handler) === "file" ? sessionDir(cfg, this.world.settings.dataroot) : null;
        return [
          vm,
          {
            apacheRunning: this.apacheUp(vm),
            phpHandler: this.phpHandler(),
            mpm: this.mpm(),
            serves: code ? { version: code.version, release: code.release } : null,
            codeFingerprint: codeDir ? codeFingerprint(codeDir) : null,
            sessionHandler: cfg?.get("session_handler_class") ?? null,
            sessionStore: handler ? storeOf(handler) : null,
            sessionDir: dir,
            sessionFiles: dir ? this.countSessionFiles(vm, dir) : null,
            dbhost: cfg?.get("dbhost") ?? null,
            maintenanceFlag: this.maintenanceFlag(vm, cfg),
            siteStatus: site.status,
            siteReason: site.reason,
            nfsMounted: this.nfs.mounted[vm],
            nfsServer: this.storage.exporterFor(vm),
            busyWorkers: this.apacheUp(vm) ? busyWorkers(n.apache, this.world.now()) : 0,
            accesses: n.apache.accesses,
            served: n.served,
            statusCounts: { ...n.statusCounts },
            lastPurgeAt: n.lastPurgeAt,
            opcacheResetAt: n.opcacheResetAt,
          },
        ];
      }),
    );
    const versions = new Set(WEB_VMS.map((vm) => this.code(vm).code?.version ?? "none"));
    return {
      nodes,
      sameVersion: versions.size === 1,
      maintenance: WEB_VMS.some((vm) => this.check(vm).reason.startsWith("maintenance mode")),
      sessionsCreated: this.sessionsCreated,
      lostSessions: this.lostSessions,
    };
  }

  private countSessionFiles(vm: WebVm, dir: string): number | null {
    const real = tryResolve(this.world, vm, dir);
    if (real === null) return null;
    try {
      return fs.readdirSync(real).filter((n) => n.startsWith("sess_")).length;
    } catch {
      return null;
    }
  }
}
