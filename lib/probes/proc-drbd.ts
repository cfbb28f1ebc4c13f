import { needDecimal, needInt } from "@/lib/probes/numbers";
import { MAX_LINE, Unread, type UnreadLine, numberedLines } from "@/lib/probes/partial";
import { CannotRead, cannotRead, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

export interface DrbdSyncProgress {
  /** "sync" during resync, "verify" during online verify */
  kind: "sync" | "verify";
  percent: number;
  remainingKb: number;
  totalKb: number;
  finishSeconds: number | null;
  speedKbPerSec: number | null;
  averageKbPerSec: number | null;
  wantKbPerSec: number | null;
}

export interface DrbdMinor {
  minor: number;
  /** cs: Connected, WFConnection, StandAlone, SyncSource, SyncTarget, Unconfigured... */
  connection: string;
  role: string | null;
  peerRole: string | null;
  disk: string | null;
  peerDisk: string | null;
  /** replication protocol; null when not connected (StandAlone prints none) */
  protocol: "A" | "B" | "C" | null;
  ioFlags: string | null;
  /** ns, nr, dw, dr, al, bm, lo, pe, ua, ap, ep, oos (KiB or counts, as the kernel documents them) */
  counters: Record<string, number>;
  /** write ordering method: b(arrier), f(lush), d(rain), n(one) */
  writeOrdering: string | null;
  outOfSyncKb: number | null;
  sync: DrbdSyncProgress | null;
}

export interface ProcDrbd {
  version: string | null;
  /** DRBD 9 prints only version and transports here; resource state comes from `drbdadm status` */
  drbd9: boolean;
  minors: DrbdMinor[];
  /** lines this reader does not know (a newer kernel's detail lines): the rest is read all the same */
  unread: UnreadLine[];
}

const MINOR = /^\s*(\d+): cs:(\S+)(?:\s+(?:ro|st):([^\s/]+)\/([^\s/]+)\s+ds:([^\s/]+)\/([^\s/]+)(?:\s+([ABC])(?=\s))?(?:\s+(\S+))?)?\s*$/;
const PROGRESS = /^\s*\[[=>.]*\]\s+(sync'ed|verified):\s+([\d.]+)%\s+\((\d+)\/(\d+)\)([KM])$/;
const FINISH = /^\s*finish:\s+(\d+):(\d{2}):(\d{2})\s+speed:\s+([\d,]+)\s+\(([\d,]+)\)(?:\s+want:\s+([\d,]+))?\s+K\/sec/;

function kb(token: string | undefined, what: string): number {
  return needInt(token?.replaceAll(",", ""), what);
}

function counters(line: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const pair of line.trim().split(/\s+/)) {
    const [key, value] = pair.split(":");
    if (key === undefined || value === undefined) cannotRead(`not a counter: ${JSON.stringify(pair)}`);
    if (key !== "wo") result[key] = needInt(value, key);
  }
  return result;
}

export function parseProcDrbd(stdout: string): Parsed<ProcDrbd> {
  return readOutput(stdout, (text) => {
    let version: string | null = null;
    let drbd9 = false;
    let sawHeader = false;
    const minors: DrbdMinor[] = [];
    const unread = new Unread();
    for (const { line: n, text: line } of numberedLines(text)) {
      if (line.length > MAX_LINE) {
        unread.add(n, line, "line too long");
        continue;
      }
      try {
        const read = readLine(line, minors);
        if (read === "unknown") unread.add(n, line, minors.length === 0 ? "not a /proc/drbd line" : "not a line this reader knows");
        else if (read === "version" || read === "header") {
          sawHeader = true;
          const v = /^version:\s+(\S+)\s+\(api:/.exec(line.trim());
          if (v) {
            version = v[1] ?? null;
            drbd9 = /^9\./.test(version ?? "");
          } else drbd9 ||= line.trim().startsWith("Transports");
        }
      } catch (error) {
        if (!(error instanceof CannotRead)) throw error;
        unread.add(n, line, error.message);
      }
    }
    if (!sawHeader && minors.length === 0) cannotRead("no version line and no minors");
    if (!drbd9) {
      for (const m of minors) {
        if (m.connection !== "Unconfigured" && Object.keys(m.counters).length === 0) unread.add(0, "", `minor ${m.minor} has no counter line (truncated?)`);
      }
    }
    return { version, drbd9, minors, unread: unread.list() };
  });
}

/** Reads one line into `minors`; says what kind of line it was. */
function readLine(line: string, minors: DrbdMinor[]): "version" | "header" | "minor" | "detail" | "unknown" {
  const trimmed = line.trim();
  if (/^version:\s+(\S+)\s+\(api:/.test(trimmed)) return "version";
  if (/^(GIT-hash|srcversion):/.test(trimmed) || /^Transports \(api:\d+\):/.test(trimmed)) return "header";
  const m = MINOR.exec(line);
  if (m) {
    minors.push({
      minor: needInt(m[1], "minor"),
      connection: m[2] ?? "",
      role: m[3] ?? null,
      peerRole: m[4] ?? null,
      disk: m[5] ?? null,
      peerDisk: m[6] ?? null,
      protocol: m[7] === "A" || m[7] === "B" || m[7] === "C" ? m[7] : null,
      ioFlags: m[8] ?? null,
      counters: {},
      writeOrdering: null,
      outOfSyncKb: null,
      sync: null,
    });
    return "minor";
  }
  const current = minors.at(-1);
  if (!current) return "unknown";
  if (/^ns:/.test(trimmed)) {
    current.counters = counters(trimmed);
    current.writeOrdering = /\bwo:(\S+)/.exec(trimmed)?.[1] ?? null;
    current.outOfSyncKb = current.counters.oos ?? null;
    return "detail";
  }
  const progress = PROGRESS.exec(line);
  if (progress) {
    const unit = progress[5] === "M" ? 1024 : 1;
    current.sync = {
      kind: progress[1] === "verified" ? "verify" : "sync",
      percent: needDecimal(progress[2], "sync percent"),
      remainingKb: kb(progress[3], "remaining") * unit,
      totalKb: kb(progress[4], "total") * unit,
      finishSeconds: null,
      speedKbPerSec: null,
      averageKbPerSec: null,
      wantKbPerSec: null,
    };
    return "detail";
  }
  const finish = FINISH.exec(line);
  if (finish && current.sync) {
    current.sync.finishSeconds = kb(finish[1], "hours") * 3600 + kb(finish[2], "minutes") * 60 + kb(finish[3], "seconds");
    current.sync.speedKbPerSec = kb(finish[4], "speed");
    current.sync.averageKbPerSec = kb(finish[5], "average speed");
    current.sync.wantKbPerSec = finish[6] === undefined ? null : kb(finish[6], "wanted speed");
    return "detail";
  }
  // proc_details >= 1 adds resync position and activity-log/resync-LRU lines (drbd_proc.c); they carry nothing we show
  if (/^(resync|act_log):/.test(trimmed) || /^\d+% sector pos:/.test(trimmed)) return "detail";
  return "unknown";
}

export const procDrbdProbe: Probe<ProcDrbd> = {
  name: "proc-drbd",
  roles: ["fs"],
  readOnly: true,
  command: () => "cat /proc/drbd",
  parse: parseProcDrbd,
};
