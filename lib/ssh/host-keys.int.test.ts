import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { stubTiers } from "@/lab/__tests__/stub-tiers";
import { type LabHandle, startLabWith } from "@/lab/start-lab";
import type { Operator } from "@/lib/auth/sessions";
import type * as DbModule from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { ClusterSpec } from "@/lib/inventory/schema";
import { defaultConnectionOptions } from "@/lib/ssh/connection";
import type * as HostKeysModule from "@/lib/ssh/host-keys";
import { SshPool } from "@/lib/ssh/pool";
import type { HostTarget } from "@/lib/ssh/types";
import { migratedDatabase } from "@/test/support/database";

// Host-key trust against the lab's real SSH servers, a real SQLite database and the real ssh-keygen.

let lab: LabHandle;
let hostKeys: typeof HostKeysModule;
let db: typeof DbModule.db;
let pool: SshPool;
let tmp: string;
let lab1: ClusterSpec;
let fresh: ClusterSpec;
const alice: Operator = { id: "u-alice", username: "alice", role: "admin" };
const test = { kind: "test" } as const;

function target(cluster: ClusterSpec, name: string): HostTarget {
  const h = cluster.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no ${name}`);
  return { clusterId: cluster.id, name, address: h.address, port: h.port, user: h.user, auth: h.auth, hostKeys: h.hostKeys };
}

async function refusal(t: HostTarget): Promise<AppError> {
  const err = await pool.exec(t, "echo hi", { purpose: test }).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

function sshKeygen(vm: string): string {
  const out = execFileSync("ssh-keygen", ["-lf", path.join(lab.dir, "keys", `${vm}_host.pub`)], { encoding: "utf8" });
  return out.split(" ")[1] ?? "";
}

async function eventsOf(kind: string, host: string, clusterId = "lab"): Promise<{ message: string; actor: string | null; severity: string }[]> {
  return db.event.findMany({ where: { kind, host, clusterId }, orderBy: { id: "asc" }, select: { message: true, actor: true, severity: true } });
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cd-hostkeys-"));
  lab = await startLabWith(stubTiers, { dir: path.join(tmp, "lab"), basePort: 0, controlPort: 0, quiet: true, traffic: false });
  // the lab's cluster (every key pinned), and the same hosts as a brand-new cluster with nothing pinned
  const doc = parse(fs.readFileSync(lab.inventoryPath, "utf8")) as { clusters: { id: string; label?: string; hosts: { hostKeys: string[] }[] }[] };
  const first = doc.clusters[0];
  if (!first) throw new Error("the lab wrote no cluster");
  doc.clusters.push({ ...structuredClone(first), id: "fresh", label: "Fresh", hosts: first.hosts.map((h) => ({ ...h, hostKeys: [] })) });
  const inventoryFile = path.join(tmp, "inventory.yaml");
  fs.writeFileSync(inventoryFile, stringify(doc));
  process.env.CLUSTERDECK_INVENTORY = inventoryFile;
  process.env.DATABASE_URL = migratedDatabase().url;
  // lib/db connects and lib/env reads the environment on first use: imported only now
  db = (await import("@/lib/db")).db;
  hostKeys = await import("@/lib/ssh/host-keys");
  const { getCluster } = await import("@/lib/inventory");
  lab1 = getCluster("lab");
  fresh = getCluster("fresh");
  pool = new SshPool(() => undefined, { ...defaultConnectionOptions, backoffInitialMs: 30_000, connectTimeoutMs: 3_000, hostKeys: hostKeys.hostKeyTrust() });
});

afterAll(async () => {
  pool?.closeAll();
  await lab?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("host-key trust", () => {
  it("computes the fingerprint ssh-keygen prints, and connects to a host whose key is pinned", async () => {
    const web1 = target(lab1, "web1");
    expect(web1.hostKeys).toEqual([sshKeygen("web1")]);
    const result = await pool.exec(web1, "echo hi", { purpose: test });
    expect(result).toMatchObject({ stdout: "hi\n", exitCode: 0 });
  });

  it("refuses a host after its key is regenerated, naming the offered key, and records a critical change", async () => {
    const web1 = target(lab1, "web1");
    const pinned = web1.hostKeys[0];
    const rekeyed = (await (
      await fetch(`${lab.controlUrl}/hosts/web1/rekey`, { method: "POST", headers: { authorization: `Bearer ${lab.token}` } })
    ).json()) as { fingerprint: string; sshPort: number };
    expect(rekeyed.sshPort).toBe(web1.port);
    expect(rekeyed.fingerprint).toBe(sshKeygen("web1"));
    expect(rekeyed.fingerprint).not.toBe(pinned);

    // the open connection was cut by the restart (a call may still see it go); the next one sees the new key
    const err = await until(
      () => pool.exec(web1, "echo hi", { purpose: test }).then(() => null, (e: unknown) => e),
      (e) => e instanceof AppError && e.code === "HostKeyRejected",
      "a refusal",
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("HostKeyRejected");
    expect((err as AppError).details?.offeredFingerprint).toBe(sshKeygen("web1"));
    expect(pool.status(web1)).toMatchObject({ state: "rejected", offeredFingerprint: rekeyed.fingerprint });
    expect(hostKeys.hostKeyTrust().offer("lab", "web1")).toMatchObject({ fingerprint: rekeyed.fingerprint, trusted: [pinned], kind: "changed" });

    const events = await until(() => eventsOf("host.key-changed", "web1"), (e) => e.length > 0, "the host.key-changed event");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ severity: "critical" });
    expect(events[0]?.message).toContain(rekeyed.fingerprint);
    expect(events[0]?.message).toContain(pinned);
    // refused again with the same key: remembered, not recorded twice
    pool.forget("lab", "web1");
    await refusal(web1);
    expect(await eventsOf("host.key-changed", "web1")).toHaveLength(1);
  });

  it("keeps a host refused when an admin rejects its key, and lets it in once the key is accepted", async () => {
    const web1 = target(lab1, "web1");
    const offered = sshKeygen("web1");
    await hostKeys.rejectHostKey({ clusterId: "lab", host: "web1", fingerprint: offered, reason: "not rotated by us" }, alice);
    expect((await refusal(web1)).code).toBe("HostKeyRejected");
    const view = await hostKeys.hostKeysView("lab");
    expect(view.hosts.find((h) => h.host === "web1")).toMatchObject({ offeredRejected: true, trusted: web1.hostKeys });

    // a key other than the one offered cannot be accepted
    const wrong = await hostKeys
      .acceptHostKey({ clusterId: "lab", host: "web1", fingerprint: web1.hostKeys[0] ?? "", reason: "typo" }, alice)
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: "Conflict" });

    // accepting resets the backoff (30 s here): the very next call connects
    const decision = await hostKeys.acceptHostKey({ clusterId: "lab", host: "web1", fingerprint: offered, reason: "rotated after reinstall, checked on the console" }, alice);
    expect(decision).toMatchObject({ decision: "accepted", decidedBy: "alice", fingerprint: offered, pinned: web1.hostKeys });
    expect(await pool.exec(web1, "echo hi", { purpose: test })).toMatchObject({ stdout: "hi\n" });
    expect(pool.status(web1).state).toBe("ready");
    expect(hostKeys.hostKeyTrust().offer("lab", "web1")).toBeNull();

    const stored = await db.hostKeyDecision.findMany({ where: { clusterId: "lab", host: "web1" }, orderBy: { id: "asc" } });
    expect(stored.map((d) => [d.decision, d.revokedBy])).toEqual([
      ["rejected", "alice"],
      ["accepted", null],
    ]);
    const accepted = await eventsOf("host.key-accepted", "web1");
    expect(accepted).toEqual([expect.objectContaining({ actor: "alice" })]);
    expect(accepted[0]?.message).toContain(offered);
    expect(await eventsOf("host.key-rejected", "web1")).toEqual([expect.objectContaining({ actor: "alice" })]);
  });

  it("refuses the host again once its accepted key is revoked", async () => {
    const web1 = target(lab1, "web1");
    const decision = await db.hostKeyDecision.findFirstOrThrow({ where: { clusterId: "lab", host: "web1", decision: "accepted", revokedAt: null } });
    await hostKeys.revokeHostKey({ clusterId: "lab", host: "web1", decisionId: decision.id, reason: "host reinstalled again" }, alice);
    expect((await refusal(web1)).code).toBe("HostKeyRejected");
    expect(await eventsOf("host.key-revoked", "web1")).toEqual([expect.objectContaining({ actor: "alice" })]);
    const again = await hostKeys.revokeHostKey({ clusterId: "lab", host: "web1", decisionId: decision.id, reason: "twice" }, alice).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: "NotFound" });
  });

  it("trusts a brand-new cluster's keys only when an admin asks, exactly the keys shown", async () => {
    const names = ["lb1", "db1"];
    for (const n of names) {
      const err = await refusal(target(fresh, n));
      expect(err.message).toContain("no key is pinned or accepted");
    }
    expect(await until(() => eventsOf("host.key-unknown", "lb1", "fresh"), (e) => e.length === 1, "host.key-unknown")).toEqual([
      expect.objectContaining({ severity: "warning" }),
    ]);
    const view = await hostKeys.hostKeysView("fresh");
    expect(view.firstUse).toBe(true);
    const shown = view.hosts.flatMap((h) => (h.offered ? [{ host: h.host, fingerprint: h.offered.fingerprint }] : []));
    expect(shown).toEqual(names.map((n) => ({ host: n, fingerprint: sshKeygen(n) })));

    const partial = await hostKeys.trustOnFirstUse({ clusterId: "fresh", keys: shown.slice(0, 1), reason: "new cluster" }, alice).catch((e: unknown) => e);
    expect(partial).toMatchObject({ code: "Conflict" });
    const swapped = shown.map((k, i) => ({ host: k.host, fingerprint: shown[1 - i]?.fingerprint ?? "" }));
    expect(await hostKeys.trustOnFirstUse({ clusterId: "fresh", keys: swapped, reason: "new cluster" }, alice).catch((e: unknown) => e)).toMatchObject({ code: "Conflict" });

    const created = await hostKeys.trustOnFirstUse({ clusterId: "fresh", keys: shown, reason: "new cluster, keys read on the consoles" }, alice);
    expect(created).toHaveLength(2);
    for (const n of names) expect(await pool.exec(target(fresh, n), "echo hi", { purpose: test })).toMatchObject({ stdout: "hi\n" });
    expect((await hostKeys.hostKeysView("fresh")).firstUse).toBe(false);
    const again = await hostKeys.trustOnFirstUse({ clusterId: "fresh", keys: shown, reason: "again" }, alice).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: "Conflict" });
  });
});

describe("the trust store", () => {
  it("reads decisions once, not per handshake, and again only after a change, which it tells the pool", async () => {
    let reads = 0;
    const changed: string[] = [];
    const trust = new hostKeys.HostKeyTrust(async () => {
      reads++;
      return (await db.hostKeyDecision.findMany({ where: { revokedAt: null } })).map(hostKeys.decisionOf);
    });
    trust.onChange((clusterId, host) => changed.push(`${clusterId}/${host}`));
    const local = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 3_000, hostKeys: trust });
    try {
      for (const n of ["lb1", "db1"]) {
        local.forget("fresh", n);
        expect(await local.exec(target(fresh, n), "echo hi", { purpose: test })).toMatchObject({ stdout: "hi\n" });
      }
      expect(reads).toBe(1);
      await trust.refresh([{ clusterId: "fresh", host: "lb1" }]);
      expect(reads).toBe(2);
      expect(changed).toEqual(["fresh/lb1"]);
    } finally {
      local.closeAll();
    }
  });

  it("refuses a handshake as unreachable, not as a changed key, while decisions cannot be read, and reads them again next time", async () => {
    let broken = true;
    const offers: unknown[] = [];
    const trust = new hostKeys.HostKeyTrust(async () => {
      if (broken) throw new Error("database is locked");
      return [];
    }, (o) => offers.push(o));
    const local = new SshPool(() => undefined, { ...defaultConnectionOptions, connectTimeoutMs: 3_000, hostKeys: trust });
    try {
      const lb2 = target(lab1, "lb2");
      const err = await local.exec(lb2, "echo hi", { purpose: test }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "HostUnreachable" });
      expect((err as AppError).message).toContain("database is locked");
      expect(offers).toEqual([]);
      broken = false;
      local.forget("lab", "lb2");
      expect(await local.exec(lb2, "echo hi", { purpose: test })).toMatchObject({ stdout: "hi\n" });
    } finally {
      local.closeAll();
    }
  });

  it("the lab refuses to rekey a VM it does not have", async () => {
    const res = await fetch(`${lab.controlUrl}/hosts/web9/rekey`, { method: "POST", headers: { authorization: `Bearer ${lab.token}` } });
    expect(res.status).toBe(404);
  });
});

describe("trustedKeysOf", () => {
  const d = (fingerprint: string, decision: "accepted" | "rejected", revokedAt: number | null = null) => ({
    id: 1,
    clusterId: "c",
    host: "h",
    fingerprint,
    decision,
    reason: "r",
    decidedBy: "a",
    decidedAt: 0,
    pinned: [],
    revokedAt,
    revokedBy: null,
  });
  it.each([
    { pins: ["P"], decisions: [], trusted: ["P"] },
    { pins: ["P"], decisions: [d("A", "accepted")], trusted: ["P", "A"] },
    { pins: ["P"], decisions: [d("A", "accepted", 5)], trusted: ["P"] },
    { pins: ["P"], decisions: [d("P", "rejected")], trusted: [] },
    { pins: [], decisions: [d("A", "accepted"), d("A", "rejected")], trusted: [] },
    { pins: ["P"], decisions: [d("P", "accepted")], trusted: ["P"] },
  ])("pins $pins with $decisions.length decisions trust $trusted", ({ pins, decisions, trusted }) => {
    expect(hostKeys.trustedKeysOf(pins, decisions)).toEqual(trusted);
  });
});
