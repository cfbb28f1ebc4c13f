import { afterAll, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";

// Expected outputs, messages and exit codes as GNU sed 4.8 prints them.
const lab = testLab();
afterAll(() => lab.cleanup());
const sh = (script: string, stdin = ""): ReturnType<typeof lab.sh> => lab.sh("web1", script, stdin);

const CONFIG = "<?php\n$CFG->dbtype    = 'mysqli';\n$CFG->dbhost    = '192.168.10.18';\n$CFG->dbpass    = 'secret';\n";

describe("sed", () => {
  it("edits Moodle's dbhost line in place with -i -E, leaving every other line as it was", async () => {
    await sh(`mkdir -p /tmp/sed && cat > /tmp/sed/config.php`, CONFIG);
    const r = await sh(`sed -i -E 's/^(\\$CFG->dbhost[[:space:]]*=[[:space:]]*)'\\''[^'\\'']*'\\''/\\1'\\''192.168.10.28'\\''/' /tmp/sed/config.php`);
    expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
    expect((await sh("cat /tmp/sed/config.php")).stdout).toBe(CONFIG.replace("192.168.10.18", "192.168.10.28"));
  });

  it("keeps a backup with -iSUFFIX", async () => {
    await sh(`printf 'a\\n' > /tmp/sed/b.txt`);
    expect((await sh("sed -i.bak -e s/a/b/ /tmp/sed/b.txt")).code).toBe(0);
    expect((await sh("cat /tmp/sed/b.txt /tmp/sed/b.txt.bak")).stdout).toBe("b\na\n");
  });

  const filters: [string, string, string][] = [
    ["sed 's/l/L/g;s/h/&&/'", "hello\n", "hheLLo\n"],
    ["sed 's/a/b/2'", "aaa\n", "aba\n"],
    ["sed -n 's/b/X/p'", "abc\nxyz\n", "aXc\n"],
    ["sed -e 's/\\(a\\)\\(b\\)/\\2\\1/'", "abc\n", "bac\n"],
    ["sed -E 's/(a)(b)/\\2\\1/'", "abc\n", "bac\n"],
    ["sed 's/a+/X/'", "aa+\n", "aX\n"],
    ["sed -E 's/a+/X/'", "aa+\n", "X+\n"],
    ["sed 's|/var/www|/srv|'", "/var/www/moodle\n", "/srv/moodle\n"],
    ["sed 's/x/y/'", "x", "y"],
    ["sed d", "a\nb\n", ""],
    ["sed -n p", "a\n", "a\n"],
    ["sed 's/A/b/I'", "a\n", "b\n"],
  ];
  it.each(filters)("%s", async (cmd, input, out) => {
    expect(await sh(cmd, input)).toEqual({ stdout: out, stderr: "", code: 0 });
  });

  const errors: [string, string, number][] = [
    ["sed -e 's/\\(x/y/'", "sed: -e expression #1, char 8: Unmatched ( or \\(\n", 1],
    ["sed -E 's/(x/y/'", "sed: -e expression #1, char 7: Unmatched ( or \\(\n", 1],
    ["sed 's/x/\\2/'", "sed: -e expression #1, char 7: invalid reference \\2 on `s' command's RHS\n", 1],
    ["sed 's/x/y/k'", "sed: -e expression #1, char 7: unknown option to `s'\n", 1],
    ["sed 's/x'", "sed: -e expression #1, char 3: unterminated `s' command\n", 1],
    ["sed k", "sed: -e expression #1, char 1: unknown command: `k'\n", 1],
    ["sed s/a/b/ /nonexist", "sed: can't read /nonexist: No such file or directory\n", 2],
    ["sed -i s/a/b/", "sed: no input files\n", 4],
    ["sed -i s/a/b/ /tmp", "sed: couldn't edit /tmp: not a regular file\n", 4],
  ];
  it.each(errors)("%s fails as GNU sed does", async (cmd, stderr, code) => {
    expect(await sh(cmd, "x\n")).toEqual({ stdout: "", stderr, code });
  });
});
