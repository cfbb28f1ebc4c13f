import { describe, expect, it } from "vitest";
import { debianPath, digitPatterns, exactRule, glob, sudoCalls, sudoersCommand, sudoersLiteral } from "@/lib/commands/sudoers-syntax";
import { shellJoin } from "@/lib/ssh/quote";

// What these strings do in the real sudo is proven by test/conformance/sudo.conf.test.ts; here, their shape.

describe("sudoersLiteral", () => {
  it.each([
    ["/var/www/moodle/config.php", "/var/www/moodle/config.php"],
    ["203.0.113.10:80", "203.0.113.10\\:80"],
    ["--output-as=xml", "--output-as\\=xml"],
    ["a,b", "a\\,b"],
    ["a#b", "a\\#b"],
    ["a b", "a\\ b"],
    // fnmatch escapes first (\* \[ \] \?), then sudoers doubles every backslash
    ["^\\$CFG->dbhost[[:space:]]*=", "^\\\\\\\\$CFG->dbhost\\\\[\\\\[\\:space\\:\\\\]\\\\]\\\\*\\="],
    ["a?b", "a\\\\?b"],
    ["'x\"y!", "'x\"y!"],
  ])("%s -> %s", (arg, escaped) => {
    expect(sudoersLiteral(arg)).toBe(escaped);
  });

  it.each([[""], ["a\nb"], ["a\tb"], ["\u0000"]])("refuses %j, which sudo could not tell apart", (arg) => {
    expect(() => sudoersLiteral(arg)).toThrow();
  });
});

describe("sudoersCommand", () => {
  it('writes "" for no arguments (a rule without arguments allows any)', () => {
    expect(sudoersCommand("/usr/share/heartbeat/hb_standby", [])).toBe('/usr/share/heartbeat/hb_standby ""');
  });

  it("keeps patterns as patterns, escaped only for sudoers' parser", () => {
    expect(sudoersCommand("/usr/sbin/ipvsadm", ["-e", "-t", "10.0.0.1:80", glob("-[gmi]"), "-w", glob("[0-9]")])).toBe("/usr/sbin/ipvsadm -e -t 10.0.0.1\\:80 -[gmi] -w [0-9]");
    expect(sudoersCommand("/usr/bin/php", [glob("--enablelater=[1-9]")])).toBe("/usr/bin/php --enablelater\\=[1-9]");
  });

  it.each([["php"], ["./php"], ["/usr/bin/p hp"], ["/usr/bin/php,"]])("refuses the program path %j", (program) => {
    expect(() => sudoersCommand(program, ["x"])).toThrow();
  });

  it("refuses a pattern with * or blanks, which would match further arguments", () => {
    expect(() => glob("-w *")).toThrow();
    expect(() => glob("[0-9]*")).toThrow();
  });
});

describe("digitPatterns", () => {
  it("spells every width of a whole number without a leading zero", () => {
    expect(digitPatterns(3).map((g) => g.glob)).toEqual(["[0-9]", "[1-9][0-9]", "[1-9][0-9][0-9]"]);
    expect(digitPatterns(2, "--enablelater=").map((g) => g.glob)).toEqual(["--enablelater=[0-9]", "--enablelater=[1-9][0-9]"]);
  });
});

describe("sudoCalls", () => {
  it("reads each sudo call of a line: account, argv and where it starts", () => {
    const line = `cd /x && sudo -n -u www-data ${shellJoin(["/usr/bin/php", "/var/www/a b.php", "--x='y'"])} && sudo -n ipvsadm -Ln`;
    const calls = sudoCalls(line);
    expect(calls.map((c) => ({ runAs: c.runAs, argv: c.argv }))).toEqual([
      { runAs: "www-data", argv: ["/usr/bin/php", "/var/www/a b.php", "--x='y'"] },
      { runAs: "root", argv: ["ipvsadm", "-Ln"] },
    ]);
    expect(line.slice(calls[0]?.start, calls[0]?.end)).toBe("sudo -n -u www-data /usr/bin/php '/var/www/a b.php' '--x='\\''y'\\'''");
    expect(line.startsWith("sudo -n ipvsadm", calls[1]?.start)).toBe(true);
  });

  it("skips redirections and here-documents, whose lines are data, not commands", () => {
    const line = "sudo -n tee /etc/x.new >/dev/null 2>&1 <<'EOF'\nsudo -n rm -rf /\nEOF\nsudo -n mv /etc/x.new /etc/x";
    expect(sudoCalls(line).map((c) => c.argv)).toEqual([
      ["tee", "/etc/x.new"],
      ["mv", "/etc/x.new", "/etc/x"],
    ]);
  });

  it("finds sudo after the shell's reserved words, and refuses one it cannot place", () => {
    expect(sudoCalls("{ sudo -n id; } && if true; then sudo -n -u www-data id -u; fi").map((c) => c.argv)).toEqual([["id"], ["id", "-u"]]);
    expect(() => sudoCalls("timeout 3 sudo -n exportfs -v")).toThrow(/where a command starts/);
  });

  it("reads double quotes and expansions outside sudo calls without complaint", () => {
    expect(sudoCalls(`t=$(date +%s) && printf "%s" "$t" | sha1sum; sudo -n exportfs -v`).map((c) => c.argv)).toEqual([["exportfs", "-v"]]);
  });

  it.each([
    ["sudo -n cat $HOME/x"],
    ["sudo -n cat /etc/*.conf"],
    ['sudo -n cat "$(id)"'],
    ["sudo -n cat `id`"],
    ["sudo -n cat 'unterminated"],
    ["sudo -n tee /x <<EOF\nno end"],
    ["sudo -n -E cat /x"],
    ["sudo -n"],
    ["sudo -n -u"],
  ])("refuses to guess at %j", (line) => {
    expect(() => sudoCalls(line)).toThrow();
  });

  it("reads long hostile lines in linear time", () => {
    const long = `sudo -n grep ${"'a'\\ ".repeat(50_000)} ${"x ".repeat(50_000)}`;
    const started = performance.now();
    // `'a'\ 'a'\ ...` is one word (escaped blanks), then 50,000 x's
    expect(sudoCalls(long)[0]?.argv.length).toBe(50_002);
    expect(sudoCalls(`${"echo a; ".repeat(50_000)}sudo -n id`)).toHaveLength(1);
    expect(() => sudoCalls(`sudo -n x <<E\n${"line\n".repeat(100_000)}`)).toThrow();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("exactRule", () => {
  it("names the program by the path sudo finds on Debian 12", () => {
    const [call] = sudoCalls("sudo -n crm_mon --output-as=xml -1");
    expect(call && exactRule(call)).toBe("/usr/sbin/crm_mon --output-as\\=xml -1");
    expect(debianPath("arping")).toBe("/usr/bin/arping");
    expect(() => debianPath("frobnicate")).toThrow(/DEBIAN_PATHS/);
  });
});
