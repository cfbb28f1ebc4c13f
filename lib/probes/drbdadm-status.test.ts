import { describe, expect, it } from "vitest";
import { drbdadmStatusProbe, parseDrbdadmStatus } from "@/lib/probes/drbdadm-status";
import { slowestParse } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const read = (file: string) => valueOf(parseDrbdadmStatus(fixture("drbdadm-status", file))).resources;

describe("drbdadm-status", () => {
  it("runs drbdadm status, optionally for one quoted resource", () => {
    expect(drbdadmStatusProbe.command({})).toBe("drbdadm status");
    expect(drbdadmStatusProbe.command({ resource: "r0" })).toBe("drbdadm status r0");
  });

  it("reads a resync in progress with its done percentage", () => {
    expect(read("drbd9-crowbar-synctarget-done.txt")).toEqual([
      {
        name: "postgresql",
        role: "Secondary",
        fields: { role: "Secondary" },
        volumes: [{ volume: null, disk: "Inconsistent", fields: { disk: "Inconsistent" } }],
        peers: [
          {
            name: "d52-54-77-77-01-01",
            connection: "Connected",
            role: "Primary",
            fields: { role: "Primary" },
            volumes: [
              {
                volume: null,
                replication: "SyncTarget",
                peerDisk: "UpToDate",
                donePercent: 0.08,
                fields: { replication: "SyncTarget", "peer-disk": "UpToDate", done: "0.08" },
              },
            ],
          },
        ],
      },
    ]);
  });

  it("reads a peer that is not connected", () => {
    const [r] = read("drbd9-crowbar-connecting.txt");
    expect(r?.volumes[0]?.disk).toBe("Inconsistent");
    expect(r?.peers).toMatchObject([{ name: "d52-54-77-77-01-01", connection: "Connecting", role: null, volumes: [] }]);
    expect(read("drbd9-pcmk-cfs-initial-inconsistent-connecting.txt")[0]?.peers[0]).toMatchObject({ name: "pcmk-2", connection: "Connecting" });
  });

  it("defaults omitted replication to Established", () => {
    const [r] = read("drbd9-crowbar-uptodate-after-sync.txt");
    expect(r?.peers[0]?.volumes[0]).toMatchObject({ replication: "Established", peerDisk: "UpToDate", donePercent: null });
    expect(read("drbd84-docs-home-healthy-established.txt")[0]).toMatchObject({
      name: "home", role: "Secondary", volumes: [{ disk: "UpToDate" }],
      peers: [{ name: "peer", role: "Secondary", volumes: [{ replication: "Established", peerDisk: "UpToDate" }] }],
    });
  });

  it("reads primary/secondary combinations from the Pacemaker guide", () => {
    expect(read("drbd9-pcmk-cfs-primary-forced-peer-inconsistent.txt")[0]).toMatchObject({
      name: "wwwdata", role: "Primary", volumes: [{ disk: "UpToDate" }], peers: [{ name: "pcmk-2", role: "Secondary", volumes: [{ peerDisk: "Inconsistent" }] }],
    });
    expect(read("drbd9-pcmk-cfs-secondary-uptodate-peer-primary.txt")[0]?.peers[0]).toMatchObject({ name: "pcmk-1", role: "Primary" });
    expect(read("drbd9-pcmk-cfs-both-secondary-inconsistent.txt")[0]).toMatchObject({ volumes: [{ disk: "Inconsistent" }], peers: [{ volumes: [{ peerDisk: "Inconsistent" }] }] });
  });

  it("reads several peers, a diskless peer and volume numbers", () => {
    const [home] = read("drbd9-docs-home-3peers-one-connecting.txt");
    expect(home?.peers.map((p) => [p.name, p.connection, p.role, p.volumes[0]?.peerDisk ?? null])).toEqual([
      ["nina", "Connected", "Secondary", "UpToDate"],
      ["nino", "Connected", "Secondary", "UpToDate"],
      ["nono", "Connecting", null, null],
    ]);
    const [stuck] = read("drbd9-linstor203-inconsistent-stuck-diskless-primary-peer.txt");
    expect(stuck?.peers.map((p) => [p.name, p.role, p.volumes[0]?.peerDisk])).toEqual([
      ["m10c41", "Secondary", "UpToDate"],
      ["m11c4", "Primary", "Diskless"],
    ]);
    const [detached] = read("drbd9-docs-diskless-after-detach-placeholders.txt");
    expect(detached).toMatchObject({ name: "<resource>", role: "Primary", volumes: [{ volume: 0, disk: "Diskless" }], peers: [{ name: "<peer>", volumes: [{ volume: 0, peerDisk: "UpToDate" }] }] });
    expect(read("drbd9-docs-r0-initial-inconsistent.txt")[0]).toMatchObject({ name: "r0", peers: [{ name: "bob", volumes: [{ peerDisk: "Inconsistent" }] }] });
  });

  it("reads several resources", () => {
    const two = `${fixture("drbdadm-status", "drbd9-crowbar-uptodate-after-sync.txt")}\n${fixture("drbdadm-status", "drbd9-pcmk-cfs-primary-forced-peer-inconsistent.txt")}`;
    expect(valueOf(parseDrbdadmStatus(two)).resources.map((r) => r.name)).toEqual(["postgresql", "wwwdata"]);
  });

  const sample = fixture("drbdadm-status", "drbd9-crowbar-synctarget-done.txt");
  it.each([
    ["letters for numbers", sample.replace("done:0.08", "done:O.08"), /done is not a number/],
    ["bad indentation", sample.replace("    replication", "      replication"), /unexpected line/],
    ["a word without a colon", sample.replace("peer-disk:UpToDate", "peer-disk UpToDate"), /expected key:value/],
  ])("reads the resource and names the unread line: %s", (_name, input, reason) => {
    const value = valueOf(parseDrbdadmStatus(input));
    expect(value.resources.map((r) => r.name)).toEqual(["postgresql"]);
    expect(value.unread).toEqual([expect.objectContaining({ reason: expect.stringMatching(reason) })]);
  });

  it("answers hostile input in linear time", () => {
    expect(slowestParse(parseDrbdadmStatus, sample).ms).toBeLessThan(2_000);
  });

  it.each([
    ...garbage("drbdadm"),
    ["truncated after the resource line", "postgresql role:Secondary\n"],
    ["no such resource", "'r9' not defined in your config (for this host).\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseDrbdadmStatus(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
