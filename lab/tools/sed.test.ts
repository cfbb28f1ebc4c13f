import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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

// The console's drain edit of ldirectord.cf, run by the lab's sed and by the real GNU sed on this machine:
// same output, same file, and -i through a symlink with and without --follow-symlinks as GNU sed 4.9 does it.
describe("sed against the real GNU sed", () => {
  const real = (args: string[], input: string): { stdout: string; file: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-sed-"));
    try {
      const file = path.join(dir, "ldirectord.cf");
      fs.writeFileSync(file, input);
      const stdout = execFileSync("sed", [...args, file], { encoding: "utf8" });
      return { stdout, file: fs.readFileSync(file, "utf8") };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const p = "^([[:space:]]+real[[:space:]]*=[[:space:]]*192\\.168\\.10\\.11(:[0-9A-Za-z_-]+)?([[:space:]]+)(gate|masq|ipip))";
  const mark = "#clusterdeck-drained-weight=";
  const drain = [
    `s/${p}([[:space:]]+)([1-9][0-9]*)(.*)$/\\1\\50\\7\\5${mark}\\6/w /dev/stdout`,
    `s/${p}([[:space:]]*|[[:space:]]+[^0-9[:space:]].*)$/\\1\\30\\5\\3${mark}default/w /dev/stdout`,
  ];
  const undrain = [
    `s/${p}([[:space:]]+)0(|.*[^[:space:]])[[:space:]]+${mark}([0-9]+)[[:space:]]*$/\\1\\5\\7\\6/w /dev/stdout`,
    `s/${p}([[:space:]]+)0(|.*[^[:space:]])[[:space:]]+${mark}default[[:space:]]*$/\\1\\6/w /dev/stdout`,
  ];
  const CF = [
    "checktimeout=3",
    "virtual=203.0.113.10:80",
    "\treal=192.168.10.11:80 gate 100",
    "\treal=192.168.10.21:80 gate 100 # web2",
    "\tservice=http",
    "virtual=203.0.113.10:443",
    "  real=192.168.10.11:443 gate",
    "  real=192.168.10.11:443 masq 5 \"/login\"",
    "",
  ].join("\n");
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const sedLine = (scripts: string[], file: string) => `sed -i --follow-symlinks -E ${scripts.map((s) => `-e ${q(s)}`).join(" ")} ${file}`;

  it.each([
    ["drain", drain, CF],
    ["undrain", undrain, real(["-i", "-E", ...drain.flatMap((s) => ["-e", s])], CF).file],
  ])("%s prints the changed lines and leaves the file as GNU sed does", async (_name, scripts, input) => {
    const expected = real(["-i", "--follow-symlinks", "-E", ...scripts.flatMap((s) => ["-e", s])], input);
    expect(expected.stdout).not.toBe("");
    await sh("mkdir -p /tmp/sedcmp && cat > /tmp/sedcmp/ldirectord.cf", input);
    const r = await sh(sedLine(scripts, "/tmp/sedcmp/ldirectord.cf"));
    expect(r).toEqual({ stdout: expected.stdout, stderr: "", code: 0 });
    expect((await sh("cat /tmp/sedcmp/ldirectord.cf")).stdout).toBe(expected.file);
  });

  it("-i through a symlink: --follow-symlinks edits the target and keeps the link and its mode; without it the link becomes a file", async () => {
    await sh("mkdir -p /tmp/sedlink && cat > /tmp/sedlink/target.cf && chmod 600 /tmp/sedlink/target.cf && ln -sf target.cf /tmp/sedlink/ldirectord.cf", CF);
    expect((await sh(sedLine(drain, "/tmp/sedlink/ldirectord.cf"))).code).toBe(0);
    expect((await sh("readlink /tmp/sedlink/ldirectord.cf; stat -c %a /tmp/sedlink/target.cf")).stdout).toBe("target.cf\n600\n");
    expect((await sh("cat /tmp/sedlink/target.cf")).stdout).toContain(`gate 0 ${mark}100`);
    expect((await sh(`sed -i -e s/checktimeout/checktimeout/ /tmp/sedlink/ldirectord.cf; readlink /tmp/sedlink/ldirectord.cf; stat -c '%F %a' /tmp/sedlink/ldirectord.cf`)).stdout).toBe("regular file 600\n");
  });
});

