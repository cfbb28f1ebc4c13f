import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import { SshPool } from "@/lib/ssh/pool";
import { targetOf } from "@/lib/ssh/target";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { type ConformanceHost, installSudoers, startHost } from "@/test/conformance/support/host";

// The harness itself: two hosts with their own addresses and private files, reached over real sshd as an
// unprivileged account whose only root right is the one sudoers line installed here.

let a: ConformanceHost;
let b: ConformanceHost;
let pool: SshPool;
const cluster = { id: "conformance" } as ClusterSpec;

beforeAll(async () => {
  [a, b] = await Promise.all([startHost({ name: "alpha", privateDirs: ["/srv"] }), startHost({ name: "beta", privateDirs: ["/srv"] })]);
  pool = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 5_000 });
});

afterAll(async () => {
  pool?.closeAll();
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("conformance hosts", () => {
  it("are reached over sshd as the unprivileged console account, each at its own address", async () => {
    const r = await pool.exec(targetOf(cluster, a.spec("web", "A")), "id -u; ip -o -4 addr show dev eth0", { purpose: { kind: "test" } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\n")[0]).not.toBe("0");
    expect(r.stdout).toContain(`inet ${a.address}/`);
  });

  it("reach each other over the test bridge", async () => {
    const r = await pool.exec(targetOf(cluster, a.spec("web", "A")), `ping -c 1 -W 2 ${b.address} >/dev/null && echo reached`, { purpose: { kind: "test" } });
    expect(r.stdout).toBe("reached\n");
  });

  it("keep private directories apart", async () => {
    fs.writeFileSync(a.path("/srv/which"), "alpha\n");
    fs.writeFileSync(b.path("/srv/which"), "beta\n");
    const ra = await pool.exec(targetOf(cluster, a.spec("web", "A")), "cat /srv/which", { purpose: { kind: "test" } });
    const rb = await pool.exec(targetOf(cluster, b.spec("web", "B")), "cat /srv/which", { purpose: { kind: "test" } });
    expect([ra.stdout, rb.stdout]).toEqual(["alpha\n", "beta\n"]);
    expect(fs.existsSync("/srv/which")).toBe(false);
  });

  it("give the account exactly the sudo rights installed, nothing more", async () => {
    const t = targetOf(cluster, a.spec("web", "A"));
    const sudoers = installSudoers("harness", [`${t.user} ALL=(root) NOPASSWD: /usr/bin/id -u`]);
    try {
      const allowed = await pool.exec(t, "sudo -n id -u", { purpose: { kind: "test" } });
      expect(allowed).toMatchObject({ exitCode: 0, stdout: "0\n" });
      const neighbour = await pool.exec(t, "sudo -n id -g", { purpose: { kind: "test" } });
      expect(neighbour.exitCode).toBe(1);
      expect(neighbour.stderr).toContain("a password is required");
    } finally {
      sudoers.remove();
    }
  });
});
