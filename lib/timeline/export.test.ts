import { describe, expect, it } from "vitest";
import { escapeMarkdown } from "@/lib/timeline/export";

// What a person typed into a note or a host printed must come out of the Markdown report as the
// same literal text, whatever Markdown or HTML it contains.
describe("Markdown export escaping", () => {
  it.each([
    ["a link", "[click](javascript:alert(1))", "\\[click\\]\\(javascript:alert\\(1\\)\\)"],
    ["an image that calls home", "![x](https://tracker.example/p.png)", "\\!\\[x\\]\\(https://tracker.example/p.png\\)"],
    ["raw HTML", "<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert\\(1\\)\\>"],
    ["an entity", "&lt;b&gt;", "&amp;lt;b&amp;gt;"],
    ["a table break", "a | b", "a \\| b"],
    ["emphasis and code", "*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`"],
    ["a heading", "# Owned", "\\# Owned"],
    ["a list and a rule on a new line", "ok\n- item\n  1. one\n===", "ok\n\\- item\n  \\1. one\n\\==="],
    ["a backslash", "C:\\path", "C:\\\\path"],
  ])("keeps %s literal", (_name, input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it("leaves plain words alone", () => {
    expect(escapeMarkdown("web1 left the pool at 10:02; weight 0")).toBe("web1 left the pool at 10:02; weight 0");
  });

  it("is linear on hostile input", () => {
    const started = performance.now();
    for (const hostile of ["\n".repeat(1 << 20), " ".repeat(1 << 20), `${" \t".repeat(1 << 19)}-`, "[](".repeat(1 << 18)]) escapeMarkdown(hostile);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
