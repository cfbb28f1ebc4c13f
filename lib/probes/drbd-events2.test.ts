import { describe, expect, it } from "vitest";
import { drbdEvents2Probe, parseDrbdEvents2 } from "@/lib/probes/drbd-events2";
import { slowestParse } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const read = (file: string) => valueOf(parseDrbdEvents2(fixture("drbdsetup-events2", file)));

describe("drbd-events2", () => {
  it("runs drbdsetup events2 --now --statistics", () => {
    expect(drbdEvents2Probe.command()).toBe("drbdsetup events2 --now --statistics");
  });

  it("reads the 8.4 guide's --now dump (lines broken for the page)", () => {
    const value = read("drbd84-docs-now-linebroken.txt");
    expect(value.initialStateComplete).toBe(true);
    expect(value.resources).toHaveLength(1);
    const [r0] = value.resources;
    expect(r0).toMatchObject({ name: "r0", role: "Secondary" });
    expect(r0?.devices.map((d) => [d.volume, d.minor, d.disk])).toEqual([
      [0, 7, "UpToDate"],
      [1, 8, "UpToDate"],
    ]);
    expect(r0?.connections).toHaveLength(1);
    expect(r0?.connections[0]).toMatchObject({ peerNodeId: 1, name: "remote-host", connection: "Connected", role: "Secondary" });
    expect(r0?.connections[0]?.peerDevices.map((p) => [p.volume, p.replication, p.peerDisk])).toEqual([
      [0, "Established", "UpToDate"],
      [1, "Established", "UpToDate"],
    ]);
  });

  it("reads --statistics counters", () => {
    const [r0] = read("drbd84-docs-now-statistics-linebroken.txt").resources;
    expect(r0?.fields["write-ordering"]).toBe("drain");
    expect(r0?.devices[1]?.fields).toMatchObject({ size: "104854364", "al-writes": "417", blocked: "no" });
    expect(r0?.connections[0]?.peerDevices[1]).toMatchObject({ outOfSyncKb: 0, fields: { sent: "6634548" } });
  });

  it("applies create and change events in order (drbd-utils test streams)", () => {
    for (const file of ["drbd-utils-test-events2-sync-synthetic.txt", "drbd-utils-test-events2-statistics-sync-synthetic.txt"]) {
      const value = read(file);
      expect(value.initialStateComplete).toBe(true);
      const [r] = value.resources;
      expect(r).toMatchObject({ name: "some-resource", role: "Secondary", fields: { may_promote: "yes", promotion_score: "10101" } });
      expect(r?.devices).toMatchObject([{ volume: 0, minor: 1000, disk: "UpToDate", fields: { backing_dev: "/dev/sda" } }]);
      expect(r?.connections).toMatchObject([{ peerNodeId: 1, name: "some-peer", connection: "Connected", role: "Secondary" }]);
      expect(r?.connections[0]?.peerDevices[0]).toMatchObject({ volume: 0, replication: "SyncSource", peerDisk: "Inconsistent", donePercent: 37.5 });
    }
    expect(read("drbd-utils-test-events2-statistics-sync-synthetic.txt").resources[0]?.connections[0]?.peerDevices[0]).toMatchObject({
      outOfSyncKb: 2500, fields: { eta: "10", dbdt1: "0.24" },
    });
  });

  it("follows connection changes (the guide's '...' elision removed)", () => {
    const text = fixture("drbdsetup-events2", "drbd84-docs-follow-connection-changes.txt").replace(/^\.\.\.\n/, "");
    const value = valueOf(parseDrbdEvents2(text));
    expect(value.initialStateComplete).toBe(false);
    expect(value.resources[0]?.connections[0]).toMatchObject({ name: "remote-host", connection: "Connecting" });
  });

  it("drops destroyed objects", () => {
    const text = `exists resource name:r0 role:Secondary
exists connection name:r0 peer-node-id:1 conn-name:peer connection:Connected role:Primary
exists -
destroy connection name:r0 peer-node-id:1 conn-name:peer
`;
    expect(valueOf(parseDrbdEvents2(text)).resources[0]?.connections).toEqual([]);
  });

  const sample = fixture("drbdsetup-events2", "drbd84-docs-now-linebroken.txt");
  it.each([
    ["letters for numbers", sample.replace("minor:7", "minor:x"), /minor is not a number/],
    ["the guide's elision line", fixture("drbdsetup-events2", "drbd84-docs-follow-connection-changes.txt"), /not a drbdsetup events2 line/],
    ["an unknown object", "exists resource name:r0 role:Secondary\nexists widget name:r0\nexists -\n", /unknown events2 object/],
    ["no resource name", "exists resource name:r0 role:Secondary\nexists resource role:Secondary\nexists -\n", /no resource name/],
  ])("applies the other events and names the unread line: %s", (_name, input, reason) => {
    const value = valueOf(parseDrbdEvents2(input));
    expect(value.resources.length).toBeGreaterThan(0);
    expect(value.unread).toEqual([expect.objectContaining({ reason: expect.stringMatching(reason) })]);
  });

  it("answers hostile input in linear time", () => {
    expect(slowestParse(parseDrbdEvents2, sample).ms).toBeLessThan(2_000);
  });

  it.each([
    ...garbage("drbdsetup"),
    ["truncated before exists -", sample.slice(0, sample.indexOf("exists -"))],
  ])("refuses %s", (_name, input) => {
    expect(parseDrbdEvents2(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
