import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LvsTable } from "../model/lvs";
import type { Forward, LvsStats } from "../model/lvs";
import { largenum, listConnections, listTable } from "./ipvsadm-format";

const fixture = (name: string): string => fs.readFileSync(path.join(import.meta.dirname, "..", "__fixtures__", name), "utf8");
const stripTrailing = (s: string): string => s.replace(/[ ]+$/gm, "");

function table(services: { vip: string; sched: string; dests: { addr: string; fwd?: Forward; weight?: number; stats?: LvsStats }[]; stats?: LvsStats }[]): LvsTable {
  const t = new LvsTable();
  for (const s of services) {
    const [address, port] = s.vip.split(":") as [string, string];
    t.addService({ protocol: "TCP", address, port: Number(port), scheduler: s.sched, persistent: 0 });
    const svc = t.services[t.services.length - 1];
    if (svc && s.stats) svc.stats = s.stats;
    for (const d of s.dests) {
      const [da, dp] = d.addr.split(":") as [string, string];
      t.addDest("TCP", address, Number(port), { address: da, port: Number(dp), forward: d.fwd ?? "Route", weight: d.weight ?? 1 });
      const dest = svc?.dests[svc.dests.length - 1];
      if (dest && d.stats) dest.stats = d.stats;
    }
  }
  return t;
}

const st = (conns: number, inpkts: number, outpkts: number, inbytes: number, outbytes: number): LvsStats => ({ conns, inpkts, outpkts, inbytes, outbytes });

function conn(t: LvsTable, now: number, c: { src: string; vip: string; dst: string; state: "ESTABLISHED" | "FIN_WAIT" | "NONE"; left: number }): void {
  const [ca, cp] = c.src.split(":") as [string, string];
  const [va, vp] = c.vip.split(":") as [string, string];
  const [da, dp] = c.dst.split(":") as [string, string];
  t.conns.push({ protocol: "TCP", clientAddress: ca, clientPort: Number(cp), vip: va, vport: Number(vp), destAddress: da, destPort: Number(dp), state: c.state, expires: now + c.left * 1000 + 500, template: c.state === "NONE" });
}

describe("ipvsadm output matches real captures", () => {
  it("-L -n (ldirectord, wrr, direct routing); the capture lost some trailing spaces", () => {
    const t = table([{ vip: "172.18.56.100:80", sched: "wrr", dests: [{ addr: "172.18.56.50:80" }, { addr: "172.18.56.51:80" }] }]);
    const now = 1_000_000;
    for (let i = 0; i < 2; i++) conn(t, now, { src: `10.0.0.${i}:1000`, vip: "172.18.56.100:80", dst: "172.18.56.50:80", state: "FIN_WAIT", left: 60 });
    for (let i = 0; i < 3; i++) conn(t, now, { src: `10.0.1.${i}:1000`, vip: "172.18.56.100:80", dst: "172.18.56.51:80", state: "FIN_WAIT", left: 60 });
    const out = listTable(t, now);
    expect(stripTrailing(out)).toBe(stripTrailing(fixture("L-n-ldirectord-wrr-DR-UNATTRIBUTED-id36904319448.txt")));
    // the complete line of the capture keeps ipvsadm's %-10u padding
    expect(out.split("\n")[4]).toBe(fixture("L-n-ldirectord-wrr-DR-UNATTRIBUTED-id36904319448.txt").split("\n")[4]);
  });

  it("-L -n --stats", () => {
    const t = table([
      {
        vip: "192.168.1.100:80",
        sched: "rr",
        stats: st(29, 203, 145, 13021, 14877),
        dests: [
          { addr: "172.17.0.2:80", fwd: "Masq", stats: st(12, 84, 60, 5388, 6156) },
          { addr: "172.17.0.3:80", fwd: "Masq", stats: st(17, 119, 85, 7633, 8721) },
        ],
      },
    ]);
    expect(listTable(t, 0, { stats: true })).toBe(fixture("Ln-stats-UNATTRIBUTED-id4505307772.txt"));
  });

  it("-L -n --rate", () => {
    const t = table([{ vip: "192.168.1.100:80", sched: "rr", dests: [{ addr: "172.17.0.2:80" }, { addr: "172.17.0.3:80" }] }]);
    const [svc] = t.services;
    if (!svc) throw new Error("no service");
    svc.rates = { cps: 0, inpps: 1, outpps: 0, inbps: 33, outbps: 38 };
    const [a, b] = svc.dests;
    if (a) a.rates = { cps: 0, inpps: 0, outpps: 0, inbps: 6, outbps: 7 };
    if (b) b.rates = { cps: 0, inpps: 0, outpps: 0, inbps: 27, outbps: 30 };
    expect(listTable(t, 0, { rate: true })).toBe(fixture("Ln-rate-UNATTRIBUTED-id4505307772.txt"));
  });

  it("--list --stats --numeric --exact with two services", () => {
    const t = table([
      { vip: "172.16.1.56:80", sched: "wlc", stats: st(116, 582893, 578642, 45293116, 826814146), dests: [{ addr: "10.68.15.66:80", stats: st(116, 582893, 578642, 45293116, 826814146) }] },
      { vip: "172.16.1.56:443", sched: "wlc", stats: st(59, 469, 469, 57558, 216873), dests: [{ addr: "10.68.15.66:443", stats: st(59, 469, 469, 57558, 216873) }] },
    ]);
    expect(listTable(t, 0, { stats: true, exact: true })).toBe(fixture("diamond-stats-exact.txt"));
  });

  it("-L -n -c with a persistence template and FIN_WAIT entries", () => {
    const t = new LvsTable();
    const now = 5_000_000;
    const vip = "192.168.175.100:80";
    const dst = "192.168.175.102:80";
    conn(t, now, { src: "192.168.175.30:0", vip, dst, state: "NONE", left: 4 * 60 + 56 });
    for (const port of [41724, 41734, 41720]) conn(t, now, { src: `192.168.175.30:${port}`, vip, dst, state: "FIN_WAIT", left: 115 });
    expect(listConnections(t, now)).toBe(fixture("Lnc-persistence-template-NONE-finwait-UNATTRIBUTED-id26405631432.txt"));
  });

  it("-L -n -c with long expiries (3-digit minutes)", () => {
    const lines = fixture("Lnc-ipvsadm-1.27-established-TRUNCATED-keepalived-issue1138.txt").trimEnd().split("\n").slice(2);
    const t = new LvsTable();
    const now = 9_000_000;
    for (const line of lines) {
      const [, expire, , src, vip, dst] = line.split(/\s+/) as [string, string, string, string, string, string];
      const [m, s] = expire.split(":").map(Number) as [number, number];
      conn(t, now, { src, vip, dst, state: "ESTABLISHED", left: m * 60 + s });
    }
    expect(listConnections(t, now)).toBe(fixture("Lnc-ipvsadm-1.27-established-TRUNCATED-keepalived-issue1138.txt"));
  });

  it("abbreviates large counters unless --exact", () => {
    expect(largenum(99_999_999, false)).toBe(" 99999999");
    expect(largenum(826_814_146, false)).toBe("  826814K");
    expect(largenum(826_814_146, true)).toBe(" 826814146");
    expect(largenum(123_456_789_012, false)).toBe("     123G");
  });
});
