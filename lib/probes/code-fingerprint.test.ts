import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CodeFingerprint, codeFingerprintProbe, fingerprintWork, parseCodeFingerprint } from "@/lib/probes/code-fingerprint";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("code-fingerprint", () => {
  it("reads GNU sha1sum's real output for stdin (captured on the development machine)", () => {
    expect(valueOf(parseCodeFingerprint(fixture("code-fingerprint", "find-printf-sort-sha1sum-CAPTURED.txt")))).toEqual({
      fingerprint: "sha1:a190bb8483d97b03bbe422e60a6914b9843b54d3",
      hashedAt: null,
      checkedAt: null,
    });
  });

  it("reads the hash with when it was made and last checked", () => {
    expect(valueOf(parseCodeFingerprint("hashed 1796323800 checked 1796323830 8e9f2c40a91dfd004b035d29b4956355e068be35  -\n"))).toEqual({
      fingerprint: "sha1:8e9f2c40a91dfd004b035d29b4956355e068be35",
      hashedAt: 1796323800,
      checkedAt: 1796323830,
    });
  });

  const prev: CodeFingerprint = { fingerprint: "sha1:8e9f2c40a91dfd004b035d29b4956355e068be35", hashedAt: 1_000_000, checkedAt: 1_000_000 };
  it.each([
    ["no earlier reading", undefined, 1_000_000_000, "hash"],
    ["a bare sha1sum reading", { ...prev, hashedAt: null, checkedAt: null }, 1_000_000_000, "hash"],
    ["within the check interval", prev, 1_000_029_000, "cached"],
    ["the check interval passed", prev, 1_000_030_000, "check"],
    ["the hash interval passed", { ...prev, checkedAt: 1_000_590 }, 1_000_600_000, "hash"],
    ["the host's clock ran back", prev, 999_000_000, "hash"],
  ] as const)("asks for the right work: %s", (_n, previous, now, work) => {
    expect(fingerprintWork({ dirroot: "/d", previous, now })).toBe(work);
  });

  it.each([...garbage("sha1sum"), ["short hash", "8e9f2c40  -\n"], ["md5", "d41d8cd98f00b204e9800998ecf8427e  -\n"], ["two lines", "hashed 1 checked 1 8e9f2c40a91dfd004b035d29b4956355e068be35  -\nx\n"]])(
    "refuses %s",
    (_n, text) => {
      expect(parseCodeFingerprint(text).ok).toBe(false);
    },
  );
});

describe("code-fingerprint run by the real sh, find and sha1sum", () => {
  let dir: string;
  const run = (command: string) => execFileSync("sh", ["-c", command], { encoding: "utf8" });
  const read = (params: Parameters<typeof codeFingerprintProbe.command>[0]) => valueOf(parseCodeFingerprint(run(codeFingerprintProbe.command(params))));

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cd-fp-"));
    fs.mkdirSync(path.join(dir, "lib"));
    fs.writeFileSync(path.join(dir, "version.php"), "<?php $version = 1;\n");
    fs.writeFileSync(path.join(dir, "lib", "a.php"), "<?php\n");
    fs.writeFileSync(path.join(dir, "config.php"), "<?php // the node's own\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("hashes the same list the old one-line command hashed, config.php left out", () => {
    const full = read({ dirroot: `${dir}/` });
    const old = run(`find ${dir} -type f ! -path ${dir}/config.php -printf '%P %s %T@\\n' | LC_ALL=C sort | sha1sum`);
    expect(full.fingerprint).toBe(`sha1:${old.slice(0, 40)}`);
    expect(full.hashedAt).toBe(full.checkedAt);
    expect(Math.abs((full.hashedAt ?? 0) - Date.now() / 1000)).toBeLessThan(5);
  });

  it("answers from the last reading without touching the folder while within the check interval", () => {
    const cached = { fingerprint: "sha1:0123456789abcdef0123456789abcdef01234567", hashedAt: 1_990, checkedAt: 2_000 };
    const line = codeFingerprintProbe.command({ dirroot: "/nonexistent", previous: cached, now: 2_010_000 });
    expect(line).not.toContain("find");
    expect(valueOf(parseCodeFingerprint(run(line)))).toEqual(cached);
  });

  it("on a check, keeps the hash while no directory changed since it was made", () => {
    const first = read({ dirroot: dir });
    // as if hashed a little after every directory's last change
    const hashedAt = Math.ceil(Date.now() / 1000) + 2;
    const previous = { fingerprint: "sha1:0123456789abcdef0123456789abcdef01234567", hashedAt, checkedAt: hashedAt };
    const quiet = read({ dirroot: dir, previous, now: (hashedAt + 31) * 1000 });
    expect(quiet).toMatchObject({ fingerprint: previous.fingerprint, hashedAt });
    expect(first.fingerprint).not.toBe(previous.fingerprint);
  });

  it("on a check, hashes again when a directory changed after the hash (a file renamed into place, as rsync does)", () => {
    const hashedAt = Math.floor(Date.now() / 1000) - 3;
    fs.writeFileSync(path.join(dir, "lib", ".b.php.XXXX"), "<?php // new\n");
    fs.renameSync(path.join(dir, "lib", ".b.php.XXXX"), path.join(dir, "lib", "b.php"));
    const previous = { fingerprint: "sha1:0123456789abcdef0123456789abcdef01234567", hashedAt, checkedAt: hashedAt };
    const moved = read({ dirroot: dir, previous, now: (hashedAt + 31) * 1000 });
    expect(moved.fingerprint).toBe(read({ dirroot: dir }).fingerprint);
    expect(moved.hashedAt).toBeGreaterThan(hashedAt);
  });

  it("fails, rather than hashing nothing, when the folder is missing", () => {
    expect(() => run(codeFingerprintProbe.command({ dirroot: path.join(dir, "missing") }))).toThrow();
  });
});
