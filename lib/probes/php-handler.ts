import { cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

/**
 * How Apache runs PHP on a Debian node, from the configuration Debian's a2enmod/a2enconf leave in
 * /etc/apache2 and the run directory of php-fpm. It matters for a code change: `apachectl graceful`
 * starts PHP's OPcache afresh under mod_php only; under php-fpm the old scripts stay cached until
 * php-fpm itself is reloaded (real runs, Apache 2.4.71 + PHP 8.2: test/conformance/web.conf.test.ts).
 */
export interface PhpHandler {
  /** "php-fpm": .php goes through proxy_fcgi to php-fpm; "mod_php": PHP runs inside Apache; null: neither is enabled */
  handler: "mod_php" | "php-fpm" | null;
  /** the php-fpm service Debian names after the enabled configuration (php8.2-fpm.conf: php8.2-fpm) */
  fpmService: string | null;
  /** php-fpm's pid file is in /run/php: the service runs */
  fpmRunning: boolean;
  /** the MPM module enabled (prefork, event, worker) */
  mpm: string | null;
  modules: string[];
  confs: string[];
}

const SECTION = /^(\/[^:]{1,255}):$/;
const MAX_ENTRIES = 2000;

export function parsePhpHandler(stdout: string): Parsed<PhpHandler> {
  return readOutput(stdout, (text) => {
    const sections = new Map<string, string[]>();
    let current: string[] | null = null;
    for (const raw of text.split("\n")) {
      const line = raw.trimEnd();
      if (line === "") continue;
      const head = SECTION.exec(line);
      if (head?.[1]) {
        current = [];
        sections.set(head[1], current);
      } else if (current && /^[\w.@+-]{1,255}$/.test(line)) {
        if (current.length >= MAX_ENTRIES) cannotRead("too many entries");
        current.push(line);
      } else cannotRead(`not an ls -1 listing: ${quoteLine(line)}`);
    }
    const modules = sections.get("/etc/apache2/mods-enabled") ?? cannotRead("no /etc/apache2/mods-enabled listing");
    const confs = sections.get("/etc/apache2/conf-enabled") ?? cannotRead("no /etc/apache2/conf-enabled listing");
    const run = sections.get("/run/php") ?? [];
    const fpmConf = confs.find((c) => /^php\d+(\.\d+)?-fpm\.conf$/.test(c)) ?? null;
    const fpm = fpmConf !== null && modules.includes("proxy_fcgi.load");
    const modPhp = modules.some((m) => /^php\d*(\.\d+)?\.load$/.test(m));
    const fpmService = fpmConf?.replace(/\.conf$/, "") ?? null;
    return {
      // Debian's php8.2-fpm.conf is read after the modules: with both enabled, php_sapi_name() answered fpm-fcgi (2.4.71)
      handler: fpm ? "php-fpm" : modPhp ? "mod_php" : null,
      fpmService,
      fpmRunning: run.some((f) => /^php\d+(\.\d+)?-fpm\.pid$/.test(f)),
      mpm: modules.map((m) => /^mpm_(\w+)\.load$/.exec(m)?.[1]).find((m) => m !== undefined) ?? null,
      modules,
      confs,
    };
  });
}

/** One `ls` of three folders (a missing /run/php exits 2 and is no answer about Apache). */
export const phpHandlerProbe: Probe<PhpHandler> = {
  name: "php-handler",
  roles: ["web"],
  readOnly: true,
  command: () => "ls -1 /etc/apache2/mods-enabled /etc/apache2/conf-enabled /run/php",
  parse: parsePhpHandler,
};
