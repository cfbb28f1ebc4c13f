import { describe, expect, it } from "vitest";
import { codeFingerprintProbe, parseCodeFingerprint } from "@/lib/probes/code-fingerprint";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("code-fingerprint", () => {
  it("reads GNU sha1sum's real output for stdin (captured on the development machine)", () => {
    expect(valueOf(parseCodeFingerprint(fixture("code-fingerprint", "find-printf-sort-sha1sum-CAPTURED.txt")))).toEqual({
      fingerprint: "sha1:a190bb8483d97b03bbe422e60a6914b9843b54d3",
    });
  });

  it("reads sha1sum of stdin", () => {
    expect(valueOf(parseCodeFingerprint("8e9f2c40a91dfd004b035d29b4956355e068be35  -\n"))).toEqual({
      fingerprint: "sha1:8e9f2c40a91dfd004b035d29b4956355e068be35",
    });
  });

  it("hashes file metadata of the code folder, leaving out the node's own config.php", () => {
    expect(codeFingerprintProbe.command({ dirroot: "/var/www/moodle/" })).toBe(
      "[ -d /var/www/moodle ] && find /var/www/moodle -type f ! -path /var/www/moodle/config.php -printf '%P %s %T@\\n' | LC_ALL=C sort | sha1sum",
    );
  });

  it.each([...garbage("sha1sum"), ["short hash", "8e9f2c40  -\n"], ["md5", "d41d8cd98f00b204e9800998ecf8427e  -\n"]])("refuses %s", (_n, text) => {
    expect(parseCodeFingerprint(text).ok).toBe(false);
  });
});
