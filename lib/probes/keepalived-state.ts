import { MAX_LINE, Unread, type UnreadLine, numberedLines } from "@/lib/probes/partial";
import { cannotRead, quoteLine, readOutput } from "@/lib/probes/read";
import { shellQuote } from "@/lib/ssh/quote";
import type { Parsed, Probe } from "@/lib/probes/types";

/**
 * keepalived's own account of its VRRP state, which `systemctl is-active` cannot give (it says "active" for
 * MASTER, BACKUP and FAULT alike). keepalived runs a notify script on every transition with the arguments
 * `INSTANCE|GROUP <name> MASTER|BACKUP|FAULT|STOP <priority>` (keepalived.conf(5), "notify"); the script
 * ClusterDeck documents (docs/keepalived.md) writes them with the time into one file per instance:
 *   1796323580 INSTANCE VI_1 FAULT 150
 * A file survives a crash, so the probe also says whether the process in keepalived's pid file still runs
 * (keepalived 2.2.7 writes /run/keepalived.pid, also with --dont-fork under systemd, and removes it on stop).
 */

export type VrrpState = "MASTER" | "BACKUP" | "FAULT" | "STOP";

export interface VrrpRecord {
  kind: "instance" | "group";
  name: string;
  state: VrrpState;
  /** the priority keepalived passed (the effective one, after track scripts' weights) */
  priority: number | null;
  /** when keepalived ran the script, epoch seconds of the host's clock */
  since: number;
}

export interface KeepalivedState {
  running: boolean;
  pid: number | null;
  /** the last transition of each instance and group, as recorded */
  records: VrrpRecord[];
  unread: UnreadLine[];
}

export interface KeepalivedStateParams {
  pidFile: string;
  stateDir: string;
}

const STATES: readonly string[] = ["MASTER", "BACKUP", "FAULT", "STOP"];
const RECORD = /^(\d{1,12}) (INSTANCE|GROUP) (\S{1,64}) (MASTER|BACKUP|FAULT|STOP|\S{1,20})(?: (\d{1,3}))?$/;

export function parseKeepalivedState(stdout: string): Parsed<KeepalivedState> {
  return readOutput(stdout, (text) => {
    const [first, ...rest] = numberedLines(text);
    const head = first?.text.trim() ?? "";
    const m = /^keepalived (running (\d{1,10})|not running)$/.exec(head.slice(0, MAX_LINE)) ?? cannotRead(`not the keepalived state probe's output: ${quoteLine(head)}`);
    const unread = new Unread();
    const records: VrrpRecord[] = [];
    for (const { line, text: row } of rest) {
      const r = row.length > MAX_LINE ? null : RECORD.exec(row.trim());
      if (!r) {
        unread.add(line, row, "not a keepalived notify record (epoch INSTANCE|GROUP name state priority)");
        continue;
      }
      const state = r[4] ?? "";
      if (!STATES.includes(state)) {
        unread.add(line, row, `unknown VRRP state ${JSON.stringify(state)}`);
        continue;
      }
      const record: VrrpRecord = {
        kind: r[2] === "GROUP" ? "group" : "instance",
        name: r[3] ?? "",
        state: state as VrrpState,
        priority: r[5] === undefined ? null : Number(r[5]),
        since: Number(r[1]),
      };
      const same = records.findIndex((x) => x.kind === record.kind && x.name === record.name);
      if (same === -1) records.push(record);
      else if ((records[same]?.since ?? 0) <= record.since) records[same] = record;
    }
    return { running: m[2] !== undefined, pid: m[2] === undefined ? null : Number(m[2]), records, unread: unread.list() };
  });
}

/** The probe: whether the process in the pid file is a live keepalived, then every record the notify script wrote. */
export function keepalivedStateCommand({ pidFile, stateDir }: KeepalivedStateParams): string {
  return [
    `p=$(cat ${shellQuote(pidFile)} 2>/dev/null)`,
    // a killed keepalived is a zombie until its parent reaps it: its /proc entry stays, in state Z
    `if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = keepalived ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$p/status"; then echo "keepalived running $p"; else echo "keepalived not running"; fi`,
    `cat ${shellQuote(stateDir)}/* 2>/dev/null`,
    "true",
  ].join("; ");
}

export const keepalivedStateProbe: Probe<KeepalivedState, KeepalivedStateParams> = {
  name: "keepalived-state",
  roles: ["lb", "fs"],
  readOnly: true,
  command: keepalivedStateCommand,
  parse: parseKeepalivedState,
};

/** The notify script docs/keepalived.md asks operators to install; the conformance suite installs this text. */
export const NOTIFY_SCRIPT = `#!/bin/sh
# keepalived runs: <this script> INSTANCE|GROUP <name> MASTER|BACKUP|FAULT|STOP <priority>
# One file per instance in STATE_DIR, replaced atomically, readable by the console's account.
STATE_DIR=/run/keepalived-state
umask 022
mkdir -p "$STATE_DIR" || exit 1
printf '%s %s %s %s %s\\n' "$(date +%s)" "$1" "$2" "$3" "$4" > "$STATE_DIR/.$1-$2" && mv -f "$STATE_DIR/.$1-$2" "$STATE_DIR/$1-$2"
`;
