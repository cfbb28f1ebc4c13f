import { describe, expect, it } from "vitest";
import { withoutTrailingSlashes } from "@/lib/probes/read";

describe("withoutTrailingSlashes", () => {
  it("drops every trailing slash and nothing else", () => {
    expect(withoutTrailingSlashes("https://moodle.example.org//")).toBe("https://moodle.example.org");
    expect(withoutTrailingSlashes("/var/www/moodle")).toBe("/var/www/moodle");
    expect(withoutTrailingSlashes("///")).toBe("");
    expect(withoutTrailingSlashes("")).toBe("");
  });

  // issue 10, hole 2: /\/+$/ tries every run of slashes to the end, and a wwwroot comes from the host's config.php
  it("is linear on a long run of slashes that does not end the value", () => {
    const hostile = `${"/".repeat(256 * 1024)}x`;
    const started = performance.now();
    expect(withoutTrailingSlashes(hostile)).toBe(hostile);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
