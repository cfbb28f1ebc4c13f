import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseLdirectordConfig } from "@/lib/probes/ldirectord-cf";
import { valueOf } from "@/lib/probes/test-support";
import { drainScripts, plannedEdits, undrainScripts } from "@/lib/workflows/ldirectord-edit";

// The scripts run through the real GNU sed, as on a balancer (the conformance suite adds sudo and ldirectord).
const CASES = path.join(import.meta.dirname, "../probes/__fixtures__/ldirectord/cases");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-ldedit-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sed(file: string, scripts: readonly string[]): string {
  return execFileSync("sed", ["-i", "--follow-symlinks", "-E", ...scripts.flatMap((s) => ["-e", s]), file], { encoding: "utf8" });
}

function withFile(text: string): string {
  const file = path.join(dir, `ldirectord-${Math.random().toString(36).slice(2)}.cf`);
  fs.writeFileSync(file, text);
  return file;
}

const read = (text: string) => valueOf(parseLdirectordConfig(text));
const weightsOf = (text: string, address: string) =>
  read(text).virtuals.flatMap((v) => v.reals.filter((r) => r.address === address).map((r) => [v.virtual, r.weight, r.drainedFrom]));

describe("draining a node in ldirectord.cf with sed", () => {
  const moodle = fs.readFileSync(path.join(CASES, "ok-moodle.cf"), "utf8");

  it("gives the node weight 0 on every virtual service, prints only the changed lines, and undrains to the same file", () => {
    const file = withFile(moodle);
    const printed = sed(file, drainScripts("192.168.10.21"));
    expect(printed).toBe("\treal=192.168.10.21:80 gate 0 #clusterdeck-drained-weight=100\n\treal=192.168.10.21:443 gate 0 #clusterdeck-drained-weight=50\n");
    const drained = fs.readFileSync(file, "utf8");
    expect(weightsOf(drained, "192.168.10.21")).toEqual([["203.0.113.10:80", 0, 100], ["203.0.113.10:443", 0, 50]]);
    expect(weightsOf(drained, "192.168.10.11")).toEqual([["203.0.113.10:80", 100, null], ["203.0.113.10:443", 100, null]]);
    expect(read(drained).refusedAt).toBeNull();
    expect(sed(file, undrainScripts("192.168.10.21"))).toBe("\treal=192.168.10.21:80 gate 100\n\treal=192.168.10.21:443 gate 50\n");
    expect(fs.readFileSync(file, "utf8")).toBe(moodle);
  });

  it.each([
    ["an inline comment", "virtual=203.0.113.10:80\n\treal=192.168.10.11:80 gate 100 # web1 in rack 3\n"],
    ["no weight written", "virtual=203.0.113.10:80\n\treal=192.168.10.11:80 gate\n"],
    ["request and receive strings", "virtual=203.0.113.10:80\n\treal=192.168.10.11:80 masq 7 \"/login/index.php\", \"Moodle\"\n"],
    ["strings and no weight", "virtual=203.0.113.10:80\n    real = 192.168.10.11 ipip \"/x\", \"y\"\n"],
    ["a service-name port", "virtual=203.0.113.10:http\n\treal=192.168.10.11:http gate 3\n"],
  ])("round-trips a line with %s, and the parser reads weight 0 in between", (_name, text) => {
    const file = withFile(text);
    expect(plannedEdits(read(text), "192.168.10.11", "drain").map((e) => e.edit)).toEqual(["drain"]);
    expect(sed(file, drainScripts("192.168.10.11")).split("\n").filter(Boolean)).toHaveLength(1);
    const drained = fs.readFileSync(file, "utf8");
    expect(read(drained).virtuals[0]?.reals[0]?.weight).toBe(0);
    expect(plannedEdits(read(drained), "192.168.10.11", "undrain").map((e) => e.edit)).toEqual(["undrain"]);
    sed(file, undrainScripts("192.168.10.11"));
    expect(fs.readFileSync(file, "utf8")).toBe(text);
  });

  it("touches no other node, not even one whose address starts the same", () => {
    const text = "virtual=203.0.113.10:80\n\treal=192.168.10.1:80 gate 5\n\treal=192.168.10.11:80 gate 5\n\treal=192.168.10.111:80 gate 5\n";
    const file = withFile(text);
    expect(sed(file, drainScripts("192.168.10.11"))).toBe("\treal=192.168.10.11:80 gate 0 #clusterdeck-drained-weight=5\n");
  });

  it("leaves a line at weight 0 set by hand, a commented-out line and a range alone, and says why", () => {
    const text = "virtual=203.0.113.10:80\n#\treal=192.168.10.11:80 gate 5\n\treal=192.168.10.11:80 gate 0\n\treal=192.168.10.10->192.168.10.12:81 gate 2\n";
    const file = withFile(text);
    expect(sed(file, drainScripts("192.168.10.11"))).toBe("");
    expect(sed(file, undrainScripts("192.168.10.11"))).toBe("");
    expect(fs.readFileSync(file, "utf8")).toBe(text);
    expect(plannedEdits(read(text), "192.168.10.11", "drain").map((e) => [e.edit, e.why])).toEqual([
      ["none", "line 3 already has weight 0"],
      ["none", "line 4 is a range (192.168.10.10->192.168.10.12): write the node on a line of its own"],
    ]);
    expect(plannedEdits(read(text), "192.168.10.11", "undrain")[0]?.why).toBe("line 3 has weight 0 without ClusterDeck's mark: set by hand, not undone here");
  });

  it("keeps a 0600 file's mode and a link to it", () => {
    const target = withFile(moodle);
    fs.chmodSync(target, 0o600);
    const link = path.join(dir, "link.cf");
    fs.symlinkSync(target, link);
    sed(link, drainScripts("192.168.10.11"));
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(weightsOf(fs.readFileSync(target, "utf8"), "192.168.10.11").map((w) => w[1])).toEqual([0, 0]);
  });

  it("predicts exactly the lines sed changes, on every case ldirectord accepts", () => {
    const verdicts = fs.readFileSync(path.join(CASES, "../ldirectord-4.12-status-verdicts.tsv"), "utf8").trim().split("\n").map((r) => r.split("\t"));
    for (const [name = "", rc] of verdicts) {
      if (rc !== "3") continue;
      const text = fs.readFileSync(path.join(CASES, name), "utf8");
      for (const address of ["192.168.10.11", "192.168.10.21"]) {
        const planned = plannedEdits(read(text), address, "drain").filter((e) => e.edit === "drain").map((e) => e.real.source.line);
        const file = withFile(text);
        const changed = sed(file, drainScripts(address)).split("\n").filter(Boolean);
        expect(changed.length, `${name} ${address}`).toBe(planned.length);
      }
    }
  });
});

// Issue 10, hole 2: the prediction ran backtracking patterns over each line of the node (`(.*)$` after a
// run of digits, before a carriage return, is quadratic). Budgets against blow-up, not benchmarks.
describe("predicting the drain on hostile lines", () => {
  const node = "192.168.10.11";
  const real = (text: string, weight: number, drainedFrom: number | null = null) => ({
    address: node, rangeEnd: null, port: 80, weight, weightDefault: false, drainedFrom, source: { line: 2, text },
  });
  const timed = <T>(f: () => T): { value: T; ms: number } => {
    const started = performance.now();
    const value = f();
    return { value, ms: performance.now() - started };
  };

  it("answers on 256 KiB lines within a budget, and edits none of them: too long to read", () => {
    const size = 256 * 1024;
    const lines = [
      real(`\treal=${node}:80 masq 2${"0".repeat(size)}\ry`, 2),
      real(`\treal=${node}:80 gate 2${" ".repeat(size)}x`, 2),
      real(`\treal=${node}:80 gate${"\t".repeat(size)}\ry`, 1),
      real(`\treal=${node}:80 gate 0${" a".repeat(size / 2)} #clusterdeck-drained-weight=1${" ".repeat(size)}\ry`, 0, 1),
    ];
    const { value, ms } = timed(() => [...plannedEdits({ virtuals: [{ reals: lines }] }, node, "drain"), ...plannedEdits({ virtuals: [{ reals: lines }] }, node, "undrain")]);
    expect(ms).toBeLessThan(2_000);
    expect(value.map((e) => [e.edit, e.why.replace(/\d{6,}/, "N")])).toEqual(Array(8).fill(["none", "line 2 is too long to read (N characters)"]));
  });

  it("predicts a megabyte of the node's long lines (under the line cap) within a budget, and still reads them", () => {
    const digits = `\treal=${node}:80 gate 2${"0".repeat(4000)} #\ry`;
    const marked = `\treal=${node}:80 gate 0 #x${" a".repeat(1900)} #clusterdeck-drained-weight=7\r`;
    const text = `virtual=203.0.113.10:80\n${`${digits}\n${marked}\n`.repeat(128)}`;
    const config = read(text);
    expect(config.virtuals[0]?.reals).toHaveLength(256);
    const { value, ms } = timed(() => [...plannedEdits(config, node, "drain"), ...plannedEdits(config, node, "undrain")]);
    expect(ms).toBeLessThan(2_000);
    expect(value.filter((e) => e.edit === "drain")).toHaveLength(128);
    expect(value.filter((e) => e.edit === "undrain")).toHaveLength(128);
  });
});
