import { describe, expect, it } from "vitest";
import { parseProcDrbd, procDrbdProbe } from "@/lib/probes/proc-drbd";
import { slowestParse } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const read = (file: string) => valueOf(parseProcDrbd(fixture("proc-drbd", file)));

describe("proc-drbd", () => {
  it("runs cat /proc/drbd", () => {
    expect(procDrbdProbe.command()).toBe("cat /proc/drbd");
  });

  it("reads a connected 8.4 secondary with every counter", () => {
    const value = read("drbd84-1-connected-secondary-primary.txt");
    expect(value).toMatchObject({ version: "8.4.1", drbd9: false });
    expect(value.minors).toEqual([
      {
        minor: 0, connection: "Connected", role: "Secondary", peerRole: "Primary", disk: "UpToDate", peerDisk: "UpToDate",
        protocol: "C", ioFlags: "r-----",
        counters: { ns: 0, nr: 12, dw: 12, dr: 0, al: 0, bm: 0, lo: 0, pe: 0, ua: 0, ap: 0, ep: 1, oos: 0 },
        writeOrdering: "b", outOfSyncKb: 0, sync: null,
      },
    ]);
  });

  it("reads three minors", () => {
    const value = read("drbd84-0-three-minors-connected-uptodate.txt");
    expect(value.minors.map((m) => [m.minor, m.role, m.peerRole, m.ioFlags])).toEqual([
      [0, "Secondary", "Secondary", "r-----"],
      [1, "Primary", "Secondary", "r---"],
      [2, "Secondary", "Primary", "r---"],
    ]);
    expect(value.minors[0]?.counters.dr).toBe(656);
  });

  it("reads resync progress on the source and the target", () => {
    const source = read("drbd84-0-syncsource-progress.txt").minors[0];
    expect(source).toMatchObject({ connection: "SyncSource", role: "Primary", peerDisk: "Inconsistent", outOfSyncKb: 1121600 });
    expect(source?.sync).toEqual({
      kind: "sync", percent: 57.3, remainingKb: 1121600, totalKb: 2613068,
      finishSeconds: 32, speedKbPerSec: 34328, averageKbPerSec: 21304, wantKbPerSec: null,
    });
    const target = read("drbd84-1-synctarget-progress-no-version-line.txt");
    expect(target.version).toBeNull();
    expect(target.minors[0]?.sync).toEqual({
      kind: "sync", percent: 36.3, remainingKb: 1670512, totalKb: 2613068,
      finishSeconds: 47, speedKbPerSec: 35152, averageKbPerSec: 18124, wantKbPerSec: 44520,
    });
    expect(target.minors[0]?.writeOrdering).toBe("f");
    const old = read("drbd83-7-syncsource-progress-deimosfr.txt").minors[0]?.sync;
    expect(old).toMatchObject({ percent: 21.9, remainingKb: 3283604, totalKb: 4194304, finishSeconds: 3600 + 8 * 60 + 24, speedKbPerSec: 580, averageKbPerSec: 452 });
  });

  it("reads disconnected states", () => {
    expect(read("drbd84-1-wfconnection-primary-unknown-after-promote.txt").minors[0]).toMatchObject({
      connection: "WFConnection", role: "Primary", peerRole: "Unknown", disk: "UpToDate", peerDisk: "DUnknown", protocol: "C",
    });
    expect(read("drbd84-1-wfconnection-secondary-unknown-uptodate.txt").minors[0]).toMatchObject({ connection: "WFConnection", role: "Secondary", counters: { nr: 3505480, bm: 290 } });
    expect(read("drbd84-0-wfconnection-secondary-inconsistent-dunknown.txt").minors[0]).toMatchObject({ disk: "Inconsistent", outOfSyncKb: 40552 });
    const sixth = read("drbd84-6-wfconnection-secondary-inconsistent.txt");
    expect(sixth).toMatchObject({ version: "8.4.6" });
    expect(sixth.minors[0]).toMatchObject({ minor: 1, outOfSyncKb: 40448704 });
    expect(read("drbd83-7-standalone-secondary-unknown-deimosfr.txt").minors[0]).toMatchObject({
      connection: "StandAlone", protocol: null, ioFlags: "r----", disk: "Inconsistent", outOfSyncKb: 4194304,
    });
    expect(read("drbd84-1-initial-inconsistent-inconsistent.txt").minors[0]).toMatchObject({ disk: "Inconsistent", peerDisk: "Inconsistent", outOfSyncKb: 524236 });
  });

  it("reads the DRBD 8.3 samples", () => {
    expect(read("drbd83-12-connected-secondary-uptodate.txt")).toMatchObject({ version: "8.3.12", minors: [{ counters: { nr: 33300 } }] });
    expect(read("drbd83-7-connected-secondary-deimosfr.txt").minors[0]).toMatchObject({ counters: { nr: 4194304, bm: 256 } });
    expect(read("drbd83-8-connected-secondary-after-sync.txt").minors[0]).toMatchObject({ counters: { nr: 1023932 } });
    expect(read("drbd83-8-dual-primary.txt").minors[0]).toMatchObject({ role: "Primary", peerRole: "Primary", counters: { ns: 1122, al: 2 } });
  });

  it("recognises the DRBD 9 short form (no minors listed)", () => {
    expect(read("drbd9-0-14-short-form-UNATTRIBUTED-id38828272615.txt")).toEqual({ version: "9.0.14-1", drbd9: true, minors: [], unread: [] });
    expect(read("drbd9-0-32-short-form-UNATTRIBUTED-id49308586037.txt")).toEqual({ version: "9.0.32-1", drbd9: true, minors: [], unread: [] });
  });

  it("reads every fixture whole: no line left unread", () => {
    for (const file of ["drbd84-0-syncsource-progress.txt", "drbd83-7-syncsource-progress-deimosfr.txt", "drbd84-0-three-minors-connected-uptodate.txt", "drbd83-8-dual-primary.txt"]) {
      expect(read(file).unread, file).toEqual([]);
    }
  });

  // A resync with proc_details >= 1 prints a sector position line and the resync/act_log LRU stats
  // (drbd_proc.c, drbd_syncer_progress and lc_seq_printf_stats); other kernels add lines of their own,
  // such as the queue_delay line the issue reports (CONSTRUCTED from its description).
  const syncing = fixture("proc-drbd", "drbd84-0-syncsource-progress.txt");
  const finishAt = syncing.indexOf("\n", syncing.indexOf("finish:")) + 1;
  const withDetail = `${syncing.slice(0, finishAt)}\t 57% sector pos: 2998016/5226136\n\tqueue_delay: 0.3 ms\n${syncing.slice(finishAt)}`;

  it("reads the known detail lines and keeps the rest of a resync when one line is unknown", () => {
    const value = valueOf(parseProcDrbd(withDetail));
    expect(value.minors[0]).toMatchObject({ connection: "SyncSource", outOfSyncKb: 1121600, sync: { percent: 57.3, finishSeconds: 32 } });
    const lineOf = withDetail.split("\n").findIndex((l) => l.includes("queue_delay")) + 1;
    expect(value.unread).toEqual([{ line: lineOf, text: "\tqueue_delay: 0.3 ms", reason: "not a line this reader knows" }]);
  });

  const connected = fixture("proc-drbd", "drbd84-1-connected-secondary-primary.txt");
  it.each([
    ["letters for numbers in the counters", connected.replace("nr:12 ", "nr:1x "), /nr is not a whole number/],
    ["a minor without counters (truncated)", connected.slice(0, connected.indexOf("    ns:")), /minor 0 has no counter line/],
    ["an unexpected line", `${connected}    something else entirely\n`, /not a line this reader knows/],
  ])("reads the minor and names the unread line: %s", (_name, input, reason) => {
    const value = valueOf(parseProcDrbd(input));
    expect(value.minors[0]).toMatchObject({ minor: 0, connection: "Connected", role: "Secondary" });
    expect(value.unread.map((u) => u.reason).join("; ")).toMatch(reason);
  });

  it("answers hostile input in linear time", () => {
    expect(slowestParse(parseProcDrbd, connected).ms).toBeLessThan(2_000);
  });

  it.each([
    ...garbage("cat"),
    ["truncated version line", "version: 8.4"],
    ["no such file", "cat: /proc/drbd: No such file or directory\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseProcDrbd(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
