import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote } from "@/lib/ssh/quote";

describe("shellQuote", () => {
  it.each([
    ["plain path, left bare", "/var/www/moodle", "/var/www/moodle"],
    ["empty", "", "''"],
    ["single quote", "it's", "'it'\\''s'"],
    ["spaces and metacharacters", "a b;$(rm -rf /)`x`", "'a b;$(rm -rf /)`x`'"],
  ])("quotes %s", (_name, input, expected) => {
    expect(shellQuote(input)).toBe(expected);
  });

  it("round-trips through a real shell", () => {
    for (const value of ["it's", "a b", "$HOME", "\\n", "'; echo pwned; '", "ünï", "*"]) {
      expect(execFileSync("sh", ["-c", `printf %s ${shellQuote(value)}`], { encoding: "utf8" })).toBe(value);
    }
  });
});
