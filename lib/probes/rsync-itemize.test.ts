import { describe, expect, it } from "vitest";
import { hostileLines, slowestOf } from "@/lib/probes/hostile";
import { parseRsyncItemize, rsyncItemizeProbe } from "@/lib/probes/rsync-itemize";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const read = (file: string) => valueOf(parseRsyncItemize(fixture("rsync", file)));

describe("rsync-itemize", () => {
  it("runs a dry run with --delete and --stats, quoting both trees", () => {
    expect(rsyncItemizeProbe.command({ source: "/srv/release/moodle/", destination: "/var/www/moodle/" })).toBe(
      "rsync -ain --delete --stats /srv/release/moodle/ /var/www/moodle/",
    );
  });

  it("reads new files and a directory time change", () => {
    const value = read("itemize-i-r-t-p-o-g-l-H-s-new-files-issue582.txt");
    expect(value.stats).toBeNull();
    expect(value.changes).toEqual([
      { path: "./", kind: "dir", change: "updated", update: ".", attributes: ["time"], target: null },
      { path: "testfile1.txt", kind: "file", change: "created", update: ">", attributes: [], target: null },
      { path: "testfile2.txt", kind: "file", change: "created", update: ">", attributes: [], target: null },
      { path: "testfile3.txt", kind: "file", change: "created", update: ">", attributes: [], target: null },
    ]);
  });

  it("reads log-file lines", () => {
    const value = read("itemize-log-file-format-real-run-issue582.txt");
    expect(value.changes.map((c) => c.path)).toEqual(["./", "testfile1.txt", "testfile2.txt", "testfile3.txt"]);
    const jc = read("jc-centos77-rsync-i-logfile.txt");
    expect(jc.changes).toHaveLength(2 * 27);
  });

  it("reads a new tree with spaces in names and a created directory", () => {
    const value = read("jc-centos77-rsync-i-new-tree.txt");
    expect(value.changes).toHaveLength(27);
    expect(value.changes.find((c) => c.path === "file with spaces.txt")).toMatchObject({ kind: "file", change: "created" });
    expect(value.changes.find((c) => c.path === "folder/")).toEqual({ path: "folder/", kind: "dir", change: "created", update: "c", attributes: [], target: null });
  });

  it("names the changed attributes", () => {
    const changes = read("jc-generic-rsync-i-attribute-changes.txt").changes;
    expect(changes.map((c) => [c.kind, c.change, c.attributes.join(",")])).toEqual([
      ["file", "created", ""],
      ["file", "updated", "owner,group,xattr"],
      ["file", "updated", "xattr"],
      ["file", "updated", "permissions,xattr"],
      ["file", "updated", "time,group,xattr"],
      ["file", "updated", "size,xattr"],
      ["file", "updated", "size,time,xattr"],
      ["dir", "created", ""],
      ["dir", "updated", "owner,group"],
      ["dir", "updated", "time"],
    ]);
    expect(changes[6]?.path).toBe("some/dir/existing-file-with-changed-size-and-time-stamp.txt");
  });

  it("reads deletions, symlinks and hard links", () => {
    const text = "*deleting   theme/old/\n*deleting   version.php.orig\ncL+++++++++ current -> releases/4.5\nhf+++++++++ a/b => a/c\n.L..t...... link -> target\n";
    expect(valueOf(parseRsyncItemize(text)).changes).toEqual([
      { path: "theme/old/", kind: "dir", change: "deleted", update: "*", attributes: [], target: null },
      { path: "version.php.orig", kind: null, change: "deleted", update: "*", attributes: [], target: null },
      { path: "current", kind: "symlink", change: "created", update: "c", attributes: [], target: "releases/4.5" },
      { path: "a/b", kind: "file", change: "created", update: "h", attributes: [], target: "a/c" },
      { path: "link", kind: "symlink", change: "updated", update: ".", attributes: ["time"], target: "target" },
    ]);
  });

  it("reads the --stats block with -h units", () => {
    const value = read("avhP-stats-human-readable-no-changes-issue560-MARKDOWN-BOLD-REMOVED.txt");
    expect(value.changes).toEqual([]);
    expect(value.stats).toEqual({
      files: 204,
      createdFiles: 0,
      deletedFiles: 0,
      regularFilesTransferred: 0,
      totalFileSizeBytes: 30.96e9,
      totalTransferredFileSizeBytes: 0,
      literalDataBytes: 0,
      matchedDataBytes: 0,
      totalBytesSent: 3370,
      totalBytesReceived: 1580,
      fileListGenerationSeconds: 0.002,
      approximate: true,
    });
  });

  it("reads a truncated --stats tail with thousands separators", () => {
    const value = read("stats-tail-large-tree-TRUNCATED-issue848.txt");
    expect(value.stats).toMatchObject({
      files: 925754,
      createdFiles: 170,
      regularFilesTransferred: 395,
      totalFileSizeBytes: 1012247263711,
      totalTransferredFileSizeBytes: 362236852,
      literalDataBytes: 362236852,
      fileListGenerationSeconds: 32.464,
      totalBytesSent: null,
      approximate: false,
    });
  });

  it("marks a dry run and reads nothing as in step", () => {
    const text = ">f.st...... version.php\n\nsent 1,234 bytes  received 56 bytes  2,580.00 bytes/sec\ntotal size is 123,456  speedup is 95.70 (DRY RUN)\n";
    expect(valueOf(parseRsyncItemize(text))).toMatchObject({ dryRun: true, changes: [{ path: "version.php", attributes: ["size", "time"] }] });
    expect(valueOf(parseRsyncItemize(""))).toEqual({ changes: [], stats: null, dryRun: false });
  });

  it.each([
    ...garbage("rsync").filter(([name]) => name !== "empty" && name !== "whitespace"),
    ["rsync error", "rsync: change_dir \"/srv/release\" failed: No such file or directory (2)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]\n"],
    ["letters for numbers in stats", "Number of files: 2x4 (reg: 195, dir: 9)\n"],
    ["truncated itemize code", ">f+++ testfile1.txt\n"],
    ["change after the stats", "Number of files: 1\n>f+++++++++ late.txt\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseRsyncItemize(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});

// Issue 10, hole 2: within the line cap a backtracking pattern is still quadratic per line, and a line
// over it must not reach a pattern at all. Budgets against blow-up, not benchmarks.
describe("rsync-itemize on hostile lines", () => {
  it("reads a megabyte of long lines, and 256 KiB lines, in linear time", () => {
    const slowest = slowestOf(parseRsyncItemize, hostileLines(["*deleting", ">f+++++++++ a", "cL+++++++++ a -> b", "2024/01/01 10:00:00 [12] "]));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });
});
