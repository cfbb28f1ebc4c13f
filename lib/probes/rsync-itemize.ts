import { toDecimal } from "@/lib/probes/numbers";
import { shellQuote } from "@/lib/ssh/quote";
import { cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export type ItemKind = "file" | "dir" | "symlink" | "device" | "special";
export type ItemChange = "created" | "updated" | "deleted" | "unchanged" | "hardlinked";
export type ItemAttribute = "checksum" | "size" | "time" | "permissions" | "owner" | "group" | "atime" | "acl" | "xattr";

export interface ItemizedChange {
  path: string;
  /** null for *deleting lines of things that are not directories (rsync does not say) */
  kind: ItemKind | null;
  change: ItemChange;
  /** "<" sent, ">" received, "c" local change, "h" hard link, "." attributes only, "*" message */
  update: string;
  attributes: ItemAttribute[];
  /** symlink target ("->") or hard-link target ("=>") */
  target: string | null;
}

export interface RsyncStats {
  files: number | null;
  createdFiles: number | null;
  deletedFiles: number | null;
  regularFilesTransferred: number | null;
  totalFileSizeBytes: number | null;
  totalTransferredFileSizeBytes: number | null;
  literalDataBytes: number | null;
  matchedDataBytes: number | null;
  totalBytesSent: number | null;
  totalBytesReceived: number | null;
  fileListGenerationSeconds: number | null;
  /** true when -h printed K/M/G (units of 1000), so the byte counts are rounded */
  approximate: boolean;
}

export interface RsyncItemized {
  changes: ItemizedChange[];
  /** the --stats block, null when rsync printed none */
  stats: RsyncStats | null;
  dryRun: boolean;
}

export interface RsyncItemizeParams {
  /** source directory (from the inventory), with a trailing slash for "contents of" */
  source: string;
  destination: string;
}

const KINDS: Record<string, ItemKind> = { f: "file", d: "dir", L: "symlink", D: "device", S: "special" };
const ATTRIBUTES: [number, ItemAttribute][] = [
  [2, "checksum"], [3, "size"], [4, "time"], [5, "permissions"], [6, "owner"], [7, "group"], [8, "atime"], [9, "acl"], [10, "xattr"],
];
const ITEM = /^([<>ch.*])([fdLDS])([cstpoguax.+ ?T]{7,9})\s(.+)$/;
const LOG_PREFIX = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[\d+\] /;
const MESSAGES = [
  /^(sending|receiving) incremental file list$/,
  /^building file list/,
  /^(\d+ files? to consider|done)$/,
  /^created directory /,
  /^sent [\d.,]+[KMGT]? bytes\s+received [\d.,]+[KMGT]? bytes/,
  /^total size is /,
];

/** "path -> target" (a symlink) or "path => target" (a hard link): split at the first arrow */
function linkIn(rest: string): { path: string; target: string } | null {
  const arrows = [rest.indexOf(" -> "), rest.indexOf(" => ")].filter((i) => i !== -1);
  if (arrows.length === 0) return null;
  const at = Math.min(...arrows);
  return { path: rest.slice(0, at), target: rest.slice(at + 4) };
}

function item(line: string): ItemizedChange | null {
  // "*deleting", whitespace, the path: read by hand, as /^\*deleting\s+(.+)$/ backtracked through the whitespace
  const afterWord = "*deleting".length;
  const pathAt = line.startsWith("*deleting") ? line.length - line.slice(afterWord).trimStart().length : -1;
  if (pathAt > afterWord && pathAt < line.length) {
    const path = line.slice(pathAt);
    return { path, kind: path.endsWith("/") ? "dir" : null, change: "deleted", update: "*", attributes: [], target: null };
  }
  const m = ITEM.exec(line);
  if (!m) return null;
  const [, update = "", kindLetter = "", flags = "", rest = ""] = m;
  const code = `${update}${kindLetter}${flags}`;
  const link = linkIn(rest);
  const created = /^\++$/.test(flags);
  const attributes = created ? [] : ATTRIBUTES.filter(([i]) => /[a-zA-Z]/.test(code[i] ?? ".")).map(([, name]) => name);
  return {
    path: link ? link.path : rest,
    kind: KINDS[kindLetter] ?? null,
    change: created ? "created" : update === "h" ? "hardlinked" : attributes.length > 0 || update === "<" || update === ">" ? "updated" : "unchanged",
    update,
    attributes,
    target: link ? link.target : null,
  };
}

const SUFFIX: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** "1,012,247,263,711", "30.96G" (with -h) or "0.002" */
function amount(token: string | undefined): { value: number; approximate: boolean } {
  const m = /^([\d,]+(?:\.\d+)?)([KMGT]?)$/.exec(token ?? "") ?? cannotRead(`not a number in --stats: ${JSON.stringify(token ?? "")}`);
  const base = toDecimal((m[1] ?? "").replaceAll(",", "")) ?? cannotRead(`not a number: ${JSON.stringify(token ?? "")}`);
  const multiplier = SUFFIX[m[2] ?? ""];
  return multiplier === undefined ? { value: base, approximate: false } : { value: Math.round(base * multiplier), approximate: true };
}

const STAT_LINES: [RegExp, Exclude<keyof RsyncStats, "approximate">][] = [
  [/^Number of files: (\S+)/, "files"],
  [/^Number of created files: (\S+)/, "createdFiles"],
  [/^Number of deleted files: (\S+)/, "deletedFiles"],
  [/^Number of regular files transferred: (\S+)/, "regularFilesTransferred"],
  [/^Total file size: (\S+) bytes/, "totalFileSizeBytes"],
  [/^Total transferred file size: (\S+) bytes/, "totalTransferredFileSizeBytes"],
  [/^Literal data: (\S+) bytes/, "literalDataBytes"],
  [/^Matched data: (\S+) bytes/, "matchedDataBytes"],
  [/^Total bytes sent: (\S+)/, "totalBytesSent"],
  [/^Total bytes received: (\S+)/, "totalBytesReceived"],
  [/^File list generation time: (\S+) seconds/, "fileListGenerationSeconds"],
];
const OTHER_STATS = [/^Number of (files|created files|deleted files)/, /^File list size: /, /^File list transfer time: /];

function statLine(stats: RsyncStats, line: string): boolean {
  for (const [pattern, key] of STAT_LINES) {
    const m = pattern.exec(line);
    if (m) {
      const { value, approximate } = amount(m[1]);
      stats[key] = value;
      stats.approximate ||= approximate;
      return true;
    }
  }
  return OTHER_STATS.some((pattern) => pattern.test(line));
}

function emptyStats(): RsyncStats {
  return {
    files: null, createdFiles: null, deletedFiles: null, regularFilesTransferred: null, totalFileSizeBytes: null,
    totalTransferredFileSizeBytes: null, literalDataBytes: null, matchedDataBytes: null, totalBytesSent: null,
    totalBytesReceived: null, fileListGenerationSeconds: null, approximate: false,
  };
}

export function parseRsyncItemize(stdout: string): Parsed<RsyncItemized> {
  return readOutput(
    stdout,
    (text) => {
      const changes: ItemizedChange[] = [];
      let stats: RsyncStats | null = null;
      let dryRun = false;
      for (const raw of text.split("\n")) {
        const line = raw.replace(LOG_PREFIX, "").trimEnd();
        if (line === "") continue;
        if (/\(DRY RUN\)$/.test(line)) dryRun = true;
        const change = item(line);
        if (change) {
          if (stats !== null) cannotRead(`itemized change after the --stats block: ${quoteLine(line)}`);
          changes.push(change);
          continue;
        }
        stats ??= /^Number of files: /.test(line) ? emptyStats() : null;
        if (stats !== null && statLine(stats, line)) continue;
        if (MESSAGES.some((pattern) => pattern.test(line))) continue;
        cannotRead(`not rsync --itemize-changes output: ${quoteLine(line)}`);
      }
      return { changes, stats, dryRun };
    },
    // nothing to transfer prints nothing: the trees are in step
    { whenEmpty: () => ({ changes: [], stats: null, dryRun: false }) },
  );
}

export const rsyncItemizeProbe: Probe<RsyncItemized, RsyncItemizeParams> = {
  name: "rsync-itemize",
  roles: ["web"],
  readOnly: true,
  // -n: a dry run that only reports how the destination differs; nothing is copied or deleted
  command: ({ source, destination }) => `rsync -ain --delete --stats ${shellQuote(source)} ${shellQuote(destination)}`,
  parse: parseRsyncItemize,
};
