import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseLdirectordConfig } from "@/lib/probes/ldirectord-cf";
import { valueOf } from "@/lib/probes/test-support";
import { MASK } from "@/lib/secrets/mask";
import { drainScripts, undrainScripts } from "@/lib/workflows/ldirectord-edit";
import { configEditDiff, configLinesOf } from "@/lib/workflows/steps/balancer";

// What a drain of ldirectord.cf records: the real GNU sed edits a copy of a real-looking file with a
// database check's passwd=, and the step's record is a diff of the node's lines only.
const CASES = path.join(import.meta.dirname, "../../probes/__fixtures__/ldirectord/cases");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-ldstep-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sed = (file: string, scripts: readonly string[]) =>
  execFileSync("sed", ["-i", "--follow-symlinks", "-E", ...scripts.flatMap((s) => ["-e", s]), file], { encoding: "utf8" });
const linesOf = (text: string, address: string) => configLinesOf(valueOf(parseLdirectordConfig(text)), address) ?? [];

// the Moodle pool, plus the database pool's mysql check with its password, and a check URL with a token
const file = path.join(dir, "ldirectord.cf");
const original = `${fs.readFileSync(path.join(CASES, "ok-moodle.cf"), "utf8")}
${fs.readFileSync(path.join(CASES, "passwd.cf"), "utf8")}
virtual=203.0.113.10:8080
	real=192.168.10.21:8080 gate 5 "/check.php?token=t0k3n", "OK"
	service=http
`;

describe("the ldirectord.cf steps record what they changed, not the file", () => {
  it("a drain and its undrain are recorded as diffs of the node's lines, secrets masked", () => {
    fs.writeFileSync(file, original);
    const address = "192.168.10.21";
    const printed = sed(file, drainScripts(address));
    const drained = fs.readFileSync(file, "utf8");
    expect(drained).toContain('passwd="s3cret"');

    const diff = configEditDiff("lb1", "/etc/ha.d/ldirectord.cf", linesOf(original, address), "drain", printed);
    expect(diff.split("\n")).toEqual([
      "--- lb1:/etc/ha.d/ldirectord.cf (the node's real= lines before)",
      "+++ lb1:/etc/ha.d/ldirectord.cf (the lines sed changed)",
      "-\treal=192.168.10.21:80 gate 100",
      "-\treal=192.168.10.21:443 gate 50",
      `-\treal=192.168.10.21:8080 gate 5 "/check.php?token=${MASK}", "OK"`,
      "+\treal=192.168.10.21:80 gate 0 #clusterdeck-drained-weight=100",
      "+\treal=192.168.10.21:443 gate 0 #clusterdeck-drained-weight=50",
      `+\treal=192.168.10.21:8080 gate 0 "/check.php?token=${MASK}", "OK" #clusterdeck-drained-weight=5`,
    ]);
    for (const secret of ["s3cret", "t0k3n", "passwd", "monitor", "192.168.10.11", "192.168.10.18"]) expect(diff).not.toContain(secret);

    const back = sed(file, undrainScripts(address));
    expect(fs.readFileSync(file, "utf8")).toBe(original);
    const undiff = configEditDiff("lb2", "/etc/ha.d/ldirectord.cf", linesOf(drained, address), "undrain", back);
    expect(undiff.split("\n").slice(2)).toEqual([
      "-\treal=192.168.10.21:80 gate 0 #clusterdeck-drained-weight=100",
      "-\treal=192.168.10.21:443 gate 0 #clusterdeck-drained-weight=50",
      `-\treal=192.168.10.21:8080 gate 0 "/check.php?token=${MASK}", "OK" #clusterdeck-drained-weight=5`,
      "+\treal=192.168.10.21:80 gate 100",
      "+\treal=192.168.10.21:443 gate 50",
      `+\treal=192.168.10.21:8080 gate 5 "/check.php?token=${MASK}", "OK"`,
    ]);
  });

  it("an undo of the run's own drain describes the lines it puts back, and a run planned before lines were kept still records", () => {
    fs.writeFileSync(file, original);
    const planned = linesOf(original, "192.168.10.11");
    sed(file, drainScripts("192.168.10.11"));
    const undone = configEditDiff("lb1", "/x.cf", planned, "undrain", sed(file, undrainScripts("192.168.10.11")));
    expect(undone.split("\n").slice(2)).toEqual([
      "-line 7: as the drain left it",
      "-line 17: as the drain left it",
      "+\treal=192.168.10.11:80 gate 100",
      "+\treal=192.168.10.11:443 gate 100",
    ]);
    const older = planned.map(({ text: _text, ...rest }) => rest);
    expect(configEditDiff("lb1", "/x.cf", older, "drain", "").split("\n").slice(2)).toEqual(["-line 7: weight 100", "-line 17: weight 100"]);
  });
});
