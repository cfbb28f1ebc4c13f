import { describe, expect, it } from "vitest";
import { gtidPosBehind, gtidPosCovers, parseGtidPos, sameGtidSet } from "@/lib/probes/mysql-gtid";
import { fixture, valueOf } from "@/lib/probes/test-support";
import { parseMysqlVitals } from "@/lib/probes/mysql-vitals";

describe("MariaDB GTID positions", () => {
  it("reads the positions the real server printed", () => {
    const v = valueOf(parseMysqlVitals(fixture("mysql-vitals", "mariadb-10.11-new-source.txt")));
    expect(parseGtidPos(v.gtid?.binlogPos)).toEqual([{ domain: 0, serverId: 2, seq: 66n }]);
    expect(parseGtidPos(v.gtid?.slavePos)).toEqual([{ domain: 0, serverId: 1, seq: 57n }]);
    expect(parseGtidPos("")).toEqual([]);
    expect(parseGtidPos("0-1-18446744073709551615,1-2-3")).toEqual([
      { domain: 0, serverId: 1, seq: 18446744073709551615n },
      { domain: 1, serverId: 2, seq: 3n },
    ]);
  });

  it.each(["x", "0-1", "0-1-2-3", "0-1-2,0-2-3", "0--1", "0-1-2,", "-0-1-2", `${"0-1-2,".repeat(300)}0-1-2`])("refuses %s", (text) => {
    expect(parseGtidPos(text)).toBeNull();
  });

  it("says a replica caught up when every domain's sequence reached the source's, whoever wrote it", () => {
    // after a switchover: the source's binlog is at 0-2-66; a replica that applied 0-2-66 is caught up
    expect(gtidPosCovers("0-2-66", "0-2-66")).toBe(true);
    expect(gtidPosCovers("0-1-57", "0-2-66")).toBe(false);
    expect(gtidPosBehind("0-1-57", "0-2-66")).toBe(9n);
    expect(gtidPosCovers("0-1-70,1-3-5", "0-2-66,1-3-5")).toBe(true);
    expect(gtidPosCovers("0-1-70", "0-2-66,1-3-5")).toBe(false);
    expect(gtidPosBehind("0-1-70", "0-2-66,1-3-5")).toBe(5n);
    expect(gtidPosCovers("", "")).toBe(true);
    expect(gtidPosCovers(null, "0-1-1")).toBe(false);
    expect(gtidPosCovers("garbage", "0-1-1")).toBeNull();
  });

  it("compares MySQL GTID sets with the client's line wrapping removed", () => {
    expect(sameGtidSet("aaaa:1-5,\nbbbb:1-9", "AAAA:1-5,bbbb:1-9")).toBe(true);
    expect(sameGtidSet("aaaa:1-5", "aaaa:1-6")).toBe(false);
    expect(sameGtidSet("", "")).toBe(false);
  });
});
