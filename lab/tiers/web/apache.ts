import type { WebVm, World } from "../../model/types";
import { apacheDate } from "../shared/time";

export const APACHE_VERSION = "Apache/2.4.62 (Debian)";
export const APACHE_BUILT = "2024-07-23T18:59:26";
const THREADS_PER_CHILD = 25;
const MAX_WORKERS = 150;

export interface ApacheState {
  restartAt: number;
  generation: number;
  accesses: number;
  kbytes: number;
  durationMs: number;
  /** end times (model ms) of requests still being served */
  inflight: number[];
  wasRunning: boolean;
}

export function newApache(now: number): ApacheState {
  return { restartAt: now - 86_400_000, generation: 1, accesses: 0, kbytes: 0, durationMs: 0, inflight: [], wasRunning: true };
}

export function busyWorkers(a: ApacheState, now: number): number {
  a.inflight = a.inflight.filter((end) => end > now);
  return a.inflight.length;
}

/** APR's %g: six significant digits, no leading zero before the point */
export function aprG(x: number): string {
  if (x === 0) return "0";
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

/** mod_status `?auto` output for a 2.4 event MPM server */
export function serverStatusAuto(world: World, vm: WebVm, a: ApacheState, hostHeader: string): string {
  const now = world.now();
  const up = Math.max(1, Math.floor((now - a.restartAt) / 1000));
  const busy = busyWorkers(a, now);
  const processes = Math.min(MAX_WORKERS / THREADS_PER_CHILD, Math.max(2, Math.ceil((busy + 10) / THREADS_PER_CHILD)));
  const slots = processes * THREADS_PER_CHILD;
  const idle = slots - busy;
  const scoreboard = ("W".repeat(busy) + "_".repeat(idle)).padEnd(MAX_WORKERS, ".");
  const cpuUser = a.accesses * 0.012;
  const cpuSys = a.accesses * 0.004;
  const load = Math.min(8, busy * 0.08 + 0.05);
  const bytes = a.kbytes * 1024;
  const lines = [
    hostHeader,
    `ServerVersion: ${APACHE_VERSION}`,
    "ServerMPM: event",
    `Server Built: ${APACHE_BUILT}`,
    `CurrentTime: ${apacheDate(now)}`,
    `RestartTime: ${apacheDate(a.restartAt)}`,
    `ParentServerConfigGeneration: ${a.generation}`,
    "ParentServerMPMGeneration: 0",
    `ServerUptimeSeconds: ${up}`,
    `ServerUptime:${uptimeText(up)}`,
    `Load1: ${load.toFixed(2)}`,
    `Load5: ${(load * 0.9).toFixed(2)}`,
    `Load15: ${(load * 0.8).toFixed(2)}`,
    `Total Accesses: ${a.accesses}`,
    `Total kBytes: ${Math.round(a.kbytes)}`,
    `Total Duration: ${Math.round(a.durationMs)}`,
    `CPUUser: ${aprG(cpuUser)}`,
    `CPUSystem: ${aprG(cpuSys)}`,
    "CPUChildrenUser: 0",
    "CPUChildrenSystem: 0",
    `CPULoad: ${aprG(((cpuUser + cpuSys) * 100) / up)}`,
    `Uptime: ${up}`,
    `ReqPerSec: ${aprG(a.accesses / up)}`,
    `BytesPerSec: ${aprG(bytes / up)}`,
    `BytesPerReq: ${aprG(a.accesses ? bytes / a.accesses : 0)}`,
    `DurationPerReq: ${aprG(a.accesses ? a.durationMs / a.accesses : 0)}`,
    `BusyWorkers: ${busy}`,
    `IdleWorkers: ${idle}`,
    `Processes: ${processes}`,
    "Stopping: 0",
    `ConnsTotal: ${busy}`,
    "ConnsAsyncWriting: 0",
    `ConnsAsyncKeepAlive: ${Math.floor(busy / 3)}`,
    "ConnsAsyncClosing: 0",
    `Scoreboard: ${scoreboard}`,
  ];
  return `${lines.join("\n")}\n`;
}
