import { needInt } from "@/lib/probes/numbers";
import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface Filesystem {
  filesystem: string;
  /** null where df prints "-" (no size, e.g. some pseudo filesystems) */
  sizeKb: number | null;
  usedKb: number | null;
  availableKb: number | null;
  /** df's own rounded-up percentage */
  usedPercent: number | null;
  mount: string;
}

export interface DiskUsage {
  filesystems: Filesystem[];
}

const HEADER = /^Filesystem\s+(\d+)(K?)-blocks\s+Used\s+Avail(?:able)?\s+(?:Capacity|Use%)\s+Mounted on$/;
const NUMBER = /^(\d+|-)$/;
const CAPACITY = /^(\d+%|-)$/;

export function parseDf(stdout: string): Parsed<DiskUsage> {
  return readOutput(stdout, (text) => {
    const [header, ...rows] = contentLines(text);
    const h = HEADER.exec(header?.trim() ?? "") ?? cannotRead(`not a df header: ${quoteLine(header ?? "")}`);
    const blockBytes = needInt(h[1], "block size") * (h[2] === "K" ? 1024 : 1);
    const toKb = (token: string | undefined, what: string): number | null =>
      token === "-" ? null : (needInt(token, what) * blockBytes) / 1024;

    const filesystems: Filesystem[] = [];
    for (let i = 0; i < rows.length; i++) {
      const line = rows[i] ?? "";
      const row = readRow(line, rows[i + 1]) ?? cannotRead(`not a df row: ${quoteLine(line)}`);
      if (row.joinedNext) i++;
      const [size, used, available, capacity, mount] = row.cells;
      filesystems.push({
        filesystem: row.device,
        sizeKb: toKb(size, "size"),
        usedKb: toKb(used, "used"),
        availableKb: toKb(available, "available"),
        usedPercent: capacity === "-" ? null : needInt(capacity?.replace(/%$/, ""), "capacity"),
        mount: mount ?? cannotRead(`no mount point in ${quoteLine(line)}`),
      });
    }
    return { filesystems };
  });
}

interface Row {
  device: string;
  cells: string[];
  joinedNext: boolean;
}

interface Word {
  text: string;
  at: number;
}

/**
 * A row is DEVICE SIZE USED AVAIL CAPACITY MOUNT, where the device and the mount point may hold spaces
 * (the pattern /^(\S.*?)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+%|-)\s+(\/.*)$/, which backtracked: a
 * 256 KiB row took minutes). Read as words instead: the device is the fewest words that are followed by
 * three numbers, a capacity and a word starting with `/`, where the mount point starts.
 */
function cellsAt(line: string, words: readonly Word[], k: number): string[] | null {
  const [size, used, available, capacity, mount] = words.slice(k, k + 5);
  if (!size || !used || !available || !capacity || !mount) return null;
  if (!NUMBER.test(size.text) || !NUMBER.test(used.text) || !NUMBER.test(available.text) || !CAPACITY.test(capacity.text)) return null;
  return mount.text.startsWith("/") ? [size.text, used.text, available.text, capacity.text, line.slice(mount.at)] : null;
}

function wordsOf(line: string): Word[] | null {
  // JavaScript's `.` stops at these: the pattern never matched a row that held one
  if (/[\r\u2028\u2029]/.test(line)) return null;
  return Array.from(line.matchAll(/\S+/g), (m) => ({ text: m[0], at: m.index }));
}

function readRow(line: string, next: string | undefined): Row | null {
  const words = wordsOf(line);
  if (words && words[0]?.at === 0) {
    for (let k = 1; k + 5 <= words.length; k++) {
      const cells = cellsAt(line, words, k);
      const last = words[k - 1];
      if (cells && last) return { device: line.slice(0, last.at + last.text.length), cells, joinedNext: false };
    }
  }
  // df without -P puts a long device name alone on its line and the numbers on the next one
  if (/\s/.test(line) || next === undefined) return null;
  const nextWords = wordsOf(next);
  const rest = nextWords && (nextWords[0]?.at ?? 0) > 0 ? cellsAt(next, nextWords, 0) : null;
  return rest ? { device: line, cells: rest, joinedNext: true } : null;
}

export const dfProbe: Probe<DiskUsage> = {
  name: "df",
  roles: "all",
  readOnly: true,
  // -l: local filesystems only; a stale NFS mount would hang df (the file servers report the dataroot)
  command: () => "LC_ALL=C df -P -l",
  parse: parseDf,
};
