import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ConformanceHost, startHost } from "@/test/conformance/support/host";
import { portOpen, waitFor } from "@/test/conformance/support/wait";

// A Debian 12 web node inside a conformance host: Apache 2.4 from Debian's own /etc/apache2 layout (a private copy,
// so the console's plain `apachectl graceful` works as on a VM), PHP 8.2 as mod_php (prefork) or php-fpm (event),
// and the Moodle stand-in (../moodle-standin) installed as Moodle's installer leaves a site: config.php 0640 owned
// by www-data, the dataroot 02777 owned by www-data. Its settings table lives in a real MariaDB (moodleDatabase()).

export type PhpHandler = "mod_php" | "php-fpm";

const STANDIN = fileURLToPath(new URL("../moodle-standin", import.meta.url));
export const DIRROOT = "/var/www/moodle";
export const DATAROOT = "/var/moodledata";
const WEB_DIRS = ["/etc/apache2", "/etc/php", "/var/www", DATAROOT, "/run/apache2", "/run/php", "/var/log/apache2", "/var/lock/apache2", "/srv"];

export interface MoodleDatabase {
  host: ConformanceHost;
  address: string;
  port: number;
  name: string;
  user: string;
  password: string;
  prefix: string;
  /** SQL as root on the server (setup and checks, never a console command) */
  sql(statement: string): Promise<string>;
  stop(): Promise<void>;
}

export interface WebNode {
  host: ConformanceHost;
  handler: PhpHandler;
  wwwroot: string;
  /** an HTTP request to this node's Apache from the test process, with the given Host header */
  request(urlPath: string, options?: { hostHeader?: string }): Promise<{ status: number; headers: Record<string, string>; body: string }>;
  /** OPcache's start_time as the PHP that serves web requests on this node sees it (a probe page outside dirroot) */
  opcacheStartTime(): Promise<number>;
  /** rewrite config.php (as the installer would: 0640 www-data) with extra `$CFG->...` lines before the setup line */
  writeConfig(extra?: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Moodle's database: one MariaDB from Debian's mariadb-server in its own host, with mdl_config and mdl_sessions. */
export async function moodleDatabase(name = "mdb"): Promise<MoodleDatabase> {
  const host = await startHost({ name, privateDirs: ["/etc/mysql", "/var/lib/mysql", "/run/mysqld"] });
  try {
    const cnf = "/etc/mysql/conformance.cnf";
    fs.writeFileSync(
      host.path(cnf),
      [
        "[mariadbd]",
        "user=mysql",
        "datadir=/var/lib/mysql",
        "socket=/run/mysqld/mysqld.sock",
        "pid-file=/run/mysqld/mysqld.pid",
        "port=3306",
        `bind-address=${host.address}`,
        "server_id=1",
        "innodb_buffer_pool_size=32M",
        "innodb_log_file_size=16M",
        "performance_schema=OFF",
        "skip_name_resolve=ON",
        "",
      ].join("\n"),
    );
    await host.must(["chown", "mysql:mysql", "/var/lib/mysql", "/run/mysqld"]);
    await host.must(["mariadb-install-db", "--user=mysql", "--datadir=/var/lib/mysql", "--auth-root-authentication-method=socket", "--skip-test-db"]);
    const daemon = host.daemon(["mariadbd", `--defaults-file=${cnf}`], { log: host.path("/run/mysqld/error.log") });
    await waitFor("mariadbd listening", 30_000, async () => {
      if (daemon.exitCode !== null) throw new Error(`mariadbd exited ${daemon.exitCode}: ${fs.readFileSync(host.path("/run/mysqld/error.log"), "utf8")}`);
      return (await portOpen(host.address, 3306)) ? true : null;
    });
    const sql = (statement: string) => host.must(["mariadb", "--socket=/run/mysqld/mysqld.sock", "-N", "-B", "-e", statement]);
    const db = { name: "moodle", user: "moodle", password: "moodle-conformance", prefix: "mdl_" };
    await sql(
      [
        `CREATE DATABASE ${db.name} DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        `CREATE USER '${db.user}'@'%' IDENTIFIED BY '${db.password}'`,
        `GRANT ALL ON ${db.name}.* TO '${db.user}'@'%'`,
        // the shapes of Moodle 4.5's lib/db/install.xml for these two tables, the columns the stand-in and console use
        `CREATE TABLE ${db.name}.${db.prefix}config (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL UNIQUE, value LONGTEXT NOT NULL)`,
        `CREATE TABLE ${db.name}.${db.prefix}sessions (id BIGINT AUTO_INCREMENT PRIMARY KEY, state BIGINT NOT NULL DEFAULT 0, sid VARCHAR(128) NOT NULL UNIQUE, userid BIGINT NOT NULL, sessdata LONGTEXT, timecreated BIGINT NOT NULL, timemodified BIGINT NOT NULL, firstip VARCHAR(45), lastip VARCHAR(45))`,
        `INSERT INTO ${db.name}.${db.prefix}config (name, value) VALUES ('version', '2024100705.01'), ('release', '4.5.5+ (Build: 20250613)'), ('branch', '405')`,
      ].join(";\n"),
    );
    return {
      host,
      address: host.address,
      port: 3306,
      ...db,
      sql,
      async stop() {
        await host.run(["mariadb-admin", "--socket=/run/mysqld/mysqld.sock", "shutdown"]);
        await host.stop();
      },
    };
  } catch (error) {
    await host.stop();
    throw error;
  }
}

function link(dir: string, target: string, name: string): void {
  const at = path.join(dir, name);
  fs.rmSync(at, { force: true });
  fs.symlinkSync(target, at);
}

/** Debian's a2enmod/a2dismod, done on the private copy: the MPM and PHP handler this node runs. */
function configureApache(etc: string, handler: PhpHandler, serverName: string): void {
  const mods = path.join(etc, "mods-enabled");
  for (const f of fs.readdirSync(mods)) if (/^(mpm_|php|proxy)/.test(f)) fs.rmSync(path.join(mods, f));
  const enable = handler === "mod_php" ? ["mpm_prefork.load", "mpm_prefork.conf", "php8.2.load", "php8.2.conf"] : ["mpm_event.load", "mpm_event.conf", "proxy.load", "proxy.conf", "proxy_fcgi.load"];
  for (const m of enable) if (fs.existsSync(path.join(etc, "mods-available", m))) link(mods, `../mods-available/${m}`, m);
  const confs = path.join(etc, "conf-enabled");
  fs.rmSync(path.join(confs, "php8.2-fpm.conf"), { force: true });
  if (handler === "php-fpm") link(confs, "../conf-available/php8.2-fpm.conf", "php8.2-fpm.conf");
  fs.writeFileSync(path.join(etc, "ports.conf"), "Listen 80\n");
  const sites = path.join(etc, "sites-enabled");
  for (const f of fs.readdirSync(sites)) fs.rmSync(path.join(sites, f));
  fs.writeFileSync(
    path.join(etc, "sites-available", "moodle.conf"),
    [
      `ServerName ${serverName}`,
      "<VirtualHost *:80>",
      `    DocumentRoot ${DIRROOT}`,
      `    <Directory ${DIRROOT}>`,
      "        Require all granted",
      "    </Directory>",
      "    Alias /conformance-probe /var/www/probe",
      "    <Directory /var/www/probe>",
      "        Require all granted",
      "    </Directory>",
      "</VirtualHost>",
      "",
    ].join("\n"),
  );
  link(sites, "../sites-available/moodle.conf", "moodle.conf");
}

export interface WebNodeOptions {
  name: string;
  handler: PhpHandler;
  wwwroot: string;
  database: MoodleDatabase;
  /** a folder on this machine bound over the node's dataroot, so several nodes share it as they share NFS */
  sharedDataroot?: string;
}

/** what config.php names: the database's connection, the site's address and its dataroot */
export interface ConfigPhpFields {
  dbhost: string;
  /** '' (the driver's default) as install.php writes it when none was given */
  dbport: number | "";
  dbname: string;
  dbuser: string;
  dbpass: string;
  prefix: string;
  wwwroot: string;
  dataroot: string;
}

/** config.php as admin/cli/install.php writes it (lib/installlib.php install_generate_configphp), plus extra lines. */
export function moodleConfigPhp(f: ConfigPhpFields, extra: string[] = []): string {
  return [
    "<?php  // Moodle configuration file",
    "",
    "unset($CFG);",
    "global $CFG;",
    "$CFG = new stdClass();",
    "",
    "$CFG->dbtype    = 'mariadb';",
    "$CFG->dblibrary = 'native';",
    `$CFG->dbhost    = '${f.dbhost}';`,
    `$CFG->dbname    = '${f.dbname}';`,
    `$CFG->dbuser    = '${f.dbuser}';`,
    `$CFG->dbpass    = '${f.dbpass}';`,
    `$CFG->prefix    = '${f.prefix}';`,
    "$CFG->dboptions = array (",
    "  'dbpersist' => 0,",
    `  'dbport' => ${f.dbport === "" ? "''" : f.dbport},`,
    "  'dbsocket' => '',",
    "  'dbcollation' => 'utf8mb4_unicode_ci',",
    ");",
    "",
    `$CFG->wwwroot   = '${f.wwwroot}';`,
    `$CFG->dataroot  = '${f.dataroot}';`,
    "$CFG->admin     = 'admin';",
    "",
    "$CFG->directorypermissions = 02777;",
    "",
    ...extra,
    "require_once(__DIR__ . '/lib/setup.php');",
    "",
    "// There is no php closing tag in this file,",
    "// it is intentional because it prevents trailing whitespace problems!",
    "",
  ].join("\n");
}

function configPhp(o: WebNodeOptions, extra: string[]): string {
  const d = o.database;
  return moodleConfigPhp({ dbhost: d.address, dbport: d.port, dbname: d.name, dbuser: d.user, dbpass: d.password, prefix: d.prefix, wwwroot: o.wwwroot, dataroot: DATAROOT }, extra);
}

export async function startWebNode(o: WebNodeOptions): Promise<WebNode> {
  const host = await startHost({ name: o.name, privateDirs: WEB_DIRS });
  try {
    const serverName = new URL(o.wwwroot).hostname;
    configureApache(host.path("/etc/apache2"), o.handler, serverName);
    // php-fpm's log and pid stay inside this host (the default log is the machine's shared /var/log)
    const fpmConf = host.path("/etc/php/8.2/fpm/php-fpm.conf");
    fs.writeFileSync(fpmConf, fs.readFileSync(fpmConf, "utf8").replace(/^error_log = .*$/m, "error_log = /run/php/php8.2-fpm.log"));

    await host.must(["cp", "-a", `${STANDIN}/.`, DIRROOT]);
    await host.must(["chown", "-R", "root:root", DIRROOT]);
    await host.must(["chmod", "-R", "u=rwX,go=rX", DIRROOT]);
    if (o.sharedDataroot) await host.must(["mount", "--bind", o.sharedDataroot, DATAROOT]);
    await host.must(["chown", "www-data:www-data", DATAROOT]);
    await host.must(["chmod", "02777", DATAROOT]);
    fs.mkdirSync(host.path("/var/www/probe"), { recursive: true });
    fs.writeFileSync(host.path("/var/www/probe/opcache.php"), "<?php\n$s = opcache_get_status(false);\necho $s === false ? 'off' : $s['opcache_statistics']['start_time'];\n");

    const node: WebNode = {
      host,
      handler: o.handler,
      wwwroot: o.wwwroot,
      async writeConfig(extra = []) {
        const file = host.path(`${DIRROOT}/config.php`);
        fs.writeFileSync(file, configPhp(o, extra));
        await host.must(["chown", "www-data:www-data", `${DIRROOT}/config.php`]);
        await host.must(["chmod", "0640", `${DIRROOT}/config.php`]);
      },
      request(urlPath, options = {}) {
        return new Promise((resolve, reject) => {
          const socket = net.connect({ host: host.address, port: 80 }, () => {
            socket.end(`GET ${urlPath} HTTP/1.0\r\nHost: ${options.hostHeader ?? serverName}\r\nConnection: close\r\n\r\n`);
          });
          let raw = "";
          socket.setEncoding("utf8");
          socket.on("data", (d: string) => {
            raw += d;
          });
          socket.once("error", reject);
          socket.once("end", () => {
            const [head = "", ...rest] = raw.split("\r\n\r\n");
            const [statusLine = "", ...headerLines] = head.split("\r\n");
            const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
            resolve({ status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") });
          });
        });
      },
      async opcacheStartTime() {
        const r = await node.request("/conformance-probe/opcache.php");
        const t = Number(r.body.trim());
        if (r.status !== 200 || !Number.isFinite(t)) throw new Error(`OPcache status on ${o.name}: ${r.status} ${r.body}`);
        return t;
      },
      stop: () => host.stop(),
    };
    await node.writeConfig();

    if (o.handler === "php-fpm") await host.must(["/usr/sbin/php-fpm8.2", "--daemonize", "--fpm-config", "/etc/php/8.2/fpm/php-fpm.conf"]);
    await host.must(["apachectl", "start"]);
    await waitFor(`Apache on ${o.name}`, 20_000, async () => ((await portOpen(host.address, 80)) ? true : null));
    return node;
  } catch (error) {
    await host.stop();
    throw error;
  }
}
