import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { hasRole, isRole } from "@/lib/auth/roles";
import { SignInInput } from "@/lib/auth/schemas";

describe("roles", () => {
  it.each([
    ["viewer", "viewer", true],
    ["viewer", "operator", false],
    ["operator", "viewer", true],
    ["operator", "admin", false],
    ["admin", "operator", true],
  ] as const)("%s has %s: %s", (actual, needed, expected) => {
    expect(hasRole(actual, needed)).toBe(expected);
  });

  it("knows only the three roles", () => {
    expect(isRole("admin")).toBe(true);
    expect(isRole("root")).toBe(false);
  });
});

describe("passwords", () => {
  it("hashes with bcrypt and verifies only the right password", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^\$2[aby]\$12\$/);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("Correct horse", hash)).toBe(false);
  });
});

describe("sign-in input", () => {
  it.each([
    [{ username: "", password: "x" }, "username"],
    [{ username: "admin", password: "" }, "password"],
    [{ username: "a".repeat(65), password: "x" }, "username"],
  ])("refuses %j on %s", (input, field) => {
    const result = SignInInput.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });

  it("drops a redirect target that leaves the site", () => {
    expect(SignInInput.parse({ username: "a", password: "b", next: "//evil.example/x" }).next).toBeUndefined();
    expect(SignInInput.parse({ username: "a", password: "b", next: "https://evil.example" }).next).toBeUndefined();
    expect(SignInInput.parse({ username: "a", password: "b", next: "/clusters/lab" }).next).toBe("/clusters/lab");
  });
});
