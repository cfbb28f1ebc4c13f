import fs from "node:fs";
import path from "node:path";
import type { DbVm, VmName, WebRequest, WebResponse, WebVm, World } from "../../model/types";
import type { DatabaseTier } from "../database";
import type { MysqlServer } from "../database/server";
import { ensureDir, tryResolve, writeIfMissing } from "../shared/files";
import type { StorageTier } from "../storage";
import type { ApacheState } from "./apache";
import { busyWorkers, newApache } from "./apache";
import type { MoodleVersion } from "./moodle-code";
import { INSTALLED, RELEASES, codeFingerprint, compareVersions, configPhp, parseConfigPhp, parseVersionPhp, writeRelease } from "./moodle-code";
import { NfsClient } from "./nfs-client";

export const WEB_VMS: readonly WebVm[] = ["web1", "web2"];

export interface WebNode {
  vm: WebVm;
  apache: ApacheState;
  served: number;
  statusCounts: Record<string, number>;
  lastPurgeAt: number | null;
  opcacheResetAt: number | null;
  dbVm: DbVm | null;
}

/** what a Moodle node would do with a request right now, before sessions */
export interface SiteCheck {
  status: number;
  reason: string;
  code?: MoodleVersion;
  cfg?: Map<string, string>;
  db?: MysqlServer;
}

interface Cached {
  key: string;
  text: string;
}

export class WebTier {
  readonly nodes: Record<WebVm, WebNode>;
  readonly nfs: NfsClient;
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
      dbVm: null,
    });
    this.nodes = { web1: node("web1"), web2: node("web2") };
    this.nfs = new NfsClient(world, storage);
    this.seed();
  }

  private seed(): void {
    const w = this.world;
    const dbhost = w.vm("db1").clusterAddress;
    for (const vm of WEB_VMS) {
      const root = w.vmRoot(vm);
      const code = path.join(root, w.settings.dirroot);
      if (!fs.existsSync(path.join(code, "version.php"))) writeRelease(code, INSTALLED);
      writeIfMissing(path.join(code, "config.php"), configPhp(w.settings, dbhost));
      ensureDir(path.join(root, w.settings.dataroot));
      ensureDir(path.join(root, "var/lib/moodle/sessions"));
      writeIfMissing(
        path.join(root, "etc/fstab"),
        `# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=3f1c2a9e-8d41-4a8b-9a51-0c2f5e7d1b22 / ext4 errors=remount-ro 0 1\n` +
          `${w.settings.nfsAddress}:${w.settings.nfsExport} ${w.settings.dataroot} nfs4 rw,hard,_netdev 0 0\n`,
      );
    }
    const releases = path.join(w.vmRoot("web1"), "srv/releases");
    for (const r of RELEASES) {
      const dir = path.join(releases, r.dir);
      if (!fs.existsSync(path.join(dir, "version.php"))) writeRelease(dir, r);
    }
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

  /** read a VM file through the world's mounts, cached by mtime; null when unreadable */
  readVmFile(vm: VmName, vmPath: string): string | null {
    const real = tryResolve(this.world, vm, vmPath);
    if (real === null) return null;
    try {
      const st = fs.statSync(real);
      const key = `${st.mtimeMs}:${st.size}`;
      const hit = this.cache.get(real);
      if (hit && hit.key === key) return hit.text;
      const text = fs.readFileSync(real, "utf8");
      this.cache.set(real, { key, text });
      return text;
    } catch {
      return null;
    }
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

  /** is the dataroot usable from vm? (the NFS mount answers) */
  datarootReal(vm: WebVm, cfg: Map<string, string> | null): string | null {
    return tryResolve(this.world, vm, this.dataroot(cfg));
  }

  /** $CFG->dataroot/climaintenance.html exists as this node sees its dataroot */
  maintenanceFlag(vm: WebVm, cfg: Map<string, string> | null): boolean {
    const real = tryResolve(this.world, vm, `${this.dataroot(cfg)}/climaintenance.html`);
    return real !== null && fs.existsSync(real);
  }

  maintenance(vm: WebVm, cfg: Map<string, string> | null, db: MysqlServer | null): boolean {
    if (this.maintenanceFlag(vm, cfg)) return true;
    if (!db) return false;
    if (db.data.config.get("maintenance_enabled") === "1") return true;
    const later = Number(db.data.config.get("maintenance_later") ?? "0");
    return later > 0 && later * 1000 <= this.world.now();
  }

  apacheUp(vm: WebVm): boolean {
    return this.world.isUp(vm) && this.world.serviceRunning(vm, "apache2");
  }

  check(vm: WebVm): SiteCheck {
    if (!this.apacheUp(vm)) return { status: 502, reason: "apache2 not running" };
    const { code, cfg } = this.code(vm);
    if (!code || !cfg) return { status: 500, reason: "Moodle code or config.php unreadable" };
    if (this.datarootReal(vm, cfg) === null) return { status: 500, reason: "dataroot not available (NFS)" };
    const dbhost = cfg.get("dbhost") ?? "";
    const db = this.db.cluster.connect(vm, dbhost);
    if (this.maintenance(vm, cfg, db)) return { status: 503, reason: "maintenance mode", code, cfg };
    if (!db) return { status: 500, reason: `database ${dbhost} unreachable`, code, cfg };
    const dbVersion = db.data.config.get("version") ?? "0";
    const cmp = compareVersions(code.version, dbVersion);
    if (cmp > 0) return { status: 503, reason: "upgrade pending", code, cfg, db };
    if (cmp < 0) return { status: 500, reason: "code older than database (downgrade)", code, cfg, db };
    return { status: 200, reason: "ok", code, cfg, db };
  }

  /** count one request in the node's Apache stats (mod_status) and status tally */
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

  private sessionPath(vm: WebVm, cfg: Map<string, string>, sid: string): string | null {
    const dir = cfg.get("session_file_save_path") ?? `${this.dataroot(cfg)}/sessions`;
    return tryResolve(this.world, vm, `${dir}/sess_${sid}`);
  }

  private newSid(): string {
    const chars = "0123456789abcdefghijklmnopqrstuv";
    return Array.from({ length: 26 }, () => chars[this.world.rng.int(0, 31)] ?? "0").join("");
  }

  serveRequest(vm: WebVm, req: WebRequest): WebResponse {
    const node = this.nodes[vm];
    const site = this.check(vm);
    if (site.status === 502) return { status: 502, sessionId: null };
    node.served += 1;
    if (site.status !== 200 || !site.cfg || !site.db) {
      this.record(node, site.status, 2);
      return { status: site.status, sessionId: req.sessionId };
    }
    const cfg = site.cfg;
    const db = site.db;
    node.dbVm = db.vm;
    const fileSessions = (cfg.get("session_handler_class") ?? "").endsWith("\\file");
    const now = this.world.now();
    const nowS = Math.floor(now / 1000);
    const ip = `10.20.${this.world.rng.int(0, 255)}.${this.world.rng.int(1, 254)}`;
    const userid = Number(/\d+/.exec(req.userId)?.[0] ?? "2");
    let sessionId = req.sessionId;
    if (req.kind === "login" || sessionId === null) {
      sessionId = this.newSid();
      if (fileSessions) {
        const file = this.sessionPath(vm, cfg, sessionId);
        if (!file) return this.fail(node, 500, req.sessionId);
        ensureDir(path.dirname(file));
        fs.writeFileSync(file, `SESSION|O:8:"stdClass":0:{}USER|O:8:"stdClass":1:{s:2:"id";i:${userid};}`);
        fs.utimesSync(file, nowS, nowS);
      } else if (
        !this.db.cluster.webWrite(db, {
          kind: "session-insert",
          row: { id: db.data.nextSessionId, sid: sessionId, userid, timecreated: nowS, timemodified: nowS, firstip: ip, lastip: ip },
        })
      ) {
        return this.fail(node, 500, req.sessionId);
      }
      this.sessionsCreated += 1;
    } else {
      const exists = fileSessions
        ? (() => {
            const file = this.sessionPath(vm, cfg, sessionId);
            return file !== null && fs.existsSync(file);
          })()
        : db.data.sessions.has(sessionId);
      if (!exists) {
        this.lostSessions += 1;
        this.record(node, 303, 1);
        return { status: 303, sessionId: null };
      }
      if (req.kind === "logout") {
        if (fileSessions) {
          const file = this.sessionPath(vm, cfg, sessionId);
          if (file) fs.rmSync(file, { force: true });
        } else this.db.cluster.webWrite(db, { kind: "session-delete", sid: sessionId });
        sessionId = null;
      } else if (fileSessions) {
        const file = this.sessionPath(vm, cfg, sessionId);
        if (file) fs.utimesSync(file, nowS, nowS);
      } else this.db.cluster.webWrite(db, { kind: "session-touch", sid: sessionId, time: nowS, ip });
    }
    if (!this.db.cluster.webWrite(db, { kind: "log", userid })) return this.fail(node, 500, req.sessionId);
    const exporter = this.storage.exporterFor(vm);
    if (exporter && this.nfs.mounted[vm]) {
      if (this.world.diskFull(exporter)) return this.fail(node, 500, req.sessionId);
      const kib = req.kind === "click" ? this.world.rng.int(4, 64) : 8;
      this.storage.write(exporter, kib);
      this.storage.cluster.read(exporter, kib * 2);
    }
    this.record(node, 200, this.world.rng.int(18, 60));
    return { status: 200, sessionId };
  }

  private fail(node: WebNode, status: number, sessionId: string | null): WebResponse {
    this.record(node, status, 2);
    return { status, sessionId };
  }

  /** a graceful restart: new generation of children, and mod_php's opcache (shared memory of the parent) starts empty */
  graceful(vm: WebVm): void {
    const node = this.nodes[vm];
    node.apache.generation += 1;
    node.opcacheResetAt = this.world.now();
  }

  /** a full restart of a running Apache: counters and uptime start again, opcache empty */
  restarted(vm: WebVm): void {
    const node = this.nodes[vm];
    const now = this.world.now();
    node.apache.restartAt = now;
    node.apache.generation = 1;
    node.apache.accesses = 0;
    node.apache.kbytes = 0;
    node.apache.durationMs = 0;
    node.apache.inflight = [];
    node.apache.wasRunning = true;
    node.opcacheResetAt = now;
  }

  healthCheck(vm: WebVm): boolean {
    if (!this.apacheUp(vm)) return false;
    const { code, cfg } = this.code(vm);
    return code !== null && cfg !== null && this.datarootReal(vm, cfg) !== null;
  }

  tick(): void {
    const now = this.world.now();
    const conns: Record<DbVm, number> = { db1: 0, db2: 0 };
    for (const vm of WEB_VMS) {
      const node = this.nodes[vm];
      const running = this.apacheUp(vm);
      if (running && !node.apache.wasRunning) {
        node.opcacheResetAt = now;
        node.apache.restartAt = now;
        node.apache.generation = 1;
        node.apache.accesses = 0;
        node.apache.kbytes = 0;
        node.apache.durationMs = 0;
        node.apache.inflight = [];
      }
      node.apache.wasRunning = running;
      const busy = running ? busyWorkers(node.apache, now) : 0;
      if (node.dbVm) conns[node.dbVm] += busy;
    }
    this.db.cluster.webConnections.db1 = conns.db1;
    this.db.cluster.webConnections.db2 = conns.db2;
  }

  truth(): unknown {
    const nodes = Object.fromEntries(
      WEB_VMS.map((vm) => {
        const n = this.nodes[vm];
        const { code, cfg } = this.code(vm);
        const site = this.check(vm);
        const codeDir = tryResolve(this.world, vm, this.world.settings.dirroot);
        return [
          vm,
          {
            apacheRunning: this.apacheUp(vm),
            serves: code ? { version: code.version, release: code.release } : null,
            codeFingerprint: codeDir ? codeFingerprint(codeDir) : null,
            sessionHandler: cfg?.get("session_handler_class") ?? null,
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
    const versions = new Set(
      WEB_VMS.map((vm) => this.code(vm).code?.version ?? "none"),
    );
    return {
      nodes,
      sameVersion: versions.size === 1,
      maintenance: WEB_VMS.some((vm) => this.check(vm).reason === "maintenance mode"),
      sessionsCreated: this.sessionsCreated,
      lostSessions: this.lostSessions,
    };
  }
}
