import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterCollector } from "@/lib/cluster/collector";
import { stateOf } from "@/lib/cluster/derive";
import { findingsOf } from "@/lib/cluster/findings";
import type { ClusterView } from "@/lib/cluster/findings-types";
import { verdictOf } from "@/lib/cluster/verdict";
import type { ClusterSpec } from "@/lib/inventory/schema";
import type { SshPool } from "@/lib/ssh/pool";
import { targetOf } from "@/lib/ssh/target";
import { type TestLab, startTestLab } from "@/test/support/lab";

// Every finding rule provoked in the lab by a fault or an operator's command, seen by the console
// over SSH, with the redundancy verdict naming the right server and reason; then repaired.

let t: TestLab;
let cluster: ClusterSpec;
let pool: SshPool;
let collector: ClusterCollector;
const control = (method: string, route: string, body?: unknown) => t.control(method, route, body);

async function run(host: string, command: string): Promise<string> {
  const spec = cluster.hosts.find((h) => h.name === host);
  if (!spec) throw new Error(host);
  const result = await pool.exec(targetOf(cluster, spec), command, { purpose: { kind: "test" } });
  if (result.exitCode !== 0) throw new Error(`${host}: ${command}: exit ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

async function view(): Promise<ClusterView> {
  const state = stateOf(cluster, await collector.pollOnce());
  return { state, findings: findingsOf(state, cluster), verdict: verdictOf(state, cluster) };
}

async function until(ok: (v: ClusterView) => boolean, what: string, timeoutMs = 30_000): Promise<ClusterView> {
  const deadline = Date.now() + timeoutMs;
  let v = await view();
  while (!ok(v)) {
    if (Date.now() > deadline) {
      throw new Error(`${what} not seen within ${timeoutMs} ms; findings: ${v.findings.map((f) => f.id).join(", ")}`);
    }
    await new Promise((r) => setTimeout(r, 300));
    v = await view();
  }
  return v;
}

const has = (id: string) => (v: ClusterView) => v.findings.some((f) => f.id === id || f.id.startsWith(`${id}`));
const lacks = (prefix: string) => (v: ClusterView) => !v.findings.some((f) => f.id.startsWith(prefix));
const serious = (v: ClusterView) => v.findings.filter((f) => f.severity !== "ok");
const survives = (v: ClusterView, server: string) => v.verdict.servers.find((s) => s.server === server);

beforeAll(async () => {
  t = await startTestLab({ seed: 5, speed: 10 });
  ({ cluster, pool, collector } = t);
  await collector.pollOnce();
});

afterAll(async () => {
  await t?.stop();
});

describe("findings and the verdict, provoked in the lab", () => {
  it("a healthy lab has no warnings and either server may fail", async () => {
    const v = await until((x) => serious(x).length === 0, "a healthy cluster");
    expect(v.verdict.redundant).toBe(true);
  });

  it("web1 powered off: host down, quiesced by ldirectord, and server B may no longer fail", async () => {
    await control("POST", "/faults", { kind: "vm-off", target: "web1" });
    try {
      const v = await until((x) => has("host-down:web1")(x) && x.findings.some((f) => f.rule === "weight-zero"), "web1 down and quiesced");
      expect(survives(v, "B")?.survives).toBe(false);
      expect(survives(v, "B")?.reasons.join(" ")).toMatch(/web1/);
      expect(survives(v, "A")?.survives).toBe(true);
    } finally {
      await control("POST", "/faults/clear", { kind: "vm-off", target: "web1" });
    }
    await until((x) => x.verdict.redundant && lacks("host-down")(x), "web1 back", 45_000);
  });

  it("replication broken: the SQL thread stops with its error, and server A may not fail", async () => {
    await control("POST", "/faults", { kind: "replication-break", target: "db2" });
    try {
      const v = await until((x) => has("replication-sql-stopped:db2")(x) && has("replication-error:db2")(x), "replication broken");
      expect(v.findings.find((f) => f.id.startsWith("replication-error"))?.message).toMatch(/1062/);
      expect(survives(v, "A")?.survives).toBe(false);
      expect(survives(v, "A")?.reasons.join(" ")).toMatch(/db2/);
    } finally {
      await control("POST", "/faults/clear", { kind: "replication-break", target: "db2" });
    }
    await until((x) => lacks("replication-")(x), "replication repaired");
  });

  it("a slow replica falls behind past the threshold", async () => {
    await control("POST", "/faults", { kind: "replica-slow", target: "db2" });
    try {
      const v = await until(has("replication-lag:db2"), "lag over the threshold", 60_000);
      expect(survives(v, "A")?.reasons.join(" ")).toMatch(/behind/);
    } finally {
      await control("POST", "/faults/clear", { kind: "replica-slow", target: "db2" });
    }
    await until(lacks("replication-lag"), "the replica caught up", 90_000);
  });

  it("Apache stopped on web2", async () => {
    await run("web2", "sudo -n systemctl stop apache2");
    try {
      const v = await until(has("apache-down:web2"), "Apache down");
      expect(survives(v, "A")?.survives).toBe(false);
    } finally {
      await run("web2", "sudo -n systemctl start apache2");
    }
    await until(lacks("apache-down"), "Apache back");
  });

  it("maintenance mode switched on through Moodle's CLI shows for the cluster", async () => {
    // config.php is www-data's (0640), as Moodle's installer leaves it: its CLI runs as the web user
    await run("web1", "sudo -n -u www-data php /var/www/moodle/admin/cli/maintenance.php --enable");
    try {
      await until((x) => x.findings.some((f) => f.rule === "maintenance-on"), "maintenance on");
    } finally {
      await run("web1", "sudo -n -u www-data php /var/www/moodle/admin/cli/maintenance.php --disable");
    }
    await until(lacks("maintenance-on"), "maintenance off");
  });

  it("a weight changed by hand on one balancer is drift from the other and from ldirectord.cf", async () => {
    await run("lb1", `sudo -n ipvsadm -e -t ${cluster.balancer.vip}:80 -r 192.168.10.21:80 -g -w 3`);
    try {
      await until((x) => x.findings.some((f) => f.rule === "weight-drift") && x.findings.some((f) => f.rule === "config-drift"), "weight drift");
    } finally {
      await run("lb1", `sudo -n ipvsadm -e -t ${cluster.balancer.vip}:80 -r 192.168.10.21:80 -g -w 1`);
    }
    await until((x) => lacks("weight-drift")(x) && lacks("config-drift")(x), "weights back in step");
  });

  it("web nodes serving different code, then a different Moodle version", async () => {
    const restore = "rsync -a --delete --exclude=config.php web1:/srv/releases/4.4.2/ /var/www/moodle/";
    try {
      await run("web2", "rsync -a --delete --exclude=config.php web1:/srv/releases/4.4.2-hotfix/ /var/www/moodle/");
      // the fingerprint looks for changed folders every 30 s (web.codeFingerprint), not every poll
      await until(has("code-mismatch"), "code drift", 75_000);
      await run("web2", "rsync -a --delete --exclude=config.php web1:/srv/releases/4.5.0/ /var/www/moodle/");
      await until(has("moodle-version-mismatch"), "version mismatch");
    } finally {
      await run("web2", restore);
    }
    await until((x) => lacks("code-mismatch")(x) && lacks("moodle-version-mismatch")(x), "code back in step", 75_000);
  }, 240_000);

  it("DRBD disconnected by hand, then resynced", async () => {
    await run("fs2", "sudo -n drbdadm disconnect r0");
    try {
      const v = await until(has("drbd-disconnected"), "DRBD disconnected");
      expect(survives(v, "A")?.survives).toBe(false);
      expect(survives(v, "A")?.reasons.join(" ")).toMatch(/fs2/);
    } finally {
      await run("fs2", "sudo -n drbdadm connect r0");
    }
    await until((x) => lacks("drbd-")(x), "DRBD connected and in sync", 60_000);
  });

  it("the dataroot unmounted on web1", async () => {
    await run("web1", "sudo -n umount /var/moodledata");
    try {
      await until(has("nfs-unmounted:web1"), "NFS unmounted");
    } finally {
      await run("web1", "sudo -n mount -a");
    }
    await until(lacks("nfs-unmounted"), "NFS mounted again");
  });

  it("the replica made writable: both databases writable", async () => {
    const mysql = "mysql --defaults-file=/etc/mysql/clusterdeck.cnf -e";
    // the lab's default flavour is MariaDB (Debian 12's), which has read_only only (super_read_only: ERROR 1193)
    await run("db2", `${mysql} "SET GLOBAL read_only = OFF"`);
    try {
      await until(has("databases-both-writable"), "both writable");
    } finally {
      await run("db2", `${mysql} "SET GLOBAL read_only = ON"`);
    }
    await until(lacks("databases-both-writable"), "replica read-only again");
  });

  it("a full disk", async () => {
    await control("POST", "/faults", { kind: "disk-full", target: "db1" });
    try {
      await until(has("disk-full:db1"), "disk full");
    } finally {
      await control("POST", "/faults/clear", { kind: "disk-full", target: "db1" });
    }
    await until(lacks("disk-full"), "disk freed");
  });

  it("the link between the servers cut: split brain on every pair, and neither server may fail", async () => {
    await control("POST", "/faults", { kind: "link-cut", target: "" });
    try {
      const v = await until(
        (x) => x.findings.some((f) => f.rule === "vip-split-brain") && x.findings.some((f) => f.rule.startsWith("drbd-")),
        "split brain",
        45_000,
      );
      expect(v.verdict.redundant).toBe(false);
      expect(survives(v, "A")?.survives).toBe(false);
      expect(survives(v, "B")?.survives).toBe(false);
    } finally {
      await control("POST", "/faults/clear", { kind: "link-cut", target: "" });
    }
  });
});
