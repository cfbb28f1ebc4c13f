import type { ExecContext, ExecResult, Tool, VmName, VmRole } from "../model/types";
import { DATE_DEFAULT, strftime } from "./clock-format";
import { userOf } from "../shell/access";
import type { CoreDeps } from "./deps";
import { ok, result } from "./io";

/** wall time as this VM's clock shows it: real time (NTP-synced), plus the host's small offset */
export function hostClock(deps: CoreDeps, vm: VmName): { ms: number; nanos: number } {
  const exact = performance.timeOrigin + performance.now() + deps.world.clockOffsetMs(vm);
  const ms = Math.floor(exact);
  return { ms, nanos: Math.floor((exact - ms) * 1e6) + (ms % 1000) * 1e6 };
}

const ROOT_KB: Record<VmRole, [number, number]> = {
  lb: [10_218_772, 2_871_404],
  web: [41_152_736, 9_604_212],
  fs: [20_509_264, 4_122_880],
  db: [20_509_264, 5_733_120],
};

interface DfRow {
  source: string;
  size: number;
  used: number;
  target: string;
}

export function dfRows(deps: CoreDeps, vm: VmName): DfRow[] {
  const role = deps.world.vm(vm).role;
  const full = deps.world.diskFull(vm);
  const [rootSize, rootUsed] = ROOT_KB[role];
  const rows: DfRow[] = [
    { source: "udev", size: 1_989_960, used: 0, target: "/dev" },
    { source: "tmpfs", size: 401_680, used: 1_108, target: "/run" },
    { source: "/dev/vda1", size: rootSize, used: full && role !== "db" ? rootSize : rootUsed, target: "/" },
    { source: "tmpfs", size: 2_008_384, used: 0, target: "/dev/shm" },
    { source: "tmpfs", size: 5_120, used: 0, target: "/run/lock" },
    { source: "/dev/vda15", size: 126_678, used: 6_182, target: "/boot/efi" },
  ];
  if (role === "db") rows.push({ source: "/dev/vdb1", size: 51_290_592, used: full ? 51_290_592 : 18_412_660, target: "/var/lib/mysql" });
  for (const m of deps.tiers.mounts?.(vm) ?? []) {
    rows.push({ source: m.source, size: m.sizeKb, used: full && !m.source.includes(":") ? m.sizeKb : m.usedKb, target: m.target });
  }
  return rows;
}

/** GNU df: every column as wide as its widest cell, one space apart; names left, numbers right */
function df(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const args = ctx.argv.slice(1);
  const posix = args.some((a) => a === "-P" || a === "--portability" || (/^-[a-zA-Z]+$/.test(a) && a.includes("P")));
  const human = args.some((a) => a === "-h" || (/^-[a-zA-Z]+$/.test(a) && a.includes("h")));
  const local = args.some((a) => a === "-l" || a === "--local" || (/^-[a-zA-Z]+$/.test(a) && a.includes("l")));
  const paths = args.filter((a) => !a.startsWith("-"));
  // -l leaves out network filesystems (an NFS source reads "host:/path")
  let rows = dfRows(deps, ctx.vm).filter((r) => !local || !r.source.includes(":"));
  if (paths.length) {
    const pick = (p: string): DfRow | undefined =>
      [...rows].filter((r) => p === r.target || p.startsWith(r.target.endsWith("/") ? r.target : `${r.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
    rows = paths.map(pick).filter((r): r is DfRow => r !== undefined);
  }
  const fmtSize = (kb: number): string => (human ? humanSize(kb) : String(kb));
  const header = ["Filesystem", human ? "Size" : posix ? "1024-blocks" : "1K-blocks", "Used", human ? "Avail" : "Available", posix ? "Capacity" : "Use%", "Mounted on"];
  const table = rows.map((r) => {
    const avail = Math.max(0, r.size - r.used);
    const pct = r.size === 0 ? "-" : `${Math.ceil((r.used * 100) / (r.used + avail || 1))}%`;
    return [r.source, fmtSize(r.size), fmtSize(r.used), fmtSize(avail), pct, r.target];
  });
  const all = [header, ...table];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  const out = all
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[0] ?? 0) : i === row.length - 1 ? cell : cell.padStart(widths[i] ?? 0)))
        .join(" "),
    )
    .join("\n");
  return ok(`${out}\n`);
}

function humanSize(kb: number): string {
  const units = ["K", "M", "G", "T"];
  let v = kb;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${kb}K`;
  return v < 10 ? `${Math.ceil(v * 10) / 10}${units[u]}` : `${Math.ceil(v)}${units[u]}`;
}

/** `uptime` as procps-ng prints it: clock time from the host clock, uptime from the model */
export function uptimeLine(deps: CoreDeps, vm: VmName): string {
  const clock = strftime("%H:%M:%S", hostClock(deps, vm).ms, 0);
  const secs = Math.floor(deps.load.uptimeSeconds(vm));
  const days = Math.floor(secs / 86400);
  const hours = Math.floor(secs / 3600) % 24;
  const mins = Math.floor(secs / 60) % 60;
  let line = ` ${clock} up `;
  if (days) line += `${days} day${days !== 1 ? "s" : ""}, `;
  line += hours ? `${String(hours).padStart(2)}:${String(mins).padStart(2, "0")}, ` : `${mins} min, `;
  const users = deps.loggedIn(vm);
  line += `${String(users).padStart(2)} user${users === 1 ? "" : "s"}, `;
  const [a, b, c] = deps.load.load(vm);
  line += ` load average: ${a.toFixed(2)}, ${b.toFixed(2)}, ${c.toFixed(2)}\n`;
  return line;
}

function uptime(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const flag = ctx.argv[1];
  const secs = Math.floor(deps.load.uptimeSeconds(ctx.vm));
  if (flag === "-s" || flag === "--since") {
    return ok(`${strftime("%Y-%m-%d %H:%M:%S", hostClock(deps, ctx.vm).ms - secs * 1000, 0)}\n`);
  }
  if (flag === "-p" || flag === "--pretty") {
    const parts: string[] = [];
    const weeks = Math.floor(secs / 604800);
    const days = Math.floor(secs / 86400) % 7;
    const hours = Math.floor(secs / 3600) % 24;
    const mins = Math.floor(secs / 60) % 60;
    const unit = (n: number, w: string): void => {
      if (n) parts.push(`${n} ${w}${n === 1 ? "" : "s"}`);
    };
    unit(weeks, "week");
    unit(days, "day");
    unit(hours, "hour");
    unit(mins, "minute");
    return ok(`up ${parts.join(", ") || "0 minutes"}\n`);
  }
  return ok(uptimeLine(deps, ctx.vm));
}

function date(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const args = ctx.argv.slice(1);
  let { ms, nanos } = hostClock(deps, ctx.vm);
  let format = DATE_DEFAULT;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith("+")) format = a.slice(1);
    else if (a === "-u" || a === "--utc" || a === "--universal") continue;
    else if (a === "-R" || a === "--rfc-email") format = "%a, %d %b %Y %H:%M:%S %z";
    else if (a === "-I" || a === "--iso-8601" || a === "--iso-8601=date") format = "%F";
    else if (a === "--iso-8601=seconds" || a === "-Iseconds") format = "%FT%T%:z";
    else if (a === "-d" || a === "--date" || a.startsWith("--date=") || a.startsWith("-d")) {
      const v = a === "-d" || a === "--date" ? args[++i] ?? "" : a.replace(/^--date=|^-d/, "");
      const t = v.startsWith("@") ? Number(v.slice(1)) * 1000 : Date.parse(v.includes("T") || /Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v} UTC`);
      if (!Number.isFinite(t)) return result("", `date: invalid date '${v}'\n`, 1);
      ms = Math.floor(t);
      nanos = 0;
    } else return result("", `date: invalid option -- '${a.replace(/^-+/, "")}'\nTry 'date --help' for more information.\n`, 1);
  }
  return ok(`${strftime(format, ms, nanos)}\n`);
}

function hostname(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const info = deps.world.vm(ctx.vm);
  const flag = ctx.argv[1];
  if (flag === "-I" || flag === "--all-ip-addresses") return ok(`${interfaceAddresses(deps, ctx.vm).join(" ")} \n`);
  if (flag === "-i") return ok(`${info.clusterAddress}\n`);
  return ok(`${info.hostname}\n`);
}

export function interfaceAddresses(deps: CoreDeps, vm: VmName): string[] {
  const info = deps.world.vm(vm);
  const lbAddr = vm === "lb1" ? "203.0.113.11" : vm === "lb2" ? "203.0.113.12" : null;
  const out = [lbAddr ?? `10.20.0.${info.clusterAddress.split(".")[3]}`];
  if (lbAddr && deps.balancers.ha.holders().includes(vm as "lb1" | "lb2")) out.push(deps.world.settings.vip);
  out.push(info.clusterAddress);
  for (const a of deps.tiers.extraAddresses?.(vm) ?? []) out.push(a.address);
  return out;
}

function free(ctx: ExecContext, deps: CoreDeps): ExecResult {
  const info = deps.load.meminfo(ctx.vm);
  const get = (k: string): number => Number(new RegExp(`^${k.replace(/[()]/g, "\\$&")}:\\s+(\\d+)`, "m").exec(info)?.[1] ?? 0);
  const total = get("MemTotal");
  const freeKb = get("MemFree");
  const buffCache = get("Buffers") + get("Cached") + get("SReclaimable");
  const used = total - freeKb - buffCache;
  const w = (n: number): string => String(n).padStart(12);
  return ok(
    `               total        used        free      shared  buff/cache   available\nMem:    ${w(total)}${w(used)}${w(freeKb)}${w(get("Shmem"))}${w(buffCache)}${w(get("MemAvailable"))}\nSwap:   ${w(get("SwapTotal"))}${w(0)}${w(get("SwapFree"))}\n`,
  );
}

export function systemTools(deps: CoreDeps): Record<string, Tool> {
  const all = (run: (ctx: ExecContext) => ExecResult): Tool => ({ roles: "all", run });
  return {
    date: all((ctx) => date(ctx, deps)),
    hostname: all((ctx) => hostname(ctx, deps)),
    uptime: all((ctx) => uptime(ctx, deps)),
    df: all((ctx) => df(ctx, deps)),
    free: all((ctx) => free(ctx, deps)),
    whoami: all((ctx) => ok(`${userOf(ctx)}\n`)),
    id: all((ctx) => {
      const a = deps.world.access.account(userOf(ctx));
      const name = (id: number): string => `${id}(${deps.world.access.nameOf(id)})`;
      return ok(`uid=${name(a.uid)} gid=${name(a.gid)} groups=${a.groups.map(name).join(",")}\n`);
    }),
    uname: all((ctx) => {
      const a = ctx.argv.slice(1);
      const host = deps.world.vm(ctx.vm).hostname;
      if (a.includes("-a")) return ok(`Linux ${host} 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64 GNU/Linux\n`);
      if (a.includes("-r")) return ok("6.1.0-28-amd64\n");
      if (a.includes("-n")) return ok(`${host}\n`);
      return ok("Linux\n");
    }),
    nproc: all((ctx) => ok(`${deps.world.vm(ctx.vm).role === "web" || deps.world.vm(ctx.vm).role === "db" ? 4 : 2}\n`)),
  };
}
