import { needInt, toDecimal } from "@/lib/probes/numbers";
import { shellQuote } from "@/lib/ssh/quote";
import { cannotRead, contentLines, quoteLine, readOutput } from "@/lib/probes/read";
import type { Parsed, Probe } from "@/lib/probes/types";

/** Worker slots by scoreboard state, as mod_status documents the characters. */
export interface Scoreboard {
  waiting: number;
  starting: number;
  reading: number;
  sending: number;
  keepalive: number;
  dnsLookup: number;
  closing: number;
  logging: number;
  gracefullyFinishing: number;
  idleCleanup: number;
  open: number;
  total: number;
}

export interface ApacheStatus {
  /** the first line of 2.4 output (the ServerName); null on 2.2 */
  serverName: string | null;
  serverVersion: string | null;
  mpm: string | null;
  /** ServerUptimeSeconds (2.4) or Uptime */
  uptimeSeconds: number | null;
  totalAccesses: number | null;
  totalKBytes: number | null;
  /** ReqPerSec: Total Accesses over the whole uptime, not the current rate (see requestRate) */
  requestsPerSecond: number | null;
  bytesPerSecond: number | null;
  cpuLoad: number | null;
  busyWorkers: number;
  idleWorkers: number;
  /** 2.4.x: workers finishing their requests after a graceful restart */
  gracefulWorkers: number | null;
  /** event MPM only */
  connsTotal: number | null;
  scoreboard: Scoreboard;
  /** every "Key: value" line as printed */
  fields: Record<string, string>;
}

export interface ApacheStatusParams {
  /** e.g. http://127.0.0.1/server-status?auto (from the inventory) */
  statusUrl: string;
}

const SCOREBOARD_KEYS: Record<string, Exclude<keyof Scoreboard, "total">> = {
  _: "waiting",
  S: "starting",
  R: "reading",
  W: "sending",
  K: "keepalive",
  D: "dnsLookup",
  C: "closing",
  L: "logging",
  G: "gracefullyFinishing",
  I: "idleCleanup",
  ".": "open",
};

function scoreboard(slots: string): Scoreboard {
  const board: Scoreboard = {
    waiting: 0, starting: 0, reading: 0, sending: 0, keepalive: 0, dnsLookup: 0,
    closing: 0, logging: 0, gracefullyFinishing: 0, idleCleanup: 0, open: 0, total: slots.length,
  };
  for (const slot of slots) {
    const key = SCOREBOARD_KEYS[slot] ?? cannotRead(`unknown scoreboard state ${JSON.stringify(slot)}`);
    board[key]++;
  }
  return board;
}

export function parseApacheStatus(stdout: string): Parsed<ApacheStatus> {
  return readOutput(stdout, (text) => {
    const fields = new Map<string, string>();
    let serverName: string | null = null;
    contentLines(text).forEach((line, i) => {
      const field = /^([A-Za-z][\w[\] ]*?):\s?(.*)$/.exec(line);
      if (field) fields.set(field[1] ?? "", (field[2] ?? "").trim());
      // 2.4 starts with the server name; mod_ssl adds a bare "TLSSessionCacheStatus" heading
      else if (i === 0 && /^[\w.:-]+$/.test(line)) serverName = line;
      else if (line !== "TLSSessionCacheStatus") cannotRead(`not a server-status?auto line: ${quoteLine(line)}`);
    });
    // Apache prints derived figures as garbage while uptime is 0 ("CPULoad: 0.e+79", 2.4.71): they read as unknown.
    const decimal = (key: string): number | null => toDecimal(fields.get(key));
    const whole = (key: string): number | null => (fields.has(key) ? needInt(fields.get(key), key) : null);
    const board = fields.get("Scoreboard") ?? cannotRead("no Scoreboard line");
    return {
      serverName,
      serverVersion: fields.get("ServerVersion") ?? null,
      mpm: fields.get("ServerMPM") ?? null,
      uptimeSeconds: whole("ServerUptimeSeconds") ?? whole("Uptime"),
      totalAccesses: whole("Total Accesses"),
      totalKBytes: whole("Total kBytes"),
      requestsPerSecond: decimal("ReqPerSec"),
      bytesPerSecond: decimal("BytesPerSec"),
      cpuLoad: decimal("CPULoad"),
      busyWorkers: whole("BusyWorkers") ?? cannotRead("no BusyWorkers line"),
      idleWorkers: whole("IdleWorkers") ?? cannotRead("no IdleWorkers line"),
      gracefulWorkers: whole("GracefulWorkers"),
      connsTotal: whole("ConnsTotal"),
      scoreboard: scoreboard(board),
      fields: Object.fromEntries(fields),
    };
  });
}

export interface StatusSample {
  /** when the console received it (epoch ms) */
  at: number;
  status: ApacheStatus;
}

export type RequestRate = { perSecond: number; reason: null } | { perSecond: null; reason: string };

/**
 * Requests per second between two polls: the Total Accesses delta over the time between them. Each status
 * request is itself counted once served, so one access per interval is the console's own and is left out.
 */
export function requestRate(previous: StatusSample | null, current: StatusSample): RequestRate {
  const now = current.status;
  if (now.totalAccesses === null || now.uptimeSeconds === null) return { perSecond: null, reason: "no Total Accesses (ExtendedStatus off?)" };
  if (!previous) return { perSecond: null, reason: "needs a second poll" };
  const was = previous.status;
  if (was.totalAccesses === null || was.uptimeSeconds === null) return { perSecond: null, reason: "needs a second poll" };
  if (now.uptimeSeconds < was.uptimeSeconds || now.totalAccesses < was.totalAccesses) return { perSecond: null, reason: "Apache restarted since the last poll" };
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return { perSecond: null, reason: "needs a second poll" };
  const served = Math.max(0, now.totalAccesses - was.totalAccesses - 1);
  return { perSecond: served / seconds, reason: null };
}

export const apacheStatusProbe: Probe<ApacheStatus, ApacheStatusParams> = {
  name: "apache-status",
  roles: ["web"],
  readOnly: true,
  command: ({ statusUrl }) => `curl -fsS --max-time 5 ${shellQuote(statusUrl)}`,
  parse: parseApacheStatus,
};
