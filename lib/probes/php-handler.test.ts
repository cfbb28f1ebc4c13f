import { describe, expect, it } from "vitest";
import { parsePhpHandler, phpHandlerProbe } from "@/lib/probes/php-handler";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const read = (name: string) => valueOf(parsePhpHandler(fixture("php-handler", name)));

describe("php-handler on Debian 12's /etc/apache2 (real ls -1 outputs)", () => {
  it("reads prefork with mod_php", () => {
    expect(read("ls-1-mod_php-debian12-CAPTURED.txt")).toMatchObject({ handler: "mod_php", fpmService: null, fpmRunning: false, mpm: "prefork" });
  });

  it("reads event with proxy_fcgi to a running php-fpm", () => {
    expect(read("ls-1-php-fpm-debian12-CAPTURED.txt")).toMatchObject({ handler: "php-fpm", fpmService: "php8.2-fpm", fpmRunning: true, mpm: "event" });
  });

  it("gives PHP to php-fpm when mod_php is enabled as well, as Apache did (php_sapi_name() was fpm-fcgi)", () => {
    expect(read("ls-1-both-debian12-CAPTURED.txt")).toMatchObject({ handler: "php-fpm", fpmRunning: true, mpm: "prefork" });
  });

  it("sees php-fpm stopped: its pid file is gone", () => {
    expect(read("ls-1-fpm-stopped-debian12-CAPTURED.txt")).toMatchObject({ handler: "php-fpm", fpmRunning: false });
  });

  it("lists the two Apache folders and php-fpm's run folder", () => {
    expect(phpHandlerProbe.command()).toBe("ls -1 /etc/apache2/mods-enabled /etc/apache2/conf-enabled /run/php");
  });

  it("reads a node without /run/php (ls printed the rest and exited 2)", () => {
    const text = fixture("php-handler", "ls-1-mod_php-debian12-CAPTURED.txt").replace(/\n\/run\/php:\n[\s\S]*$/, "\n");
    expect(valueOf(parsePhpHandler(text))).toMatchObject({ handler: "mod_php", fpmRunning: false });
  });

  it.each([
    ...garbage("ls"),
    ["no Apache folders", "/run/php:\nphp8.2-fpm.pid\n"],
    ["an entry before any folder", "php8.2.load\n"],
    ["a long listing", "/etc/apache2/mods-enabled:\nlrwxrwxrwx 1 root root 29 Dec  3 18:32 php8.2.load -> ../mods-available/php8.2.load\n"],
  ])("refuses %s", (_n, text) => {
    expect(parsePhpHandler(text).ok).toBe(false);
  });
});
