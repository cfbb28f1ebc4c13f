import { cannotRead, contentLines, quoteLine, readOutput, withoutTrailingSlashes } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface CodeFingerprint {
  /** "sha1:<hex>" over every file's path, size and mtime: equal on nodes that serve the same code */
  fingerprint: string;
  /** when the host last hashed the whole tree (its clock, epoch seconds); null from a bare sha1sum line */
  hashedAt: number | null;
  /** when the host last looked for a change (epoch seconds) */
  checkedAt: number | null;
}

const LINE = /^(?:hashed (\d{1,12}) checked (\d{1,12}) )?([0-9a-f]{40})\s+\*?-$/;

export function parseCodeFingerprint(stdout: string): Parsed<CodeFingerprint> {
  return readOutput(stdout, (text) => {
    const lines = contentLines(text);
    const line = lines.length === 1 ? (lines[0] ?? "") : cannotRead(`expected one fingerprint line, got ${lines.length}`);
    const m = LINE.exec(line.trim().slice(0, 200)) ?? cannotRead(`not a fingerprint line: ${quoteLine(line)}`);
    return { fingerprint: `sha1:${m[3]}`, hashedAt: m[1] === undefined ? null : Number(m[1]), checkedAt: m[2] === undefined ? null : Number(m[2]) };
  });
}

/**
 * How often the host looks for a change (every directory's ctime against the last hash: a file added,
 * removed or renamed into place, as rsync, git and unzip do) and how often it hashes the whole tree
 * regardless (which also catches a file edited in place, the one change a directory does not show).
 */
export interface FingerprintCadence {
  checkEverySeconds: number;
  hashEverySeconds: number;
}

export const DEFAULT_CADENCE: FingerprintCadence = { checkEverySeconds: 30, hashEverySeconds: 600 };

export interface CodeFingerprintParams {
  dirroot: string;
  /** the last reading of this probe on this host, if any */
  previous?: CodeFingerprint | null;
  /** the console's clock, epoch ms */
  now?: number;
  cadence?: FingerprintCadence;
}

export type FingerprintWork = "hash" | "check" | "cached";

/** What this poll asks of the host: nothing (the last answer still stands), a change check, or a full hash. */
export function fingerprintWork(p: CodeFingerprintParams): FingerprintWork {
  const prev = p.previous;
  if (!prev || prev.hashedAt === null || prev.checkedAt === null || p.now === undefined) return "hash";
  const cadence = p.cadence ?? DEFAULT_CADENCE;
  const now = p.now / 1000;
  if (now - prev.hashedAt >= cadence.hashEverySeconds || now < prev.checkedAt - 60) return "hash";
  return now - prev.checkedAt >= cadence.checkEverySeconds ? "check" : "cached";
}

/**
 * File metadata rather than contents, and only as often as the cadence asks: hashing a real Moodle tree
 * (29,137 files) costs about 0.4 s of CPU, which every 2 s on every web node was a fifth of a core.
 * rsync -a keeps sizes and mtimes, so nodes updated from one release agree.
 */
export const codeFingerprintProbe: Probe<CodeFingerprint, CodeFingerprintParams> = {
  name: "code-fingerprint",
  roles: ["web"],
  readOnly: true,
  command: (p) => {
    const dir = shellQuote(withoutTrailingSlashes(p.dirroot) || "/");
    // `cd` first: a missing folder fails instead of hashing an empty list
    const hash = `printf 'hashed %s checked %s ' "$t" "$t" && find . -type f ! -path ./config.php -printf '%P %s %T@\\n' | LC_ALL=C sort | sha1sum`;
    const work = fingerprintWork(p);
    const prev = p.previous;
    if (work === "hash" || !prev || prev.hashedAt === null || prev.checkedAt === null) return `cd ${dir} && t=$(date +%s) && ${hash}`;
    const hex = /^sha1:([0-9a-f]{40})$/.exec(prev.fingerprint)?.[1];
    if (!hex) return `cd ${dir} && t=$(date +%s) && ${hash}`;
    const unchanged = (checked: string) => `printf 'hashed %s checked %s %s  -\\n' ${prev.hashedAt} ${checked} ${hex}`;
    if (work === "cached") return unchanged(String(prev.checkedAt));
    return `cd ${dir} && t=$(date +%s) && c=$(find . -type d -newerct @${prev.hashedAt - 1} -print -quit) && ([ -z "$c" ] && ${unchanged('"$t"')} || (${hash}))`;
  },
  parse: parseCodeFingerprint,
};
