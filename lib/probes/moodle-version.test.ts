import { describe, expect, it } from "vitest";
import { hostileLines, slowestOf } from "@/lib/probes/hostile";
import { moodleVersionProbe, parseMoodleVersion } from "@/lib/probes/moodle-version";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("moodle-version", () => {
  it("reads version.php from the quoted dirroot", () => {
    expect(moodleVersionProbe.command({ dirroot: "/var/www/moodle/" })).toBe("cat /var/www/moodle/version.php");
  });

  it("reads a 3.5 version.php keeping the decimal of $version", () => {
    expect(valueOf(parseMoodleVersion(fixture("moodle", "version-php-3.5.15-moodle-8c732857.txt")))).toEqual({
      version: "2018051715.04",
      release: "3.5.15+ (Build: 20201211)",
      branch: "35",
      maturity: "STABLE",
    });
  });

  it("reads a 1.9 version.php without branch or maturity", () => {
    expect(valueOf(parseMoodleVersion(fixture("moodle", "version-php-1.9.9-moodle-00067c19.txt")))).toEqual({
      version: "2007101590.00",
      release: "1.9.9+ (Build: 20101005)",
      branch: null,
      maturity: null,
    });
  });

  it("reads double quotes, an integer $version and a beta", () => {
    const text = "<?php\ndefined('MOODLE_INTERNAL') || die();\n$version  = 2024092900;\n$release  = \"4.5beta (Build: 20240928)\";\n$branch   = '405';\n$maturity = MATURITY_BETA;\n";
    expect(valueOf(parseMoodleVersion(text))).toEqual({ version: "2024092900", release: "4.5beta (Build: 20240928)", branch: "405", maturity: "BETA" });
  });

  const sample = fixture("moodle", "version-php-3.5.15-moodle-8c732857.txt");
  it.each([
    ...garbage("cat"),
    ["not php", "$version = 2018051715.04;\n$release = '3.5';\n"],
    ["letters for numbers", sample.replace("2018051715.04", "20180517I5.04")],
    ["truncated before $release", sample.slice(0, sample.indexOf("$release"))],
    ["unknown maturity", sample.replace("MATURITY_STABLE", "MATURITY_GOLD")],
    ["unquoted release", sample.replace("'3.5.15+ (Build: 20201211)'", "3.5")],
    ["no such file", "cat: /var/www/moodle/version.php: No such file or directory\n"],
  ])("refuses %s", (_name, input) => {
    expect(parseMoodleVersion(input)).toMatchObject({ ok: false, error: "unreadable", raw: input });
  });
});

// Issue 10, hole 2: within the line cap a backtracking pattern is still quadratic per line, and a line
// over it must not reach a pattern at all. Budgets against blow-up, not benchmarks.
describe("moodle-version on hostile lines", () => {
  it("reads a megabyte of long lines, and 256 KiB lines, in linear time", () => {
    const slowest = slowestOf(parseMoodleVersion, hostileLines(["$version = ", "$release = '", "$maturity = MATURITY_", "  $version  =  2024"], "<?php\n"));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });
});
