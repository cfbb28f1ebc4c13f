import { describe, expect, it } from "vitest";
import { clStatusProbe, parseHbStatus, parseListNodes, parseNodeStatus } from "@/lib/probes/cl-status";
import { slowestParse } from "@/lib/probes/hostile";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("cl-status", () => {
  it("runs cl_status hbstatus -v", () => {
    expect(clStatusProbe.command()).toBe("cl_status hbstatus -v");
  });

  it("reads the man page's hbstatus -v example", () => {
    expect(valueOf(parseHbStatus(fixture("heartbeat", "cl_status-hbstatus-v-manpage-example-3.0.6.txt")))).toEqual({
      state: "running",
      reason: null,
      version: "3.0.6 (10e3f2130ea1)",
      managedBy: "pacemaker",
      membership: {
        quorum: true,
        evicted: false,
        instance: 12,
        members: [
          { id: 1, name: "bob", bornOn: 6 },
          { id: 0, name: "alice", bornOn: 12 },
        ],
        localIsMember: true,
      },
      nodes: [
        { name: "bob", status: "active", type: "normal", links: [{ name: "eth1", status: "dead" }, { name: "eth0", status: "up" }] },
        { name: "alice", status: "active", type: "normal", links: [{ name: "eth1", status: "dead" }, { name: "eth0", status: "up" }] },
        { name: "10.43.9.55", status: "ping", type: "ping", links: [{ name: "10.43.9.55", status: "up" }] },
      ],
      unread: [],
    });
  });

  // Captured from Debian 12's heartbeat 3.0.6 in two network namespaces (lbx1, lbx2; see SOURCES.md).
  const captured = (name: string) => valueOf(parseHbStatus(fixture("heartbeat", `cl_status-hbstatus-v-3.0.6-CAPTURED-${name}.txt`)));
  it("reads the real -v output: details only, tab-separated, each node's own link always dead (ucast)", () => {
    expect(captured("both-active")).toEqual({
      state: "running",
      reason: null,
      version: "3.0.6 (node: 958e11be8686759f1b99204c17812f2c2633b169)",
      managedBy: "haresources",
      membership: null,
      nodes: [
        { name: "lbx2", status: "active", type: "normal", links: [{ name: "eth0", status: "dead" }] },
        { name: "lbx1", status: "active", type: "normal", links: [{ name: "eth0", status: "up" }] },
      ],
      unread: [],
    });
    expect(captured("peer-stopped").nodes?.map((n) => [n.name, n.status])).toEqual([["lbx2", "active"], ["lbx1", "dead"]]);
    expect(captured("peer-crashed").nodes?.map((n) => [n.name, n.status])).toEqual([["lbx2", "dead"], ["lbx1", "active"]]);
    expect(captured("running-peer-not-started").nodes?.map((n) => [n.name, n.status])).toEqual([["lbx2", "dead"], ["lbx1", "active"]]);
  });

  it("reads a stopped and a crashed heartbeat as stopped, with the sign-on error", () => {
    for (const name of ["stopped-exit1", "crashed-exit1"]) {
      expect(captured(name)).toEqual({
        state: "stopped",
        reason: "hb_api_signon: Can't initiate connection to heartbeat",
        version: null,
        managedBy: null,
        membership: null,
        nodes: null,
        unread: [],
      });
    }
  });

  it("reads the tab-separated form cl_status prints, with haresources and a dead peer", () => {
    const text = 'version:\t2.1.4\nmanaged by:\t"haresources"\n\nlb1\tactive\t(nodetype: normal)\n\teth1\tup\n\nlb2\tdead\t(nodetype: normal)\n\teth1\tdead\n';
    expect(valueOf(parseHbStatus(text))).toMatchObject({
      state: "running",
      managedBy: "haresources",
      membership: null,
      nodes: [
        { name: "lb1", status: "active", links: [{ name: "eth1", status: "up" }] },
        { name: "lb2", status: "dead", links: [{ name: "eth1", status: "dead" }] },
      ],
    });
  });

  it("reads the one-line answers", () => {
    expect(valueOf(parseHbStatus("Heartbeat is running on this machine.\n"))).toMatchObject({ state: "running", nodes: null });
    expect(valueOf(parseHbStatus("Heartbeat is stopped on this machine.\n"))).toMatchObject({ state: "stopped", nodes: null });
    expect(valueOf(parseHbStatus("Heartbeat is apparently running on this machine, but refuses my connection\n(IPC connection refused)\n"))).toMatchObject({
      state: "refusing",
      reason: "IPC connection refused",
    });
  });

  it("reads listnodes and nodestatus", () => {
    expect(valueOf(parseListNodes("lb1\nlb2\n10.43.9.55\n"))).toEqual(["lb1", "lb2", "10.43.9.55"]);
    expect(valueOf(parseNodeStatus("dead\n"))).toBe("dead");
    expect(parseNodeStatus("Error. May be due to incorrect node name\n")).toMatchObject({ ok: false });
  });

  const sample = fixture("heartbeat", "cl_status-hbstatus-v-manpage-example-3.0.6.txt");
  it.each([
    ["letters for numbers", sample.replace("instance 12", "instance twelve"), "ccm instance is not a whole number", sample.split("\n").findIndex((l) => l.includes("instance 12")) + 1],
    ["a truncated node line", "version:\t3.0.6\nmanaged by:\tpacemaker\t(respawn)\nbob\tactive\t(nodetype:", "not a line of cl_status hbstatus -v", 3],
    ["an unknown line among the nodes", `${sample}\nsomething new\n`, "not a line of cl_status hbstatus -v", sample.split("\n").length + 1],
    ["text after the stopped line", "Heartbeat is stopped on this machine.\nsomething\n", 'unexpected after "Heartbeat is stopped on this machine."', 2],
  ])("reads the rest and names the unread line: %s", (_name, input, reason, line) => {
    const value = valueOf(parseHbStatus(input));
    expect(value.unread).toEqual([expect.objectContaining({ line, reason: expect.stringContaining(reason) })]);
  });

  it("answers hostile input in linear time", () => {
    expect(slowestParse(parseHbStatus, sample).ms).toBeLessThan(2_000);
  });

  it.each([
    ...garbage("cl_status"),
    ["truncated first line", "version:"],
    ["signon error", "cl_status[1234]: 2024/01/01_00:00:00 ERROR: Cannot signon with heartbeat\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseHbStatus(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});

describe("cl_status hbstatus -v with its status line, under haresources", () => {
  it("reads the status line, the manager and each node with its links", () => {
    const text = "Heartbeat is running on this machine.\nversion:\t3.0.6 (10e3f2130ea1)\nmanaged by:\tharesources\n\nlb1\tactive\t(nodetype: normal)\n\teth1\tup\n\nlb2\tdead\t(nodetype: normal)\n\teth1\tdead\n";
    const result = parseHbStatus(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ state: "running", version: "3.0.6 (10e3f2130ea1)", managedBy: "haresources" });
    expect(result.value.nodes?.map((n) => [n.name, n.status, n.links.map((l) => l.status)])).toEqual([
      ["lb1", "active", ["up"]],
      ["lb2", "dead", ["dead"]],
    ]);
  });
});
