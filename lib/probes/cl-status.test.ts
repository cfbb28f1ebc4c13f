import { describe, expect, it } from "vitest";
import { clStatusProbe, parseHbStatus, parseListNodes, parseNodeStatus } from "@/lib/probes/cl-status";
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
    });
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
    ...garbage("cl_status"),
    ["letters for numbers", sample.replace("instance 12", "instance twelve")],
    ["truncated first line", "version:"],
    ["truncated node line", "version:\t3.0.6\nmanaged by:\tpacemaker\t(respawn)\nbob\tactive\t(nodetype:"],
    ["signon error", "cl_status[1234]: 2024/01/01_00:00:00 ERROR: Cannot signon with heartbeat\n"],
    ["stopped with extra text", "Heartbeat is stopped on this machine.\nsomething\nelse\n"],
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
