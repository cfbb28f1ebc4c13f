import { describe, expect, it } from "vitest";
import { LvsError, LvsTable } from "./lvs";
import type { LvsService } from "./lvs";

function setup(persistent = 300): { t: LvsTable; svc: LvsService } {
  const t = new LvsTable();
  t.addService({ protocol: "TCP", address: "203.0.113.10", port: 80, scheduler: "wlc", persistent });
  t.addDest("TCP", "203.0.113.10", 80, { address: "192.168.10.11", port: 80, forward: "Route", weight: 1 });
  t.addDest("TCP", "203.0.113.10", 80, { address: "192.168.10.21", port: 80, forward: "Route", weight: 1 });
  const svc = t.services[0];
  if (!svc) throw new Error("no service");
  return { t, svc };
}

describe("LVS wlc scheduling", () => {
  it("sends a new client to the real server with the lowest (active*256+inactive)/weight", () => {
    const { t, svc } = setup(0);
    const now = 1000;
    const first = t.schedule(svc, "198.51.100.1", now);
    expect(first?.address).toBe("192.168.10.11");
    if (first) t.openConn(svc, first, "198.51.100.1", 40000, now);
    expect(t.schedule(svc, "198.51.100.2", now)?.address).toBe("192.168.10.21");
  });

  it("weighs by weight and never picks a weight-0 server for a new client", () => {
    const { t, svc } = setup(0);
    t.editDest("TCP", "203.0.113.10", 80, { address: "192.168.10.11", port: 80, weight: 3 });
    const now = 1000;
    const picks: string[] = [];
    for (let i = 0; i < 8; i++) {
      const d = t.schedule(svc, `198.51.100.${i}`, now);
      if (!d) throw new Error("nothing scheduled");
      t.openConn(svc, d, `198.51.100.${i}`, 40000 + i, now);
      picks.push(d.address);
    }
    expect(picks.filter((p) => p === "192.168.10.11")).toHaveLength(6);
    t.editDest("TCP", "203.0.113.10", 80, { address: "192.168.10.21", port: 80, weight: 0 });
    expect(t.schedule(svc, "198.51.100.99", now)?.address).toBe("192.168.10.11");
    t.editDest("TCP", "203.0.113.10", 80, { address: "192.168.10.11", port: 80, weight: 0 });
    expect(t.schedule(svc, "198.51.100.100", now)).toBeNull();
  });
});

describe("LVS persistence templates", () => {
  it("pins a client to its real server, even after that server is drained to weight 0", () => {
    const { t, svc } = setup(300);
    const now = 10_000;
    const d = t.schedule(svc, "198.51.100.7", now);
    expect(d?.address).toBe("192.168.10.11");
    t.editDest("TCP", "203.0.113.10", 80, { address: "192.168.10.11", port: 80, weight: 0 });
    expect(t.schedule(svc, "198.51.100.7", now + 60_000)?.address).toBe("192.168.10.11");
    expect(t.schedule(svc, "198.51.100.8", now + 60_000)?.address).toBe("192.168.10.21");
    const tpl = t.conns.find((c) => c.template && c.clientAddress === "198.51.100.7");
    expect(tpl).toMatchObject({ state: "NONE", clientPort: 0, expires: now + 60_000 + 300_000 });
  });

  it("lets a template expire, then schedules the client afresh", () => {
    const { t, svc } = setup(300);
    t.schedule(svc, "198.51.100.7", 0);
    t.editDest("TCP", "203.0.113.10", 80, { address: "192.168.10.11", port: 80, weight: 0 });
    t.sweep(300_001);
    expect(t.conns).toHaveLength(0);
    expect(t.schedule(svc, "198.51.100.7", 300_001)?.address).toBe("192.168.10.21");
  });

  it("keeps a template alive while a connection it controls lives", () => {
    const { t, svc } = setup(300);
    const d = t.schedule(svc, "198.51.100.7", 0);
    if (!d) throw new Error("nothing scheduled");
    t.openConn(svc, d, "198.51.100.7", 41000, 0);
    t.sweep(300_001);
    expect(t.conns.filter((c) => c.template)).toHaveLength(1);
  });

  it("drops the templates of a deleted real server", () => {
    const { t, svc } = setup(300);
    t.schedule(svc, "198.51.100.7", 0);
    t.deleteDest("TCP", "203.0.113.10", 80, "192.168.10.11", 80);
    expect(t.schedule(svc, "198.51.100.7", 1)?.address).toBe("192.168.10.21");
  });

  it("counts ESTABLISHED as active and the rest as inactive; templates separately", () => {
    const { t, svc } = setup(300);
    const d = t.schedule(svc, "198.51.100.7", 0);
    if (!d) throw new Error("nothing scheduled");
    t.openConn(svc, d, "198.51.100.7", 41000, 0);
    const c2 = t.openConn(svc, d, "198.51.100.7", 41001, 0);
    t.setState(c2, "FIN_WAIT", 0);
    expect(t.activeInactive(d, svc, 1)).toEqual({ active: 1, inactive: 1, persistent: 1 });
    expect(t.activeInactive(d, svc, 120_001)).toEqual({ active: 1, inactive: 0, persistent: 1 });
  });

  it("reports real ipvsadm errors", () => {
    const { t } = setup();
    expect(() => t.addService({ protocol: "TCP", address: "203.0.113.10", port: 80, scheduler: "wlc", persistent: 0 })).toThrow(new LvsError("Service already exists"));
    expect(() => t.editDest("TCP", "203.0.113.99", 80, { address: "192.168.10.11", port: 80, weight: 0 })).toThrow("Service not defined");
    expect(() => t.editDest("TCP", "203.0.113.10", 80, { address: "192.168.10.99", port: 80, weight: 0 })).toThrow("No such destination");
  });
});
