import { afterEach, describe, expect, it } from "vitest";
import type { TestWorld } from "../test-world";
import { exec, fixture, startTiers, traffic } from "../test-world";

let world: TestWorld | null = null;
afterEach(() => {
  world?.cleanup();
  world = null;
});

function start(settings: Parameters<typeof startTiers>[0] = {}): TestWorld {
  world = startTiers(settings);
  return world;
}

/** the `key:` names of a DRBD status/event line, in order */
function keys(line: string): string[] {
  return [...line.matchAll(/(?:^|\s)([\w-]+):/g)].map((m) => m[1] ?? "");
}

/** digits and progress bars masked, for comparing shapes of /proc/drbd lines */
function shape(line: string): string {
  return line.replace(/\[[=>.]+\]/, "[BAR]").replace(/\d[\d,]*/g, "N");
}

describe("DRBD formats", () => {
  it("drbdadm status on the Secondary matches DRBD 9's layout", async () => {
    const w = start();
    const r = await exec(w, "fs2", ["drbdadm", "status"]);
    expect(r.code).toBe(0);
    const expected = fixture("drbdadm-status/drbd9-pcmk-cfs-secondary-uptodate-peer-primary.txt")
      .replace("wwwdata", "r0")
      .replace("pcmk-1", "fs1");
    expect(r.stdout.trimEnd()).toBe(expected.trimEnd());
  });

  it("drbdadm status with an 8.4 kernel names the peer `peer` and shows replication", async () => {
    const w = start({ drbdVersion: "8.4" });
    const r = await exec(w, "fs2", ["drbdadm", "status", "r0"]);
    const expected = fixture("drbdadm-status/drbd84-docs-home-healthy-established.txt")
      .replace("home", "r0")
      .replace("peer role:Secondary", "peer role:Primary");
    expect(r.stdout.trimEnd()).toBe(expected.trimEnd());
  });

  it("/proc/drbd 8.4 lines have the kernel's shape", () => {
    const w = start({ drbdVersion: "8.4" });
    const text = w.tiers?.virtualFile?.("fs2", "/proc/drbd") ?? "";
    const lines = text.split("\n");
    const ref = fixture("proc-drbd/drbd84-1-connected-secondary-primary.txt").split("\n");
    expect(lines[0]).toMatch(/^version: 8\.4\.\d+ \(api:1\/proto:86-10\d\)$/);
    expect(shape(lines[2] ?? "")).toBe(shape(ref[2] ?? ""));
    expect(shape(lines[3] ?? "").replace("wo:f", "wo:b")).toBe(shape(ref[3] ?? ""));
  });

  it("/proc/drbd on DRBD 9 only has the version and transport lines", () => {
    const w = start();
    const text = w.tiers?.virtualFile?.("fs1", "/proc/drbd") ?? "";
    expect(text).toMatch(/^version: 9\.\d+\.\d+ \(api:2\/proto:86-\d+\)\nGIT-hash: [0-9a-f]{40} build by .+\nTransports \(api:\d+\): tcp \(9\.\d+\.\d+\)\n$/);
  });

  it("exportfs -v wraps a long export path like nfs-utils", async () => {
    const w = start();
    const r = await exec(w, "fs1", ["exportfs", "-v"]);
    const ref = fixture("exportfs/exportfs-v-long-paths-tab-wrapped-UNATTRIBUTED-id9130352740.txt").split("\n").slice(0, 2).join("\n");
    const pattern = /^(\/\S+)\n\t\t([\d./]+)\(([^)]+)\)$/;
    const ours = pattern.exec(r.stdout.trimEnd());
    const theirs = pattern.exec(ref);
    expect(ours?.[1]).toBe("/srv/moodledata");
    expect(ours?.[2]).toBe("192.168.10.0/24");
    expect(ours?.[3]?.replace("no_root_squash", "root_squash")).toBe(theirs?.[3]);
    expect((await exec(w, "fs2", ["exportfs", "-v"])).stdout).toBe("");
  });

  it("showmount -e lists the export", async () => {
    const w = start();
    const r = await exec(w, "web1", ["showmount", "-e", "192.168.10.30"]);
    const ref = fixture("showmount/showmount-e-subnet-UNATTRIBUTED-id56109431293.txt");
    expect(r.stdout.replace(/[\d.]+/g, "N").replace(/\/\S+ /, "/P ")).toBe(ref.replace(/[\d.]+/g, "N").replace(/\/\S+ /, "/P "));
  });
});

describe("DRBD failover, resync and split brain", () => {
  it("promotes fs2 after the deadtime when fs1 dies, then resyncs the returning fs1", async () => {
    const w = start();
    traffic(w, 20);
    w.powerVm("fs1", false);
    w.advance(2000);
    expect(w.tiers?.serveRequest("web2", { userId: "u1", kind: "login", sessionId: null }).status).toBe(500);
    expect((await exec(w, "fs2", ["drbdadm", "role", "r0"])).stdout).toBe("Secondary\n");
    w.advance(w.settings.heartbeatDeadtimeMs);
    expect((await exec(w, "fs2", ["drbdadm", "role", "r0"])).stdout).toBe("Primary\n");
    expect(w.tiers?.extraAddresses?.("fs2")).toEqual([{ iface: "eth1", address: "192.168.10.30", prefix: 24 }]);
    expect((await exec(w, "fs2", ["drbdadm", "status"])).stdout).toBe(
      "r0 role:Primary\n  disk:UpToDate\n  fs1 connection:Connecting\n\n",
    );
    expect(fixture("drbdadm-status/drbd9-crowbar-connecting.txt")).toMatch(/^\S+ role:Secondary\n {2}disk:\w+\n {2}\S+ connection:Connecting\n$/);
    traffic(w, 400);
    w.powerVm("fs1", true);
    w.advance(500);
    const target = await exec(w, "fs1", ["drbdadm", "status", "r0"]);
    expect(target.stdout).toMatch(/^r0 role:Secondary\n {2}disk:Inconsistent\n {2}fs2 role:Primary\n {4}replication:SyncTarget peer-disk:UpToDate done:\d+\.\d\d\n/);
    const syncRef = fixture("drbdadm-status/drbd9-crowbar-synctarget-done.txt").split("\n")[3] ?? "";
    expect(target.stdout.split("\n")[3]?.replace(/done:[\d.]+/, "done:X")).toBe(syncRef.replace(/done:[\d.]+/, "done:X"));
    const before = Number(/done:([\d.]+)/.exec(target.stdout)?.[1]);
    w.advance(1000);
    const later = Number(/done:([\d.]+)/.exec((await exec(w, "fs1", ["drbdadm", "status"])).stdout)?.[1] ?? "100");
    expect(later).toBeGreaterThan(before);
    w.advance(120_000);
    expect((await exec(w, "fs1", ["drbdadm", "status"])).stdout).toBe(
      "r0 role:Secondary\n  disk:UpToDate\n  fs2 role:Primary\n    peer-disk:UpToDate\n\n",
    );
    expect(w.tiers?.serveRequest("web1", { userId: "u2", kind: "login", sessionId: null }).status).toBe(200);
  });

  it("prints the 8.4 resync progress lines while fs1 catches up", () => {
    const w = start({ drbdVersion: "8.4" });
    w.powerVm("fs1", false);
    w.advance(w.settings.heartbeatDeadtimeMs + 1000);
    traffic(w, 2000);
    w.powerVm("fs1", true);
    w.advance(2000);
    const lines = (w.tiers?.virtualFile?.("fs2", "/proc/drbd") ?? "").split("\n");
    const ref = fixture("proc-drbd/drbd84-0-syncsource-progress.txt").split("\n");
    expect(lines[2]).toMatch(/^ 0: cs:SyncSource ro:Primary\/Secondary ds:UpToDate\/Inconsistent C r-----$/);
    expect(shape(lines[2] ?? "")).toBe(shape(ref[2] ?? ""));
    expect(shape(lines[4] ?? "")).toBe(shape(ref[4] ?? ""));
    expect(shape(lines[5] ?? "")).toBe(shape(ref[5] ?? ""));
  });

  it("refuses a second Primary and demoting a mounted device", async () => {
    const w = start();
    const p = await exec(w, "fs2", ["drbdadm", "primary", "r0"]);
    expect(p.code).toBe(11);
    expect(p.stderr).toContain("r0: State change failed: (-1) Multiple primaries not allowed by config");
    const s = await exec(w, "fs1", ["drbdadm", "secondary", "r0"]);
    expect(s.code).toBe(11);
    expect(s.stderr).toContain("State change failed: (-12) Device is held open by someone");
  });

  it("splits the brain when the link is cut and heals only with --discard-my-data", async () => {
    const w = start();
    const cut = w.inject("link-cut");
    w.advance(w.settings.heartbeatDeadtimeMs + 1000);
    expect((await exec(w, "fs1", ["drbdadm", "role", "r0"])).stdout).toBe("Primary\n");
    expect((await exec(w, "fs2", ["drbdadm", "role", "r0"])).stdout).toBe("Primary\n");
    traffic(w, 400);
    w.clear(cut);
    w.advance(2000);
    const sb = await exec(w, "fs1", ["drbdadm", "status"]);
    expect(sb.stdout).toContain("fs2 connection:StandAlone");
    expect((await exec(w, "fs2", ["drbdadm", "cstate", "r0"])).stdout).toBe("StandAlone\n");
    const truth = w.tiers?.truth().storage as { splitBrain: boolean };
    expect(truth.splitBrain).toBe(true);
    expect((await exec(w, "fs2", ["drbdadm", "role", "r0"])).stdout).toBe("Secondary\n");
    expect((await exec(w, "fs2", ["drbdadm", "connect", "--discard-my-data", "r0"])).code).toBe(0);
    w.advance(1000);
    expect((await exec(w, "fs2", ["drbdadm", "cstate", "r0"])).stdout).toBe("Connecting\n");
    expect((await exec(w, "fs1", ["drbdadm", "connect", "r0"])).code).toBe(0);
    expect((await exec(w, "fs2", ["drbdadm", "status"])).stdout).toMatch(/replication:SyncTarget/);
    w.advance(60_000);
    expect((await exec(w, "fs2", ["drbdadm", "dstate", "r0"])).stdout).toBe("UpToDate/UpToDate\n");
  });
});

describe("drbdsetup", () => {
  it("status --verbose --statistics and events2 --now --statistics carry the keys of real output", async () => {
    const w = start();
    w.powerVm("fs1", false);
    w.advance(w.settings.heartbeatDeadtimeMs + 1000);
    traffic(w, 2000);
    w.powerVm("fs1", true);
    w.advance(1000);
    const st = (await exec(w, "fs1", ["drbdsetup", "status", "--verbose", "--statistics"])).stdout.split("\n");
    const ref = fixture("drbdsetup-status/drbd9-linstor218-verbose-statistics-synctarget.txt").split("\n");
    const strip = (l: string): string[] => keys(l).filter((k) => !["done", "dbdt1", "eta"].includes(k));
    for (const i of [0, 1, 2, 3, 4, 5, 6]) expect(strip(st[i] ?? "")).toEqual(strip(ref[i] ?? ""));
    const ev = (await exec(w, "fs1", ["drbdsetup", "events2", "--now", "--statistics"])).stdout.split("\n");
    const evRef = fixture("drbdsetup-events2/drbd-utils-test-events2-statistics-sync-synthetic.txt").split("\n");
    const kind = (lines: string[], prefix: string): string => lines.find((l) => l.startsWith(prefix)) ?? "";
    for (const obj of ["resource", "device", "connection", "peer-device", "path"]) {
      expect(strip(kind(ev, `exists ${obj} `))).toEqual(strip(kind(evRef, `create ${obj} `)));
    }
    expect(ev[ev.length - 2]).toBe("exists -");
  });
});

describe("storage heartbeat tools", () => {
  it("hb_standby on the exporter hands r0, the mount, the export and the address to the peer", async () => {
    const w = start();
    expect((await exec(w, "fs1", ["cl_status", "rscstatus"])).stdout).toBe("all\n");
    expect((await exec(w, "fs1", ["hb_standby"])).stdout).toBe("Going standby [all].\n");
    expect((await exec(w, "fs2", ["cl_status", "rscstatus"])).stdout).toBe("all\n");
    expect((await exec(w, "fs2", ["drbdadm", "role", "r0"])).stdout).toBe("Primary\n");
    expect((await exec(w, "fs1", ["drbdadm", "status"])).stdout).toContain("fs2 role:Primary");
    expect(w.tiers?.extraAddresses?.("fs1")).toEqual([]);
    expect(w.tiers?.serveRequest("web1", { userId: "u1", kind: "login", sessionId: null }).status).toBe(200);
    expect((await exec(w, "fs1", ["cl_status", "nodestatus", "fs2"])).stdout).toBe("active\n");
  });
});
