import type { World } from "../../model/types";
import { apacheDate } from "../shared/time";

// Debian 12's apache2 as installed on the development machine (`apache2 -v`).
export const APACHE_VERSION = "Apache/2.4.71 (Debian)";
export const APACHE_BUILT = "2026-11-12T08:58:41";
/** the scoreboard mod_status prints: MaxRequestWorkers 150 of Debian's mpm_prefork.conf and mpm_event.conf */
const SCOREBOARD_SLOTS = 150;
const THREADS_PER_CHILD = 25;

export type Mpm = "prefork" | "event";

export interface ApacheState {
  restartAt: number;
  /** ParentServerConfigGeneration: 1 after a start, +1 on every graceful or `-k restart` */
  generation: number;
  accesses: number;
  kbytes: number;
  durationMs: number;
  /** end times (model ms) of requests still being served */
  inflight: number[];
  /** requests a graceful restart left to finish in the old generation's processes */
  finishing: number[];
  wasRunning: boolean;
}

export function newApache(now: number): ApacheState {
  return { restartAt: now - 86_400_000, generation: 1, accesses: 0, kbytes: 0, durationMs: 0, inflight: [], finishing: [], wasRunning: true };
}

/** a new parent process (start, or stop then start): counters, uptime and generation begin again */
export function freshStart(a: ApacheState, now: number): void {
  a.restartAt = now;
  a.generation = 1;
  a.accesses = 0;
  a.kbytes = 0;
  a.durationMs = 0;
  a.inflight = [];
  a.finishing = [];
}

/** `apachectl graceful`: a new generation of children; requests in flight finish in the old ones, counters stay */
export function gracefulRestart(a: ApacheState): void {
  a.generation += 1;
  a.finishing = [...a.finishing, ...a.inflight];
  a.inflight = [];
}

/** `apachectl restart` (SIGHUP): the parent stays, children are killed, counters and uptime start again */
export function hupRestart(a: ApacheState, now: number): void {
  const generation = a.generation + 1;
  freshStart(a, now);
  a.generation = generation;
}

export function busyWorkers(a: ApacheState, now: number): number {
  a.inflight = a.inflight.filter((end) => end > now);
  a.finishing = a.finishing.filter((end) => end > now);
  return a.inflight.length;
}

/** APR's %g: six significant digits, no leading zero before the point */
export function aprG(x: number): string {
  if (x === 0) return "0";
  // mod_status divides by an uptime of 0 in its first second; APR prints the infinity like this (seen on 2.4.71)
  if (!Number.isFinite(x)) return "0.e+79";
  let s = Number(x.toPrecision(6)).toString();
  if (s.startsWith("0.")) s = s.slice(1);
  return s;
}

function uptimeText(secs: number): string {
  const parts: string[] = [];
  const d = Math.floor(secs / 86_400);
  const h = Math.floor((secs % 86_400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  if (d) parts.push(`${d} day${d === 1 ? "" : "s"}`);
  if (h) parts.push(`${h} hour${h === 1 ? "" : "s"}`);
  if (m) parts.push(`${m} minute${m === 1 ? "" : "s"}`);
  if (s) parts.push(`${s} second${s === 1 ? "" : "s"}`);
  return parts.map((p) => ` ${p}`).join("");
}

interface Workers {
  busy: number;
  idle: number;
  processes: number;
  stopping: number;
  scoreboard: string;
}

/**
 * The scoreboard as the MPM fills it. The status request itself is one busy worker (mod_status
 * counts the worker answering it). prefork keeps 5 children (StartServers, MinSpareServers);
 * event runs 25 threads per process and adds a process while fewer than 25 threads are spare.
 * Requests left to finish by a graceful restart show as G in stopping processes, counted in
 * neither BusyWorkers nor GracefulWorkers (as 2.4.71 printed them).
 */
function workers(a: ApacheState, now: number, mpm: Mpm): Workers {
  const busy = busyWorkers(a, now) + 1;
  if (mpm === "prefork") {
    const processes = Math.min(SCOREBOARD_SLOTS, busy <= 1 ? 5 : busy + 5);
    const board = "W".repeat(busy) + "_".repeat(processes - busy);
    return { busy, idle: processes - busy, processes, stopping: 0, scoreboard: board.padEnd(SCOREBOARD_SLOTS, ".") };
  }
  const maxProcesses = SCOREBOARD_SLOTS / THREADS_PER_CHILD;
  const finishing = a.finishing.length;
  const stopping = finishing === 0 ? 0 : Math.min(maxProcesses - 1, Math.ceil(finishing / THREADS_PER_CHILD));
  const processes = Math.min(maxProcesses - stopping, Math.max(2, Math.ceil((busy + THREADS_PER_CHILD) / THREADS_PER_CHILD)));
  const slots = processes * THREADS_PER_CHILD;
  const live = ("W".repeat(busy) + "_".repeat(Math.max(0, slots - busy))).slice(0, slots);
  const old = "G".repeat(Math.min(finishing, stopping * THREADS_PER_CHILD)).padEnd(stopping * THREADS_PER_CHILD, ".");
  return { busy: Math.min(busy, slots), idle: Math.max(0, slots - busy), processes: processes + stopping, stopping, scoreboard: (old + live).padEnd(SCOREBOARD_SLOTS, ".") };
}

/** mod_status `?auto` as Apache 2.4.71 prints it for prefork (mod_php) or event (php-fpm) */
export function serverStatusAuto(world: World, a: ApacheState, serverName: string, mpm: Mpm): string {
  const now = world.now();
  const up = Math.max(0, Math.floor((now - a.restartAt) / 1000));
  const w = workers(a, now, mpm);
  const cpuUser = a.accesses * 0.012;
  const cpuSys = a.accesses * 0.004;
  const load = Math.min(8, w.busy * 0.08 + 0.05);
  const bytes = a.kbytes * 1024;
  const lines = [
    serverName,
    `ServerVersion: ${APACHE_VERSION}`,
    `ServerMPM: ${mpm}`,
    `Server Built: ${APACHE_BUILT}`,
    `CurrentTime: ${apacheDate(now)}`,
    `RestartTime: ${apacheDate(a.restartAt)}`,
    `ParentServerConfigGeneration: ${a.generation}`,
    `ParentServerMPMGeneration: ${a.generation - 1}`,
    `ServerUptimeSeconds: ${up}`,
    `ServerUptime:${uptimeText(up)}`,
    `Load1: ${load.toFixed(2)}`,
    `Load5: ${(load * 0.9).toFixed(2)}`,
    `Load15: ${(load * 0.8).toFixed(2)}`,
    `Total Accesses: ${a.accesses}`,
    `Total kBytes: ${Math.floor(a.kbytes)}`,
    `Total Duration: ${Math.round(a.durationMs)}`,
    `CPUUser: ${aprG(cpuUser)}`,
    `CPUSystem: ${aprG(cpuSys)}`,
    "CPUChildrenUser: 0",
    "CPUChildrenSystem: 0",
    `CPULoad: ${aprG(((cpuUser + cpuSys) * 100) / up)}`,
    `Uptime: ${up}`,
  ];
  // mod_status prints the per-second rates only once the server has been up a second
  if (up > 0) lines.push(`ReqPerSec: ${aprG(a.accesses / up)}`, `BytesPerSec: ${aprG(bytes / up)}`);
  if (a.accesses > 0) lines.push(`BytesPerReq: ${aprG(bytes / a.accesses)}`, `DurationPerReq: ${aprG(a.durationMs / a.accesses)}`);
  lines.push(`BusyWorkers: ${w.busy}`, "GracefulWorkers: 0", `IdleWorkers: ${w.idle}`);
  if (mpm === "event") {
    lines.push(
      `Processes: ${w.processes}`,
      `Stopping: ${w.stopping}`,
      `ConnsTotal: ${a.finishing.length}`,
      "ConnsAsyncWaitIO: 0",
      "ConnsAsyncWriting: 0",
      "ConnsAsyncKeepAlive: 0",
      "ConnsAsyncClosing: 0",
    );
  }
  lines.push(`Scoreboard: ${w.scoreboard}`);
  return `${lines.join("\n")}\n`;
}
