import { describe, expect, it } from "vitest";
import { securityHeaders } from "@/lib/security-headers";

describe("security headers", () => {
  it("forbid framing and sniffing and keep paths out of referers, always", () => {
    for (const url of [undefined, "http://ops.example:3000", "https://ops.example"]) {
      const h = securityHeaders(url);
      expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(h["x-content-type-options"]).toBe("nosniff");
      expect(h["referrer-policy"]).toBe("same-origin");
    }
  });

  it("send HSTS only when the console is reached over https", () => {
    expect(securityHeaders("https://ops.example")["strict-transport-security"]).toMatch(/^max-age=\d{8}/);
    expect(securityHeaders("http://ops.example")["strict-transport-security"]).toBeUndefined();
    expect(securityHeaders(undefined)["strict-transport-security"]).toBeUndefined();
  });
});
