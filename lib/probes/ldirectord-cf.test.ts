import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ldirectordCfProbe, parseLdirectordConfig } from "@/lib/probes/ldirectord-cf";
import { hostileLines, slowestOf, slowestParse } from "@/lib/probes/hostile";
import { MAX_LINE } from "@/lib/probes/partial";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const CASES = path.join(import.meta.dirname, "__fixtures__/ldirectord/cases");
const readCase = (name: string) => valueOf(parseLdirectordConfig(fs.readFileSync(path.join(CASES, `${name}.cf`), "utf8")));

/** `ldirectord <file> status` (ldirectord 4.12, Debian 12) on every case: exit 3 = read and stopped, 2 = refused. */
function verdicts(): { file: string; accepted: boolean; line: number | null; message: string }[] {
  return fixture("ldirectord", "ldirectord-4.12-status-verdicts.tsv")
    .trim()
    .split("\n")
    .map((row) => {
      const [file = "", rc = "", line = "", message = ""] = row.split("\t");
      return { file, accepted: rc === "3", line: line === "-" ? null : Number(line), message };
    });
}

describe("ldirectord-cf", () => {
  it("reads the configured file", () => {
    expect(ldirectordCfProbe.command({ path: "/etc/ha.d/ldirectord.cf" })).toBe("/usr/bin/cat /etc/ha.d/ldirectord.cf");
  });

  it("reads the upstream sample: globals, the one uncommented virtual service, ldirectord's defaults", () => {
    const value = valueOf(parseLdirectordConfig(fixture("ldirectord", "ldirectord.cf-upstream-sample.txt")));
    expect(value).toMatchObject({
      global: { checktimeout: "3", checkinterval: "1", autoreload: "yes", quiescent: "no" },
      quiescent: false,
      autoreload: true,
      checkinterval: 1,
      checktimeout: 3,
      fallback: null,
      refusedAt: null,
      unread: [],
    });
    expect(value.virtuals).toHaveLength(1);
    expect(value.virtuals[0]).toMatchObject({
      virtual: "192.168.6.240:80",
      address: "192.168.6.240",
      port: 80,
      fwmark: null,
      protocol: "tcp",
      scheduler: "rr",
      persistent: null,
      checktype: "negotiate",
      checkport: 80,
      service: "http",
      request: "/index.html",
      receive: "Test Page",
      quiescent: null,
      fallback: "127.0.0.1:80 gate",
    });
    expect(value.virtuals[0]?.options).toMatchObject({ servicename: "Web Site", virtualhost: "www.x.y.z" });
    expect(value.virtuals[0]?.reals.map((r) => [r.address, r.port, r.method, r.weight, r.weightDefault])).toEqual([
      ["192.168.6.2", 80, "gate", 1, true],
      ["192.168.6.3", 80, "gate", 1, true],
      ["192.168.6.6", 80, "gate", 1, true],
    ]);
  });

  it("reads both virtual services of a two-port Moodle site with their weights", () => {
    const value = readCase("ok-moodle");
    expect(value.refusedAt).toBeNull();
    expect(value.virtuals.map((v) => [v.virtual, v.port, v.scheduler, v.persistent, v.reals.map((r) => `${r.address}:${r.port} ${r.weight}`)])).toEqual([
      ["203.0.113.10:80", 80, "wlc", 300, ["192.168.10.11:80 100", "192.168.10.21:80 100"]],
      ["203.0.113.10:443", 443, "wrr", 300, ["192.168.10.11:443 100", "192.168.10.21:443 50"]],
    ]);
    expect(value.virtuals[0]?.request).toBe("/login/index.php");
  });

  // The three cases, as ldirectord 4.12 reads them.
  it("accepts an inline comment after real= (ldirectord drops it)", () => {
    const value = readCase("inline-comment-real");
    expect(value.refusedAt).toBeNull();
    expect(value.virtuals[0]?.reals.map((r) => [r.address, r.weight])).toEqual([["192.168.10.11", 100], ["192.168.10.21", 100]]);
  });

  it("resolves a service name to its port (virtual=VIP:http is port 80)", () => {
    const value = readCase("service-name-port");
    expect(value.virtuals[0]).toMatchObject({ virtual: "203.0.113.10:http", address: "203.0.113.10", port: 80, service: "http" });
    expect(value.virtuals[0]?.reals.map((r) => [r.port, r.method, r.weight])).toEqual([[80, "gate", 5], [80, "masq", 1]]);
  });

  it.each([
    ["blank-line-in-block", 4, "Unknown command"],
    ["two-space-indent", 2, "Unknown command"],
  ])("says ldirectord refuses the file: %s (line %i)", (name, line, reason) => {
    const value = readCase(name);
    expect(value.refusedAt).toMatchObject({ line, reason: expect.stringContaining(reason) });
    expect(value.virtuals[0]?.reals.map((r) => r.address)).toEqual(["192.168.10.11"].slice(0, name === "two-space-indent" ? 0 : 1));
  });

  it("agrees with ldirectord 4.12 on every recorded case: accepted, or refused at the same line", () => {
    const checked = verdicts().filter((v) => v.file !== "unknown-port-name.cf" && v.file !== "real-unknown-port-name.cf");
    expect(checked.length).toBeGreaterThan(25);
    for (const v of checked) {
      const value = readCase(v.file.replace(/\.cf$/, ""));
      if (v.accepted) expect(value.refusedAt, v.file).toBeNull();
      else expect(value.refusedAt?.line, `${v.file}: ${v.message}`).toBe(v.line);
    }
  });

  // lb-lab's run of the same kind: ldirectord.cf-4.12-case-*.txt and the stderr of each refused one (SOURCES.md there)
  it("agrees with ldirectord 4.12 on the lab's recorded cases, CRLF line ends and a # in a quoted value included", () => {
    const dir = path.join(import.meta.dirname, "__fixtures__/ldirectord");
    const cases = fs.readdirSync(dir).filter((f) => f.startsWith("ldirectord.cf-4.12-case-"));
    expect(cases.length).toBeGreaterThan(20);
    for (const file of cases) {
      const letter = /case-([A-Z]\d?)-/.exec(file)?.[1] ?? "";
      const stderr = fs.readdirSync(dir).find((f) => f.startsWith(`ldirectord-4.12-status-CAPTURED-case-${letter}-`));
      const value = valueOf(parseLdirectordConfig(fs.readFileSync(path.join(dir, file), "utf8")));
      const line = stderr ? Number(/at line (\d+):/.exec(fs.readFileSync(path.join(dir, stderr), "utf8"))?.[1]) : null;
      expect(value.refusedAt?.line ?? null, file).toBe(line);
    }
  });

  it("names a service name it does not know instead of guessing (ldirectord asks the host's /etc/services)", () => {
    const virtual = readCase("unknown-port-name");
    expect(virtual.virtuals[0]).toMatchObject({ port: null });
    expect(virtual.unread).toEqual([expect.objectContaining({ line: 1, reason: 'port "nosuchservice" is not a service name the console knows' })]);
    expect(readCase("real-unknown-port-name").unread).toEqual([expect.objectContaining({ line: 2 })]);
  });

  it("reads ldirectord's quirks as it does: a weight after the strings, digits in letters, a virtual without a port", () => {
    expect(readCase("weight-after-strings").virtuals[0]?.reals[0]).toMatchObject({ weight: 5, request: null, receive: null });
    expect(readCase("persistent-letters").virtuals[0]?.persistent).toBe(3);
    expect(readCase("real-without-weight").virtuals[0]?.reals.map((r) => [r.method, r.weight, r.weightDefault, r.request, r.receive])).toEqual([
      ["gate", 1, true, null, null],
      ["ipip", 1, true, "/x", "y"],
    ]);
    expect(readCase("fwmark-and-ipless").virtuals.map((v) => [v.fwmark, v.protocol, v.address])).toEqual([
      [1, "fwm", null],
      [203, "fwm", null],
    ]);
    expect(readCase("range-real").virtuals[0]?.reals[0]).toMatchObject({ address: "192.168.10.11", rangeEnd: "192.168.10.13", port: 80, weight: 2 });
    expect(readCase("virtual6").virtuals[0]).toMatchObject({ address: "2001:db8::5", port: 80, ipv6: true, reals: [{ address: "2001:db8::11", method: "ipip", weight: 2, ipv6: true }] });
  });

  it("never keeps a password: passwd and secret are shown as set", () => {
    const value = readCase("passwd");
    expect(value.virtuals[0]?.options).toMatchObject({ login: '"monitor"', passwd: "(set)", database: '"ldirectord"' });
    expect(JSON.stringify(value)).not.toContain("s3cret");
  });

  it("reads ClusterDeck's drain mark in a real server's comment", () => {
    expect(readCase("drained-mark").virtuals[0]?.reals.map((r) => [r.address, r.weight, r.drainedFrom])).toEqual([
      ["192.168.10.11", 0, 100],
      ["192.168.10.21", 0, "default"],
    ]);
  });

  it("keeps each real server's line, for the drain to say what it can edit", () => {
    expect(readCase("commented-lines-in-block").virtuals[0]?.reals.map((r) => r.source)).toEqual([{ line: 3, text: "\treal=192.168.10.11:80 gate 2" }]);
  });

  it("answers hostile input in linear time", () => {
    const slowest = slowestParse(parseLdirectordConfig, fs.readFileSync(path.join(CASES, "ok-moodle.cf"), "utf8"));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });

  // Issue 10, hole 2: one 256 KiB line took 28.7 s to parse, on every poll. Budgets against blow-up, not benchmarks.
  it("reads a file with one 256 KiB line quickly, and names the line it could not read", () => {
    const head = "checktimeout=3\nvirtual=203.0.113.10:80\n\treal=192.168.10.11:80 gate 2\n";
    for (const long of [`\treal=192.168.10.21:80 gate${" ".repeat(256 * 1024)}x`, `quiescent=${" ".repeat(256 * 1024)}x`]) {
      const started = performance.now();
      const value = valueOf(parseLdirectordConfig(`${head}${long}\n`));
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(value.refusedAt).toMatchObject({ line: 4, reason: expect.stringContaining("too long"), text: long.slice(0, 200) });
      expect(value.virtuals[0]?.reals.map((r) => r.address)).toEqual(["192.168.10.11"]);
    }
  });

  it("reads a megabyte of hostile lines (within the line cap) in linear time, in and out of a block", () => {
    const head = "virtual=203.0.113.10:80\n";
    const inputs = [
      ...hostileLines(
        ["\treal=192.168.10.11:80 gate", "\treal=192.168.10.11:80 gate 1 ", '\treal=192.168.10.11:80 gate 1 "a"', "\treal=192.168.10.11:80 gate 0 #clusterdeck-drained-weight=1", '\trequest="', "\tchecktype"],
        head,
      ),
      ...hostileLines(["checkinterval", "virtual="]),
    ];
    const slowest = slowestOf(parseLdirectordConfig, inputs);
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });

  it("drops a comment inside a block whole, a carriage return in it included (Perl's `.` matches one)", () => {
    const value = valueOf(parseLdirectordConfig("virtual=203.0.113.10:80\n\treal=192.168.10.11:80 gate 2 # rack 3\rcold aisle\n"));
    expect(value.refusedAt).toBeNull();
    expect(value.virtuals[0]?.reals.map((r) => [r.address, r.weight])).toEqual([["192.168.10.11", 2]]);
  });

  it("a line over the cap is refused with its start, never matched: the rest of the file is still read", () => {
    const long = `\treal=192.168.10.99:80 gate ${"9".repeat(MAX_LINE)}`;
    const value = valueOf(parseLdirectordConfig(`virtual=203.0.113.10:80\n\treal=192.168.10.11:80 gate 2\n${long}\n\treal=192.168.10.21:80 gate 3\n`));
    expect(value.refusedAt).toMatchObject({ line: 3, text: long.slice(0, 200) });
    expect(value.virtuals[0]?.reals.map((r) => [r.address, r.weight])).toEqual([["192.168.10.11", 2]]);
  });

  it.each([
    ...garbage("cat"),
    ["no such file", "cat: /etc/ha.d/ldirectord.cf: No such file or directory\n"],
    ["an indented directive alone", "\treal=192.168.10.11:80 gate\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseLdirectordConfig(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});
