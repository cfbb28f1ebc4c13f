import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../../__tests__/test-lab";
import type { TestLab } from "../../__tests__/test-lab";
import { createTiers } from "../index";

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());
const start = (): TestLab => {
  lab = testLab({ tiers: createTiers });
  lab.advance(1000);
  return lab;
};

interface NodeTruth {
  opcacheResetAt: number | null;
  maintenanceFlag: boolean;
  serves: { version: string } | null;
}
const node = (l: TestLab, vm: "web1" | "web2"): NodeTruth =>
  (l.sim.tiers.truth().web as { nodes: Record<string, NodeTruth> }).nodes[vm] as NodeTruth;

const MAINT = "sudo -n -u www-data php /var/www/moodle/admin/cli/maintenance.php";
const fpm = (): TestLab => {
  lab = testLab({ tiers: createTiers, settings: { phpHandler: "php-fpm" } });
  lab.advance(1000);
  return lab;
};

describe("config.php as Moodle's installer leaves it (www-data, 0640)", () => {
  it("cannot be read by the SSH account, only as www-data (or root) through sudo", async () => {
    const l = start();
    expect(await l.sh("web1", "cat /var/www/moodle/config.php")).toEqual({ stdout: "", stderr: "cat: /var/www/moodle/config.php: Permission denied\n", code: 1 });
    expect((await l.sh("web1", "ls -l /var/www/moodle/config.php")).stdout).toMatch(/^-rw-r----- 1 www-data www-data +\d+ .* \/var\/www\/moodle\/config\.php\n$/);
    const dbhost = await l.sh("web1", "sudo -n -u www-data grep -E '^\\$CFG->dbhost[[:space:]]*=' /var/www/moodle/config.php");
    expect(dbhost).toEqual({ stdout: "$CFG->dbhost    = '192.168.10.18';\n", stderr: "", code: 0 });
    expect((await l.sh("web1", "sudo -n cat /var/www/moodle/config.php")).stdout).toContain("$CFG->wwwroot   = 'http://203.0.113.10';\n");
  });

  it("stops Moodle's CLI scripts run without sudo -u www-data, as PHP does when require() cannot open it", async () => {
    const l = start();
    const r = await l.sh("web1", "cd /var/www/moodle && php admin/cli/maintenance.php");
    expect(r.code).toBe(255);
    expect(r.stderr).toBe(
      "PHP Warning:  require(/var/www/moodle/config.php): Failed to open stream: Permission denied in /var/www/moodle/admin/cli/maintenance.php on line 28\n" +
        "PHP Fatal error:  Uncaught Error: Failed opening required '/var/www/moodle/admin/cli/../../config.php' (include_path='.:/usr/share/php') in /var/www/moodle/admin/cli/maintenance.php:28\nStack trace:\n#0 {main}\n  thrown in /var/www/moodle/admin/cli/maintenance.php on line 28\n",
    );
    expect((await l.sh("web1", "cd /var/www/moodle && sudo -n -u www-data /usr/bin/php admin/cli/maintenance.php")).stdout).toBe("== Maintenance mode (http://203.0.113.10) ==\nStatus: disabled\n");
  });

  it("the code folder belongs to the SSH account, so the rolling update can rsync into it", async () => {
    const l = start();
    expect((await l.sh("web1", "stat -c '%U %a' /var/www/moodle /var/www/moodle/version.php /var/lib/clusterdeck")).stdout).toBe("clusterdeck 755\nclusterdeck 644\nclusterdeck 755\n");
    expect((await l.sh("web2", "rsync -a --delete --exclude=/config.php web1:/srv/releases/4.4.2-hotfix/ /var/www/moodle/ && stat -c '%U %a' /var/www/moodle/config.php")).stdout).toBe("www-data 640\n");
  });
});

describe("how Apache runs PHP, as Debian's a2enmod/a2enconf leave /etc/apache2", () => {
  const LS = "ls -1 /etc/apache2/mods-enabled /etc/apache2/conf-enabled /run/php";
  const confs = "charset.conf\nlocalized-error-pages.conf\nother-vhosts-access-log.conf\nsecurity.conf\nserve-cgi-bin.conf\n";
  const mods = (mpm: string, extra: string[]): string =>
    [...["access_compat.load", "alias.conf", "alias.load", "auth_basic.load", "authn_core.load", "authn_file.load", "authz_core.load", "authz_host.load", "authz_user.load", "autoindex.conf", "autoindex.load", "deflate.conf", "deflate.load", "dir.conf", "dir.load", "env.load", "filter.load", "mime.conf", "mime.load", `mpm_${mpm}.conf`, `mpm_${mpm}.load`, "negotiation.conf", "negotiation.load"], ...extra, "reqtimeout.conf", "reqtimeout.load", "setenvif.conf", "setenvif.load", "status.conf", "status.load"]
      .sort()
      .join("\n") + "\n";

  it("mod_php: prefork and php8.2.load, and no /run/php (php-fpm is not installed)", async () => {
    const l = start();
    expect(await l.sh("web1", LS)).toEqual({
      stdout: `/etc/apache2/conf-enabled:\n${confs}\n/etc/apache2/mods-enabled:\n${mods("prefork", ["php8.2.conf", "php8.2.load"])}`,
      stderr: "ls: cannot access '/run/php': No such file or directory\n",
      code: 2,
    });
  });

  it("php-fpm: event, proxy_fcgi and php8.2-fpm.conf; its pid file and socket while it runs", async () => {
    const l = fpm();
    const r = await l.sh("web1", LS);
    expect(r.stdout).toBe(`/etc/apache2/conf-enabled:\n${confs.replace("security.conf", "php8.2-fpm.conf\nsecurity.conf")}\n/etc/apache2/mods-enabled:\n${mods("event", ["proxy.conf", "proxy.load", "proxy_fcgi.load"])}\n/run/php:\nphp-fpm.sock\nphp8.2-fpm.pid\nphp8.2-fpm.sock\n`);
    expect(r.code).toBe(0);
    await l.sh("web1", "sudo -n systemctl stop php8.2-fpm");
    l.advance(500);
    expect((await l.sh("web1", "ls -1 /run/php; stat -c '%U %a' /run/php")).stdout).toBe("www-data 755\n");
  });
});

describe("the smoke test as the console sends it", () => {
  it("gets 303 from the node's loopback address and 200 with the site's name resolved to it", async () => {
    const l = start();
    const fmt = "curl -sS -o /dev/null -w '%{http_code}\\n' --max-time 10";
    expect(await l.sh("web1", `${fmt} http://127.0.0.1/login/index.php`)).toEqual({ stdout: "303\n", stderr: "", code: 0 });
    expect(await l.sh("web1", `${fmt} --resolve 203.0.113.10:80:127.0.0.1 http://203.0.113.10/login/index.php`)).toEqual({ stdout: "200\n", stderr: "", code: 0 });
    await l.sh("web1", `${MAINT} --enable`);
    expect((await l.sh("web2", `${fmt} --resolve 203.0.113.10:80:127.0.0.1 http://203.0.113.10/login/index.php`)).stdout).toBe("503\n");
  });
});

describe("opcache and Apache reloads", () => {
  it("apachectl graceful without sudo fails, as it does for any user but root", async () => {
    const l = start();
    const r = await l.sh("web1", "apachectl graceful");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("httpd not running, trying to start\nAction 'graceful' failed.\nThe Apache error log may have more information.\n");
    expect(node(l, "web1").opcacheResetAt).toBeNull();
  });

  it.each([
    ["sudo -n apachectl graceful"],
    ["sudo -n apache2ctl graceful"],
    ["sudo -n apachectl -k graceful"],
    ["sudo -n systemctl reload apache2"],
    ["sudo -n service apache2 reload"],
    ["sudo -n systemctl restart apache2"],
  ])("%s empties mod_php's opcache", async (command) => {
    const l = start();
    expect(node(l, "web1").opcacheResetAt).toBeNull();
    l.advance(5000);
    const r = await l.sh("web1", command);
    expect(r.code).toBe(0);
    expect(node(l, "web1").opcacheResetAt).toBe(l.sim.world.now());
    expect(node(l, "web2").opcacheResetAt).toBeNull();
  });

  it("under php-fpm Apache's graceful leaves the OPcache, and reloading php8.2-fpm empties it", async () => {
    const l = fpm();
    l.advance(5000);
    expect((await l.sh("web1", "sudo -n apachectl graceful && sudo -n systemctl reload apache2")).code).toBe(0);
    expect(node(l, "web1").opcacheResetAt).toBeNull();
    expect(await l.sh("web1", "systemctl is-active php8.2-fpm")).toEqual({ stdout: "active\n", stderr: "", code: 0 });
    expect((await l.sh("web1", "sudo -n systemctl reload php8.2-fpm")).code).toBe(0);
    expect(node(l, "web1").opcacheResetAt).toBe(l.sim.world.now());
    expect((await l.sh("web1", "curl -s http://127.0.0.1/server-status?auto")).stdout).toContain("ServerMPM: event\n");
  });

  it("php -r opcache_reset() in the CLI leaves Apache's opcache alone", async () => {
    const l = start();
    const r = await l.sh("web1", `php -r 'opcache_reset();'`);
    expect(r.code).toBe(0);
    expect(node(l, "web1").opcacheResetAt).toBeNull();
  });

  it("reloading a stopped Apache fails and resets nothing", async () => {
    const l = start();
    await l.sh("web1", "sudo -n systemctl stop apache2");
    const r = await l.sh("web1", "sudo -n systemctl reload apache2");
    expect(r).toEqual({ stdout: "", stderr: "apache2.service is not active, cannot reload.\n", code: 1 });
    expect(node(l, "web1").opcacheResetAt).toBeNull();
  });
});

describe("CLI maintenance mode (enable_cli_maintenance_mode)", () => {
  it("writes climaintenance.html from the dataroot's template when there is one", async () => {
    const l = start();
    await l.sh("web1", "printf '<h1>Planned upgrade</h1>\\n' > /var/moodledata/climaintenance.template.html");
    expect((await l.sh("web1", `${MAINT} --enable`)).code).toBe(0);
    expect((await l.sh("web2", "cat /var/moodledata/climaintenance.html")).stdout).toBe("<h1>Planned upgrade</h1>\n");
    expect(node(l, "web1").maintenanceFlag).toBe(true);
    expect(node(l, "web2").maintenanceFlag).toBe(true);
    expect(node(l, "web2").serves).not.toBeNull();
    expect((await l.sh("web1", `${MAINT} --disable`)).code).toBe(0);
    expect(node(l, "web2").maintenanceFlag).toBe(false);
  });

  it("falls back to Moodle's default page without a template, owned by www-data with $CFG->filepermissions", async () => {
    const l = start();
    await l.sh("web2", `${MAINT} --enable`);
    const page = (await l.sh("web1", "cat /var/moodledata/climaintenance.html")).stdout;
    expect(page).toContain("<title>ClusterDeck Moodle under maintenance</title>");
    expect(page).toContain("<div class='alert-danger'>The site is undergoing maintenance and is currently not available</div>");
    expect((await l.sh("web1", "stat -c '%U %a' /var/moodledata/climaintenance.html")).stdout).toBe("www-data 666\n");
  });

  it("a node that lost the NFS dataroot does not see the flag", async () => {
    const l = start();
    await l.sh("web1", `${MAINT} --enable`);
    expect((await l.sh("web2", "sudo -n umount /var/moodledata")).code).toBe(0);
    expect(node(l, "web1").maintenanceFlag).toBe(true);
    expect(node(l, "web2").maintenanceFlag).toBe(false);
  });
});

describe("rsync to or from a host that cannot be reached", () => {
  const pull = "rsync -a --delete web1:/srv/releases/current/ /var/www/moodle/";
  const receiver = (host: string): string =>
    `ssh: connect to host ${host} port 22: No route to host\r\nrsync: connection unexpectedly closed (0 bytes received so far) [Receiver]\nrsync error: unexplained error (code 255) at io.c(232) [Receiver=3.2.7]\n`;

  it.each([
    ["vm-off", "web1"],
    ["server-off", "A"],
    ["link-cut", ""],
  ] as const)("fails like rsync over ssh after %s", async (kind, target) => {
    const l = start();
    l.sim.faults.inject(kind, target);
    const r = await l.sh("web2", pull);
    expect(r).toEqual({ stdout: "", stderr: receiver("web1"), code: 255 });
  });

  it("names the sender when pushing, and an unknown host as ssh does", async () => {
    const l = start();
    l.sim.faults.inject("vm-off", "web2");
    const push = await l.sh("web1", "rsync -a /srv/releases/current/ web2:/var/www/moodle/");
    expect(push.stderr).toBe(
      "ssh: connect to host web2 port 22: No route to host\r\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: unexplained error (code 255) at io.c(232) [sender=3.2.7]\n",
    );
    expect(push.code).toBe(255);
    const unknown = await l.sh("web1", "rsync -a nowhere:/x/ /tmp/x/");
    expect(unknown.stderr).toMatch(/^ssh: Could not resolve hostname nowhere: Name or service not known\r\nrsync: connection unexpectedly closed \(0 bytes received so far\) \[Receiver\]\n/);
  });

  it("still copies when the host is reachable", async () => {
    const l = start();
    const r = await l.sh("web2", pull);
    expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
  });
});
