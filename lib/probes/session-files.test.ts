import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSessionFiles, sessionFilesProbe } from "@/lib/probes/session-files";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("session-files", () => {
  it("reads the real pipeline's count (captured on the development machine)", () => {
    expect(valueOf(parseSessionFiles(fixture("session-files", "find-mmin-wc-l-CAPTURED.txt")))).toEqual({ count: 2, absent: false });
  });

  it("reads wc -l's count, with or without padding", () => {
    expect(valueOf(parseSessionFiles("42\n"))).toEqual({ count: 42, absent: false });
    expect(valueOf(parseSessionFiles("      7\n"))).toEqual({ count: 7, absent: false });
    expect(valueOf(parseSessionFiles("0\n"))).toEqual({ count: 0, absent: false });
  });

  it("counts session files touched within the timeout, and says when the folder is not there (real sh and find)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-sess-"));
    try {
      const sessions = path.join(dir, "sessions");
      const run = () => {
        const r = execFileSync("sh", ["-c", sessionFilesProbe.command({ path: sessions, timeoutMinutes: 480 })], { encoding: "utf8" });
        return valueOf(parseSessionFiles(r));
      };
      expect(run()).toEqual({ count: null, absent: true });
      fs.mkdirSync(sessions);
      for (const id of ["a1", "b2", "c3"]) fs.writeFileSync(path.join(sessions, `sess_${id}`), "USER|O:8:\"stdClass\":0:{}");
      fs.writeFileSync(path.join(sessions, "not-a-session"), "");
      fs.utimesSync(path.join(sessions, "sess_c3"), new Date(Date.now() - 9 * 3600_000), new Date(Date.now() - 9 * 3600_000));
      expect(run()).toEqual({ count: 2, absent: false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([...garbage("find"), ["negative", "-3\n"], ["decimal", "3.5\n"], ["absent twice", "absent\nabsent\n"]])("refuses %s", (_n, text) => {
    expect(parseSessionFiles(text).ok).toBe(false);
  });
});
