import { createHash } from "node:crypto";
import fs from "node:fs";
import { Client } from "ssh2";

export interface SshResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** one persistent ssh2 connection, pinned to an expected host key, as the console's pool would hold it */
export function connect(port: number, keyFile: string, expectedFingerprint: string, readyTimeout = 5000): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let seen = "";
    c.on("ready", () => {
      c.setNoDelay(true);
      resolve(c);
    });
    c.on("error", (err) => reject(new Error(`${err.message}${seen ? ` (host key ${seen})` : ""}`)));
    c.connect({
      host: "127.0.0.1",
      port,
      username: "clusterdeck",
      privateKey: fs.readFileSync(keyFile),
      readyTimeout,
      hostVerifier: (key: Buffer) => {
        seen = fingerprint(key);
        return seen === expectedFingerprint;
      },
    });
  });
}

export function exec(c: Client, command: string, timeoutMs = 10_000): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${command} within ${timeoutMs} ms`)), timeoutMs);
    c.exec(command, (err, stream) => {
      if (err) {
        clearTimeout(timer);
        reject(err);
        return;
      }
      let stdout = "";
      let stderr = "";
      let code: number | null = null;
      stream.on("data", (d: Buffer) => (stdout += d.toString()));
      stream.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      stream.on("exit", (c2: number | null) => (code = c2));
      stream.on("close", () => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code });
      });
    });
  });
}
