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
    expect(script).toContain("timeout 3 sh -c 'cat /proc/loadavg'");
    expect(script).toContain(`timeout 3 sh -c 'echo '\\''it'\\''\\'\\'''\\''s'\\'' | wc -c'`);
    expect(script).toContain(`printf '\\n@@cd:abc123:e:1:%s\\n' "$?"`);
  });

  it("runs a probe that cannot hang bare, in a subshell if it could change the batch's shell", () => {
    const script = buildBatchScript(
      [
        { id: "a", command: "cat /proc/loadavg", timeoutSeconds: null },
        { id: "b", command: "cd /var/www/moodle && find . | sha1sum", timeoutSeconds: null },
        { id: "c", command: "LC_ALL=C df -P", timeoutSeconds: 3 },
      ],
      "n",
    ).split("\n");
    expect(script[0]).toContain("; cat /proc/loadavg; ");
    expect(script[1]).toContain("; (cd /var/www/moodle && find . | sha1sum); ");
    expect(script[2]).toContain("; timeout 3 sh -c 'LC_ALL=C df -P'; ");
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
