import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import ssh2 from "ssh2";
import type { ParsedKey } from "ssh2";

export interface HostKey {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** OpenSSH's fingerprint: "SHA256:" + unpadded base64 of sha256 over the public key blob */
export function fingerprintOf(publicKey: string | Buffer): string {
  const parsed = parseOne(publicKey);
  const blob = parsed.getPublicSSH();
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

export function parseOne(key: string | Buffer): ParsedKey {
  const parsed = ssh2.utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  const one = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!one) throw new Error("no key found");
  return one;
}

/**
 * ssh2 emits a malformed key (a 31-byte public key) when the raw public key starts with a zero
 * byte, about once in 300 tries; neither ssh2 nor OpenSSH can read such a key, so draw again.
 */
function generateEd25519(comment: string): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
    if (!(ssh2.utils.parseKey(pair.public) instanceof Error) && !(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

function ensurePair(privatePath: string, comment: string): HostKey {
  fs.mkdirSync(path.dirname(privatePath), { recursive: true, mode: 0o700 });
  const readable = (): boolean =>
    fs.existsSync(privatePath) &&
    fs.existsSync(`${privatePath}.pub`) &&
    !(ssh2.utils.parseKey(fs.readFileSync(privatePath)) instanceof Error) &&
    !(ssh2.utils.parseKey(fs.readFileSync(`${privatePath}.pub`)) instanceof Error);
  if (!readable()) {
    const pair = generateEd25519(comment);
    fs.writeFileSync(privatePath, pair.private, { mode: 0o600 });
    fs.writeFileSync(`${privatePath}.pub`, `${pair.public}\n`, { mode: 0o644 });
  }
  fs.chmodSync(privatePath, 0o600);
  const privateKey = fs.readFileSync(privatePath, "utf8");
  const publicKey = fs.readFileSync(`${privatePath}.pub`, "utf8").trim();
  return { privateKey, publicKey, fingerprint: fingerprintOf(publicKey) };
}

/** a VM's host key, kept under <dir>/keys so fingerprints survive restarts */
export function ensureHostKey(dir: string, vm: string): HostKey {
  return ensurePair(path.join(dir, "keys", `${vm}_host`), `root@${vm}`);
}

/** a new host key for a VM in place of its old one, as `ssh-keygen -A` after removing the old files would */
export function regenerateHostKey(dir: string, vm: string): HostKey {
  const p = path.join(dir, "keys", `${vm}_host`);
  for (const f of [p, `${p}.pub`]) fs.rmSync(f, { force: true });
  return ensurePair(p, `root@${vm}`);
}

/** the key the console logs in with; every VM accepts it for any user */
export function ensureClientKey(dir: string): HostKey & { path: string } {
  const p = path.join(dir, "keys", "console_ed25519");
  return { ...ensurePair(p, "clusterdeck@lab"), path: p };
}
