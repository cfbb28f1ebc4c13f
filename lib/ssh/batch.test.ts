import { describe, expect, it } from "vitest";
import { buildBatchScript, parseBatchOutput } from "@/lib/ssh/batch-script";

const commands = [
  { id: "loadavg", command: "cat /proc/loadavg", timeoutSeconds: 3 },
  { id: "ipvsadm", command: "ipvsadm -Ln", timeoutSeconds: 3 },
  { id: "quoted", command: "echo 'it'\\''s' | wc -c", timeoutSeconds: 2.5 },
];

describe("probe batches", () => {
  it("fences each command with a nonce and keeps its exit status", () => {
    const script = buildBatchScript(commands, "abc123");
    expect(script.split("\n")).toHaveLength(3);
    expect(script).toMatch(/^timeout 3 sh -c 'echo '\\''@@cd:abc123:b:0'\\''/);
    expect(script).toContain(`printf '\\''\\n@@cd:abc123:e:1:%s\\n'\\'' "$?"`);
    expect(script.endsWith(`; printf '\\n@@cd:abc123:g:%s\\n' "$?"`)).toBe(true);
  });

  it("runs probes that cannot hang bare, and those that can in one timeout group", () => {
    const lines = buildBatchScript(
      [
        { id: "a", command: "cat /proc/loadavg", timeoutSeconds: null },
        { id: "b", command: "cd /var/www/moodle && find . | sha1sum", timeoutSeconds: null },
        { id: "c", command: "LC_ALL=C df -P", timeoutSeconds: 3 },
        { id: "d", command: "mysql -e 'SELECT 1'", timeoutSeconds: 5 },
      ],
      "n",
    ).split("\n");
    expect(lines[0]).toContain("; cat /proc/loadavg; ");
    expect(lines[1]).toContain("; (cd /var/www/moodle && find . | sha1sum); ");
    expect(lines[2]).toMatch(/^timeout 5 sh -c '/);
    expect(lines.join("\n")).toContain("; LC_ALL=C df -P; ");
  });

  it("reports the guarded probes a timed-out group never finished as timed out", () => {
    const cmds = [
      { id: "fast", command: "true", timeoutSeconds: null },
      { id: "ok", command: "echo x", timeoutSeconds: 3 },
      { id: "hung", command: "df", timeoutSeconds: 3 },
      { id: "never", command: "exportfs -v", timeoutSeconds: 3 },
    ];
    const stdout = "@@cd:g1:b:0\n\n@@cd:g1:e:0:0\n@@cd:g1:b:1\nx\n\n@@cd:g1:e:1:0\n@@cd:g1:b:2\npartial\n@@cd:g1:g:124\n";
    const items = parseBatchOutput(cmds, "g1", stdout, "");
    expect(items.map((i) => [i.id, i.outcome])).toEqual([
      ["fast", "ok"],
      ["ok", "ok"],
      ["hung", "timeout"],
      ["never", "timeout"],
    ]);
    expect(items[2]?.stdout).toBe("partial\n@@cd:g1:g:124\n");
  });

  it("splits outputs back apart, with and without trailing newlines", () => {
    const stdout = [
      "@@cd:n1:b:0",
      "0.21 0.37 0.39 1/719 19737",
      "",
      "@@cd:n1:e:0:0",
      "@@cd:n1:b:1",
      "",
      "@@cd:n1:e:1:127",
      "@@cd:n1:b:2",
      "5",
      "@@cd:n1:e:2:124",
      "",
    ].join("\n");
    const stderr = ["@@cd:n1:b:0", "", "@@cd:n1:e:0", "@@cd:n1:b:1", "bash: ipvsadm: command not found", "", "@@cd:n1:e:1", "@@cd:n1:b:2", "", "@@cd:n1:e:2", ""].join("\n");
    const [load, ipvs, quoted] = parseBatchOutput(commands, "n1", stdout, stderr);
    expect(load).toEqual({ id: "loadavg", stdout: "0.21 0.37 0.39 1/719 19737\n", stderr: "", exitCode: 0, outcome: "ok" });
    expect(ipvs).toMatchObject({ stdout: "", stderr: "bash: ipvsadm: command not found\n", exitCode: 127, outcome: "failed" });
    expect(quoted).toMatchObject({ outcome: "timeout", exitCode: null });
  });

  it("marks commands whose output never arrived as missing, and ignores markers of another nonce", () => {
    const stdout = "@@cd:other:b:0\nforged\n@@cd:other:e:0:0\n@@cd:n2:b:0\npartial output";
    const items = parseBatchOutput(commands, "n2", stdout, "");
    expect(items[0]).toMatchObject({ stdout: "partial output", outcome: "missing", exitCode: null });
    expect(items[1]).toMatchObject({ stdout: "", outcome: "missing" });
  });
});

// Issue 10, hole 2: the batch's output is a host's, split before any parser sees it. Budgets against blow-up.
describe("splitting a batch's output on hostile input", () => {
  const MB = 1 << 20;
  const many = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, command: "true", timeoutSeconds: null }));
  it.each([
    ["a megabyte of forged begin markers", "@@cd:n:b:0\n".repeat(MB / 11)],
    ["a megabyte of forged end markers without codes", "\n@@cd:n:e:0:".repeat(MB / 12)],
    ["a megabyte of spaces in one section", `@@cd:n:b:0\n${" ".repeat(MB)}x\r\n@@cd:n:e:0:0\n`],
    ["a megabyte of digits after the end marker", `@@cd:n:b:0\nx\n@@cd:n:e:0:${"9".repeat(MB)}`],
  ])("%s: thirty commands within a budget", (_name, stdout) => {
    const started = performance.now();
    const items = parseBatchOutput(many, "n", stdout, stdout);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(items).toHaveLength(30);
  });
});
