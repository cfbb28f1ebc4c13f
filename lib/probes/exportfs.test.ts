import { describe, expect, it } from "vitest";
import { exportfsProbe, parseExportfs } from "@/lib/probes/exportfs";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const OPTIONS = ["sync", "wdelay", "hide", "no_subtree_check", "sec=sys", "rw", "secure", "root_squash", "no_all_squash"];

describe("exportfs", () => {
  it("runs exportfs -v", () => {
    expect(exportfsProbe.command()).toBe("exportfs -v");
  });

  it("joins long paths with the tab-indented client line after them", () => {
    const value = valueOf(parseExportfs(fixture("exportfs", "exportfs-v-long-paths-tab-wrapped-UNATTRIBUTED-id9130352740.txt")));
    expect(value.exports).toEqual(
      ["/data/nfs/redis001", "/data/nfs/redis002", "/data/nfs/redis003"].map((path) => ({
        path, client: "10.0.0.0/24", options: OPTIONS, readOnly: false,
      })),
    );
  });

  it("reads a short path on one line (the last of rw/ro wins)", () => {
    expect(valueOf(parseExportfs(fixture("exportfs", "exportfs-v-short-path-alpine-UNATTRIBUTED-id68870844431.txt"))).exports).toEqual([
      { path: "/srv/nfs", client: "192.0.0.0/24", options: ["sync", "wdelay", "hide", "no_subtree_check", "sec=sys", "rw", "secure", "ro"], readOnly: true },
    ]);
  });

  it("reads exportfs -s", () => {
    expect(valueOf(parseExportfs(fixture("exportfs", "exportfs-s-ubuntu2402-UNATTRIBUTED-id4071912821.txt"))).exports).toEqual([
      { path: "/srv/share", client: "192.168.1.169/32", options: OPTIONS, readOnly: false },
    ]);
  });

  it("reads <world>, several clients, octal-escaped paths and nothing exported", () => {
    const text = "/srv/moodle\\040data\t<world>(ro,sync,wdelay,hide,no_subtree_check,sec=sys,secure,root_squash,no_all_squash)\n/srv/moodledata\n\t\t192.168.10.11(rw,sync)\n/srv/moodledata\n\t\t192.168.10.21(rw,sync)\n";
    expect(valueOf(parseExportfs(text)).exports.map((e) => [e.path, e.client, e.readOnly])).toEqual([
      ["/srv/moodle data", "<world>", true],
      ["/srv/moodledata", "192.168.10.11", false],
      ["/srv/moodledata", "192.168.10.21", false],
    ]);
    expect(valueOf(parseExportfs(""))).toEqual({ exports: [] });
  });

  it.each([
    ...garbage("exportfs").filter(([name]) => name !== "empty" && name !== "whitespace"),
    ["stderr warning on stdout", fixture("exportfs", "exportfs-r-warning-no-subtree-check-UNATTRIBUTED-id4071912821.txt")],
    ["path without client (truncated)", "/data/nfs/redis001\n"],
    ["client cut mid-options", "/srv/nfs        192.0.0.0/24(sync,wdelay,hi"],
    ["client line first", "\t\t10.0.0.0/24(rw)\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseExportfs(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
