import { describe, expect, it } from "vitest";
import { parseFindmnt } from "@/lib/probes/findmnt";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("findmnt", () => {
  it("reads findmnt's real output for a mount (captured on the development machine)", () => {
    expect(valueOf(parseFindmnt(fixture("findmnt", "findmnt-n-o-source-fstype-target-root-CAPTURED.txt")))).toEqual({
      mounted: true,
      source: "/dev/vda",
      fstype: "ext4",
      target: "/",
    });
  });

  it("reads an NFS mount", () => {
    expect(valueOf(parseFindmnt("192.168.10.30:/srv/moodledata nfs4   /var/moodledata\n"))).toEqual({
      mounted: true,
      source: "192.168.10.30:/srv/moodledata",
      fstype: "nfs4",
      target: "/var/moodledata",
    });
  });

  it("reads nothing as not mounted", () => {
    expect(valueOf(parseFindmnt(""))).toEqual({ mounted: false, source: null, fstype: null, target: null });
  });

  it.each(garbage("findmnt").filter(([n]) => n !== "empty" && n !== "whitespace"))("refuses %s", (_n, text) => {
    expect(parseFindmnt(text).ok).toBe(false);
  });
});
