import { describe, expect, it } from "vitest";
import { parseSessionFiles, sessionFilesProbe } from "@/lib/probes/session-files";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("session-files", () => {
  it("reads the real pipeline's count (captured on the development machine)", () => {
    expect(valueOf(parseSessionFiles(fixture("session-files", "find-mmin-wc-l-CAPTURED.txt")))).toEqual({ count: 2 });
  });

  it("reads wc -l's count, with or without padding", () => {
    expect(valueOf(parseSessionFiles("42\n"))).toEqual({ count: 42 });
    expect(valueOf(parseSessionFiles("      7\n"))).toEqual({ count: 7 });
    expect(valueOf(parseSessionFiles("0\n"))).toEqual({ count: 0 });
  });

  it("counts session files touched within the timeout", () => {
    expect(sessionFilesProbe.command({ path: "/var/lib/moodle/sessions", timeoutMinutes: 480 })).toBe(
      "cd /var/lib/moodle/sessions && find . -maxdepth 1 -type f -name 'sess_*' -mmin -480 | wc -l",
    );
  });

  it.each([...garbage("find"), ["negative", "-3\n"], ["decimal", "3.5\n"]])("refuses %s", (_n, text) => {
    expect(parseSessionFiles(text).ok).toBe(false);
  });
});
