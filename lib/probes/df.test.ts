import { describe, expect, it } from "vitest";
import { hostileLines, slowestOf } from "@/lib/probes/hostile";
import { dfProbe, parseDf } from "@/lib/probes/df";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const POSIX = `Filesystem     1024-blocks    Used Available Capacity Mounted on
/dev/sda1         20509264 9337012  10107292      49% /
tmpfs               506152       0    506152       0% /dev/shm
/dev/drbd0        10474496 1004544   9469952      10% /srv/moodle data
`;

describe("df", () => {
  it("runs df -P in the C locale", () => {
    expect(dfProbe.command()).toBe("LC_ALL=C df -P -l");
  });

  it("reads df output without -P (OpenVZ sample)", () => {
    expect(valueOf(parseDf(fixture("df", "df-plain-not-P-openvz-pmp-df-001.txt"))).filesystems).toEqual([
      { filesystem: "/dev/vzfs", sizeKb: 30720000, usedKb: 4488715, availableKb: 26231285, usedPercent: 15, mount: "/" },
      { filesystem: "tmpfs", sizeKb: 4147072, usedKb: 0, availableKb: 4147072, usedPercent: 0, mount: "/lib/init/rw" },
      { filesystem: "tmpfs", sizeKb: 4147072, usedKb: 0, availableKb: 4147072, usedPercent: 0, mount: "/dev/shm" },
    ]);
  });

  it("reads the CentOS sample", () => {
    const { filesystems } = valueOf(parseDf(fixture("df", "jc-centos77-df-plain-not-P.txt")));
    expect(filesystems).toHaveLength(7);
    expect(filesystems[4]).toEqual({
      filesystem: "/dev/mapper/centos-root",
      sizeKb: 17811456,
      usedKb: 1805580,
      availableKb: 16005876,
      usedPercent: 11,
      mount: "/",
    });
    expect(filesystems.find((f) => f.mount === "/boot")).toMatchObject({ usedKb: 237600, usedPercent: 23 });
  });

  it("reads a real df -P capture", () => {
    expect(valueOf(parseDf(fixture("df", "df-P-root-UNATTRIBUTED-id36372551392.txt"))).filesystems).toEqual([
      { filesystem: "/dev/root", sizeKb: 1048576, usedKb: 138868, availableKb: 909708, usedPercent: 13, mount: "/" },
    ]);
  });

  it("reads the -P header and mount points with spaces", () => {
    const { filesystems } = valueOf(parseDf(POSIX));
    expect(filesystems.map((f) => f.mount)).toEqual(["/", "/dev/shm", "/srv/moodle data"]);
    expect(filesystems[0]).toMatchObject({ sizeKb: 20509264, usedKb: 9337012, availableKb: 10107292, usedPercent: 49 });
  });

  it("joins a long device name wrapped onto its own line", () => {
    const wrapped = `Filesystem           1K-blocks      Used Available Use% Mounted on
/dev/mapper/VolGroup00-LogVol00
                      37054756  25452928   9689212  73% /
/dev/sda1               101086     19137     76730  20% /boot
`;
    expect(valueOf(parseDf(wrapped)).filesystems).toEqual([
      { filesystem: "/dev/mapper/VolGroup00-LogVol00", sizeKb: 37054756, usedKb: 25452928, availableKb: 9689212, usedPercent: 73, mount: "/" },
      { filesystem: "/dev/sda1", sizeKb: 101086, usedKb: 19137, availableKb: 76730, usedPercent: 20, mount: "/boot" },
    ]);
  });

  it("keeps dashes as unknown rather than zero", () => {
    const text = "Filesystem 1024-blocks Used Available Capacity Mounted on\nproc - - - - /proc\n";
    expect(valueOf(parseDf(text)).filesystems[0]).toEqual({
      filesystem: "proc", sizeKb: null, usedKb: null, availableKb: null, usedPercent: null, mount: "/proc",
    });
  });

  it("converts 512-byte blocks (POSIXLY_CORRECT) to kB", () => {
    const text = "Filesystem 512-blocks Used Available Capacity Mounted on\n/dev/sda1 2048 1024 1024 50% /\n";
    expect(valueOf(parseDf(text)).filesystems[0]).toMatchObject({ sizeKb: 1024, usedKb: 512, availableKb: 512 });
  });

  it.each([
    ...garbage("df"),
    ["header only cut", "Filesystem     1024-blocks    Used Avail"],
    ["row without header", "/dev/sda1         20509264 9337012  10107292      49% /\n"],
    ["letters for numbers", POSIX.replace("9337012", "93e7012")],
    ["truncated row", `${POSIX}/dev/sdb1   20509264 93370`],
    ["percent missing", "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 20509264 9337012 10107292 /\n"],
    ["human-readable sizes", "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        20G  9.0G  9.7G  49% /\n"],
    ["df error", "df: /mnt/nfs: Stale file handle\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseDf(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});

// Issue 10, hole 2: within the line cap a backtracking pattern is still quadratic per line, and a line
// over it must not reach a pattern at all. Budgets against blow-up, not benchmarks.
describe("df on hostile lines", () => {
  it("reads a megabyte of long lines, and 256 KiB lines, in linear time", () => {
    const slowest = slowestOf(parseDf, hostileLines(["/dev/sda1", "/dev/sda1 100 50 50 50% /", "a "], "Filesystem     1024-blocks    Used Available Capacity Mounted on\n"));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });
});
