import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface CodeFingerprint {
  /** "sha1:<hex>" over every file's path, size and mtime: equal on nodes that serve the same code */
  fingerprint: string;
}

export function parseCodeFingerprint(stdout: string): Parsed<CodeFingerprint> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    const line = lines.length === 1 ? (lines[0] ?? "") : cannotRead(`expected one sha1sum line, got ${lines.length}`);
    const m = /^([0-9a-f]{40})\s+(?:\*?-)?$/.exec(line.trim()) ?? cannotRead(`not sha1sum output: ${quoteLine(line)}`);
    return { fingerprint: `sha1:${m[1]}` };
  });
}

export interface CodeFingerprintParams {
  dirroot: string;
}

/**
 * File metadata rather than contents: hashing all of Moodle's PHP every poll would load the host.
 * rsync -a keeps sizes and mtimes, so nodes updated from one release agree.
 */
export const codeFingerprintProbe: Probe<CodeFingerprint, CodeFingerprintParams> = {
  name: "code-fingerprint",
  roles: ["web"],
  readOnly: true,
  // The [ -d ] test makes a missing folder fail instead of hashing an empty list; no cd, so no subshell.
  command: ({ dirroot }) => {
    const dir = dirroot.replace(/\/+$/, "");
    return `[ -d ${shellQuote(dir)} ] && find ${shellQuote(dir)} -type f ! -path ${shellQuote(`${dir}/config.php`)} -printf '%P %s %T@\\n' | LC_ALL=C sort | sha1sum`;
  },
  parse: parseCodeFingerprint,
};
