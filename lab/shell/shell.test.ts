import { afterAll, describe, expect, it } from "vitest";
import { testLab } from "../__tests__/test-lab";
import { tokenize } from "./tokenize";
import { parseScript } from "./parse";

const lab = testLab({
  extraTools: {
    slow: { roles: "all", run: () => new Promise((r) => setTimeout(() => r({ stdout: "late\n", stderr: "", code: 0 }), 1500)) },
    both: { roles: "all", run: () => ({ stdout: "out\n", stderr: "err\n", code: 3 }) },
    argv: { roles: "all", run: (ctx) => ({ stdout: `${JSON.stringify(ctx.argv.slice(1))}\n`, stderr: "", code: 0 }) },
    envof: { roles: "all", run: (ctx) => ({ stdout: `${ctx.env[ctx.argv[1] ?? ""] ?? "<unset>"}\n`, stderr: "", code: 0 }) },
  },
});
afterAll(() => lab.cleanup());
const sh = (script: string, stdin = ""): ReturnType<typeof lab.sh> => lab.sh("web1", script, stdin);

describe("tokenizer", () => {
  it("keeps 2>&1 as one redirection, unlike shell-quote", () => {
    const t = tokenize("cmd a 2>&1");
    expect(t).toHaveLength(3);
    expect(t[2]).toMatchObject({ type: "redir", fd: 2, op: ">&" });
  });
  it("joins adjacent quoted and unquoted parts into one word", () => {
    const t = tokenize(`a"b c"'d'e`);
    expect(t).toHaveLength(1);
  });
  it("treats # as a comment only at a word start", () => {
    expect(tokenize("echo a#b # comment")).toHaveLength(2);
  });
  it("parses && || | ; into a list", () => {
    const list = parseScript("a && b || c | d ; e");
    expect(list).toHaveLength(2);
    expect(list[0]?.rest.map((r) => r.op)).toEqual(["&&", "||"]);
    expect(list[0]?.rest[1]?.pipeline.commands).toHaveLength(2);
  });
});

describe("shell", () => {
  const cases: [string, string, string, number][] = [
    ["echo hello world", "hello world\n", "", 0],
    ["echo -n x; echo y", "xy\n", "", 0],
    ["echo -e 'a\\tb\\nc'", "a\tb\nc\n", "", 0],
    ["printf '%s-%d|%5s|%-3s|\\n' a 7 r l", "a-7|    r|l  |\n", "", 0],
    ["printf '%s\\n' a b c", "a\nb\nc\n", "", 0],
    ["true && echo yes || echo no", "yes\n", "", 0],
    ["false && echo yes || echo no", "no\n", "", 0],
    ["false; echo $?", "1\n", "", 0],
    ["nosuch; echo $?", "127\n", "bash: line 1: nosuch: command not found\n", 0],
    ["/usr/sbin/ipvsadm -Ln", "", "bash: line 1: /usr/sbin/ipvsadm: No such file or directory\n", 127],
    ["both", "out\n", "err\n", 3],
    ["both 2>&1", "out\nerr\n", "", 3],
    ["both 2>/dev/null", "out\n", "", 3],
    ["both >/dev/null", "", "err\n", 3],
    ["echo to-err >&2", "", "to-err\n", 0],
    ["echo to-err 1>&2", "", "to-err\n", 0],
    ["both 2>&1 >/dev/null", "err\n", "", 3],
    ["both >/dev/null 2>&1", "", "", 0 + 3],
    ["echo a b c | wc -w", "3\n", "", 0],
    ["printf 'b\\na\\nc\\n' | sort | head -n 2", "a\nb\n", "", 0],
    ["printf 'x1\\ny2\\nx3\\n' | grep -c x", "2\n", "", 0],
    ["printf 'x1\\ny2\\n' | grep -v x", "y2\n", "", 0],
    ["echo abc | grep -q z; echo $?", "1\n", "", 0],
    ["echo 'a:b:c' | cut -d: -f2", "b\n", "", 0],
    ["echo Hello | tr a-z A-Z", "HELLO\n", "", 0],
    ["argv 'a b' \"c $HOME\" d\\ e", '["a b","c /home/clusterdeck","d e"]\n', "", 0],
    ["X='1  2'; argv $X \"$X\"", '["1","2","1  2"]\n', "", 0],
    ["argv ${NOPE:-def} ${HOME:+set}", '["def","set"]\n', "", 0],
    ["FOO=bar envof FOO; echo ${FOO:-gone}", "bar\ngone\n", "", 0],
    ["export A=1; envof A", "1\n", "", 0],
    ["echo $(echo inner) `echo tick`", "inner tick\n", "", 0],
    ["# a comment\necho one # trailing\necho two", "one\ntwo\n", "", 0],
    ["sh -c 'echo $1 $2' sh x y", "x y\n", "", 0],
    ["bash -c 'exit 4'; echo $?", "4\n", "", 0],
    ["exit 5; echo never", "", "", 5],
    ["sudo -n echo root", "root\n", "", 0],
    ["test -d /etc && [ 1 -lt 2 ] && [ abc = abc ] && echo ok", "ok\n", "", 0],
    ["[ -f /nope ]; echo $?", "1\n", "", 0],
    ["(echo sub; exit 2); echo $?", "sub\n2\n", "", 0],
    ["! false && echo negated", "negated\n", "", 0],
    ["cat <<EOF\nline $HOME\nEOF", "line /home/clusterdeck\n", "", 0],
    ["cat <<'EOF'\nline $HOME\nEOF", "line $HOME\n", "", 0],
    ["wc -l <<< 'x'", "1\n", "", 0],
    ["set -e; false; echo never", "", "", 1],
    ["if [ -d /etc ]; then echo yes; else echo no; fi", "yes\n", "", 0],
    ["if false; then echo a; elif [ 1 = 1 ]; then echo b; else echo c; fi; echo $?", "b\n0\n", "", 0],
    ["if false; then echo a; fi; echo $?", "0\n", "", 0],
    ["set -e; if false; then echo a; else echo b; fi; echo after", "b\nafter\n", "", 0],
    ["if true\nthen\n  echo multi\nfi > /tmp/if-out; cat /tmp/if-out", "multi\n", "", 0],
    ["if true; then echo a", "", "bash: -c: line 1: syntax error: unexpected end of file\n", 2],
    ["echo \"unterminated", "", "bash: -c: line 1: unexpected EOF while looking for matching `\"'\n", 2],
  ];
  it.each(cases)("%j", async (script, stdout, stderr, code) => {
    const r = await sh(script);
    expect(r).toEqual({ stdout, stderr, code });
  });

  it("runs the console's batch framing", async () => {
    const r = await sh("echo @@b-0 ; echo @@b-0 >&2 ; timeout 5 cat /proc/loadavg ; echo @@e-0-$? ; echo @@e-0 >&2");
    expect(r.stdout).toMatch(/^@@b-0\n\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\/\d+ \d+\n@@e-0-0\n$/);
    expect(r.stderr).toBe("@@b-0\n@@e-0\n");
  });

  it("timeout gives 124 when the command outlives it", async () => {
    const r = await sh("timeout 0.2 slow; echo $?");
    expect(r.stdout).toBe("124\n");
  });

  it("redirects into the VM's real folders, truncating and appending", async () => {
    await sh("echo one > /tmp/t.txt; echo two >> /tmp/t.txt; both >> /tmp/t.txt 2>&1");
    expect((await sh("cat /tmp/t.txt")).stdout).toBe("one\ntwo\nout\nerr\n");
    expect((await sh("wc -l < /tmp/t.txt")).stdout).toBe("4\n");
    expect((await sh("cd /tmp && cat t.txt | head -1")).stdout).toBe("one\n");
  });

  it("refuses paths that escape the VM", async () => {
    await sh("echo x > /tmp/inside");
    const r = await sh("cat /../../../etc/passwd");
    expect(r.code).toBe(1);
  });

  it("says command not found for a tool not installed on the role", async () => {
    const r = await sh("ipvsadm -Ln");
    expect(r).toEqual({ stdout: "", stderr: "bash: line 1: ipvsadm: command not found\n", code: 127 });
    expect((await sh("command -v ipvsadm || echo missing")).stdout).toBe("missing\n");
    expect((await lab.sh("lb1", "command -v ipvsadm")).stdout).toBe("/usr/sbin/ipvsadm\n");
  });

  it("globs unquoted patterns against the VM's files", async () => {
    await sh("mkdir -p /tmp/g && touch /tmp/g/a.txt /tmp/g/b.txt /tmp/g/c.log");
    expect((await sh("echo /tmp/g/*.txt")).stdout).toBe("/tmp/g/a.txt /tmp/g/b.txt\n");
    expect((await sh("echo '/tmp/g/*.txt'")).stdout).toBe("/tmp/g/*.txt\n");
  });

  it("a full disk refuses writes", async () => {
    lab.sim.world.setDiskFull("web1", true);
    try {
      const r = await sh("echo x > /tmp/full.txt");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("No space left on device");
    } finally {
      lab.sim.world.setDiskFull("web1", false);
    }
  });
});
