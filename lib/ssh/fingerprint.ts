import crypto from "node:crypto";

/** OpenSSH's form: "SHA256:" + unpadded base64 of the SHA-256 of the public key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${crypto.createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}
