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

describe("opcache and Apache reloads", () => {
  it.each([
    ["apachectl graceful"],
    ["apache2ctl graceful"],
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

  it("falls back to Moodle's default page without a template", async () => {
    const l = start();
    await l.sh("web2", `${MAINT} --enable`);
    expect((await l.sh("web1", "cat /var/moodledata/climaintenance.html")).stdout).toContain("<p>The site is undergoing maintenance and is currently not available</p>");
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
