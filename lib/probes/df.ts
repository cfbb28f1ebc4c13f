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
const ROW = /^(\S.*?)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+%|-)\s+(\/.*)$/;
const NUMBERS_ONLY = /^\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+%|-)\s+(\/.*)$/;

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

function readRow(line: string, next: string | undefined): Row | null {
  const whole = ROW.exec(line);
  if (whole?.[1] !== undefined) return { device: whole[1], cells: whole.slice(2), joinedNext: false };
  // df without -P puts a long device name alone on its line and the numbers on the next one
  const rest = !/\s/.test(line) && next !== undefined ? NUMBERS_ONLY.exec(next) : null;
  return rest ? { device: line, cells: rest.slice(1), joinedNext: true } : null;
}

export const dfProbe: Probe<DiskUsage> = {
  name: "df",
  roles: "all",
  readOnly: true,
  // -l: local filesystems only; a stale NFS mount would hang df (the file servers report the dataroot)
  command: () => "LC_ALL=C df -P -l",
  parse: parseDf,
};
