import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ensureClientKey, ensureHostKey, fingerprintOf, regenerateHostKey } from "./keys";

describe("lab keys", () => {
  it("are generated once, readable, 0600, and keep their fingerprint", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-keys-"));
    try {
      const keys = Array.from({ length: 40 }, (_, i) => ensureHostKey(dir, `vm${i}`));
      for (const k of keys) expect(k.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(ensureHostKey(dir, "vm0").fingerprint).toBe(keys[0]?.fingerprint);
      const client = ensureClientKey(dir);
      expect(fs.statSync(client.path).mode & 0o777).toBe(0o600);
      expect(client.privateKey).toContain("BEGIN OPENSSH PRIVATE KEY");
      expect(fingerprintOf(client.publicKey)).toBe(client.fingerprint);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("computes the fingerprint ssh-keygen prints", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-keys-"));
    try {
      const key = ensureHostKey(dir, "web1");
      const out = execFileSync("ssh-keygen", ["-lf", path.join(dir, "keys", "web1_host.pub")], { encoding: "utf8" });
      expect(out.split(" ")[1]).toBe(key.fingerprint);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("regenerates a host key in place: a new fingerprint, kept from then on, 0600, and what ssh-keygen prints", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-keys-"));
    try {
      const old = ensureHostKey(dir, "web1");
      const other = ensureHostKey(dir, "web2");
      const fresh = regenerateHostKey(dir, "web1");
      expect(fresh.fingerprint).not.toBe(old.fingerprint);
      expect(ensureHostKey(dir, "web1").fingerprint).toBe(fresh.fingerprint);
      expect(ensureHostKey(dir, "web2").fingerprint).toBe(other.fingerprint);
      expect(fs.statSync(path.join(dir, "keys", "web1_host")).mode & 0o777).toBe(0o600);
      const out = execFileSync("ssh-keygen", ["-lf", path.join(dir, "keys", "web1_host.pub")], { encoding: "utf8" });
      expect(out.split(" ")[1]).toBe(fresh.fingerprint);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
