import { describe, expect, it } from "vitest";
import { ipvsadmConnsProbe, parseIpvsadmConns, stickyClientsByServer } from "@/lib/probes/ipvsadm-conns";
import { slowestParse } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("ipvsadm-conns", () => {
  it("runs ipvsadm -Lnc", () => {
    expect(ipvsadmConnsProbe.command()).toBe("ipvsadm -Lnc");
  });

  it("reads established connections with three-digit minutes", () => {
    const { entries } = valueOf(parseIpvsadmConns(fixture("ipvsadm", "Lnc-ipvsadm-1.27-established-TRUNCATED-keepalived-issue1138.txt")));
    expect(entries).toHaveLength(12);
    expect(entries[0]).toEqual({
      protocol: "TCP",
      expiresInSeconds: 133 * 60 + 35,
      state: "ESTABLISHED",
      source: "10.142.81.39",
      sourcePort: 49715,
      virtual: "10.40.25.43",
      virtualPort: 18000,
      destination: "10.40.25.16",
      destinationPort: 18000,
      isTemplate: false,
    });
    expect(entries[9]?.expiresInSeconds).toBe(97 * 60);
    expect(stickyClientsByServer({ entries })).toEqual([]);
  });

  it("recognises persistence templates (state NONE, source port 0)", () => {
    const value = valueOf(parseIpvsadmConns(fixture("ipvsadm", "Lnc-persistence-template-NONE-finwait-UNATTRIBUTED-id26405631432.txt")));
    expect(value.entries).toHaveLength(4);
    expect(value.entries[0]).toMatchObject({ state: "NONE", source: "192.168.175.30", sourcePort: 0, expiresInSeconds: 296, isTemplate: true });
    expect(value.entries.slice(1).every((e) => e.state === "FIN_WAIT" && !e.isTemplate && e.expiresInSeconds === 115)).toBe(true);
    expect(stickyClientsByServer(value)).toEqual([
      { destination: "192.168.175.102", clients: 1, templates: 1, longestExpiresInSeconds: 296 },
    ]);

    const other = valueOf(parseIpvsadmConns(fixture("ipvsadm", "Lnc-template-NONE-UNATTRIBUTED-id15994269838.txt")));
    expect(stickyClientsByServer(other)).toEqual([
      { destination: "122.225.32.136", clients: 1, templates: 1, longestExpiresInSeconds: 57 },
    ]);
  });

  it("summarises sticky clients per real server with the longest expiry", () => {
    const text = `IPVS connection entries
pro expire state       source             virtual            destination
TCP 04:56  NONE        10.1.0.1:0         192.168.10.5:80    192.168.10.11:80
TCP 02:10  NONE        10.1.0.2:0         192.168.10.5:80    192.168.10.11:80
TCP 01:00  NONE        10.1.0.2:0         192.168.10.5:443   192.168.10.11:443
TCP 14:59  ESTABLISHED 10.1.0.2:51000     192.168.10.5:80    192.168.10.11:80
TCP 03:33  NONE        10.1.0.3:0         192.168.10.5:80    192.168.10.21:80
TCP 00:59  NONE        [2001:db8::9]:0    [2001:db8::5]:80   [2001:db8::21]:80
`;
    expect(stickyClientsByServer(valueOf(parseIpvsadmConns(text)))).toEqual([
      { destination: "192.168.10.11", clients: 2, templates: 3, longestExpiresInSeconds: 296 },
      { destination: "192.168.10.21", clients: 1, templates: 1, longestExpiresInSeconds: 213 },
      { destination: "2001:db8::21", clients: 1, templates: 1, longestExpiresInSeconds: 59 },
    ]);
  });

  it("reads an empty connection table", () => {
    const empty = "IPVS connection entries\npro expire state       source             virtual            destination\n";
    expect(valueOf(parseIpvsadmConns(empty))).toEqual({ entries: [], unread: [] });
  });

  const sample = fixture("ipvsadm", "Lnc-persistence-template-NONE-finwait-UNATTRIBUTED-id26405631432.txt");
  it.each([
    ["letters for numbers", sample.replace("04:56", "O4:56"), /expiry is not mm:ss/],
    ["a truncated entry", sample.replace(/192\.168\.175\.102:80\n$/, "192.168.1"), /not a connection entry|not a numeric address/],
    ["seconds over 59", sample.replace("04:56", "04:76"), /expiry is not mm:ss/],
  ])("keeps the other entries and names the unread one: %s", (_name, input, reason) => {
    const whole = valueOf(parseIpvsadmConns(sample)).entries.length;
    const value = valueOf(parseIpvsadmConns(input));
    expect(value.entries).toHaveLength(whole - 1);
    expect(value.unread).toEqual([expect.objectContaining({ reason: expect.stringMatching(reason) })]);
  });

  it("answers hostile input in linear time", () => {
    expect(slowestParse(parseIpvsadmConns, sample).ms).toBeLessThan(2_000);
  });

  it.each([
    ...garbage("ipvsadm"),
    ["title only", "IPVS connection entries\n"],
    ["truncated header", "IPVS connection entries\npro expire sta"],
    ["list table instead", fixture("ipvsadm", "Ln-keepalived-2.1.5-weight-bug-issue1757.txt")],
  ])("refuses %s", (_name, input) => {
    expect(parseIpvsadmConns(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
