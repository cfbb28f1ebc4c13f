import { deriveRng } from "./rng";
import { VMS } from "./types";
import type { Traffic } from "./traffic";
import type { LabWorld } from "./world";
import type { Rng, VmName, VmRole } from "./types";

interface LoadState {
  avg: [number, number, number];
  running: number;
  lastPid: number;
}

const MEM_TOTAL_KB: Record<VmRole, number> = { lb: 2_030_144, web: 8_148_508, fs: 4_028_712, db: 16_393_240 };
const BASE_PROCS: Record<VmRole, number> = { lb: 112, web: 164, fs: 131, db: 126 };
const CPUS: Record<VmRole, number> = { lb: 2, web: 4, fs: 2, db: 4 };

/** per-host load averages that follow the traffic, with the kernel's 5-second exponential decay */
export class HostLoad {
  private readonly rng: Rng;
  private readonly state = new Map<VmName, LoadState>();

  constructor(
    private readonly world: LabWorld,
    private readonly traffic: () => Traffic | null,
  ) {
    this.rng = deriveRng(world.settings.seed, "load");
    for (const vm of VMS) {
      const n = this.runnable(vm);
      this.state.set(vm, { avg: [n, n, n], running: 1, lastPid: this.rng.int(2000, 60000) });
    }
    world.onPower((vm, up) => {
      if (up) this.state.set(vm, { avg: [0.4, 0.2, 0.07], running: 1, lastPid: this.rng.int(600, 900) });
    });
    world.scheduler.every(5000, () => this.sample());
  }

  private runnable(vm: VmName): number {
    const t = this.traffic();
    const role = this.world.vm(vm).role;
    const total = t?.rate.total ?? 1.5;
    switch (role) {
      case "web": {
        const rate = t ? t.rate[vm === "web1" ? "web1" : "web2"] : 0.7;
        return this.world.serviceRunning(vm, "apache2") ? 0.08 + rate * 0.35 : 0.02;
      }
      case "db":
        return this.world.serviceRunning(vm, "mysql") ? 0.06 + total * 0.12 : 0.01;
      case "fs":
        return 0.04 + total * 0.05;
      case "lb":
        return 0.01 + total * 0.004;
    }
  }

  private sample(): void {
    const decay = [Math.exp(-5 / 60), Math.exp(-5 / 300), Math.exp(-5 / 900)] as const;
    for (const vm of VMS) {
      const s = this.state.get(vm);
      if (!s || !this.world.isUp(vm)) continue;
      const n = Math.max(0, this.runnable(vm) * (0.6 + this.rng.next() * 0.8));
      s.avg = [
        s.avg[0] * decay[0] + n * (1 - decay[0]),
        s.avg[1] * decay[1] + n * (1 - decay[1]),
        s.avg[2] * decay[2] + n * (1 - decay[2]),
      ];
      s.running = 1 + Math.floor(n + this.rng.next() * 0.5);
      s.lastPid += this.rng.int(3, 40);
    }
  }

  loadavg(vm: VmName): string {
    const s = this.get(vm);
    const total = BASE_PROCS[this.world.vm(vm).role] + Math.round(s.avg[0] * 20);
    return `${s.avg.map((a) => a.toFixed(2)).join(" ")} ${s.running}/${total} ${s.lastPid}\n`;
  }

  load(vm: VmName): readonly [number, number, number] {
    return this.get(vm).avg;
  }

  uptimeSeconds(vm: VmName): number {
    return Math.max(0, (this.world.now() - this.world.bootAt(vm)) / 1000);
  }

  procUptime(vm: VmName): string {
    const up = this.uptimeSeconds(vm);
    const idle = up * CPUS[this.world.vm(vm).role] * (0.97 - Math.min(0.5, this.get(vm).avg[2] / 10));
    return `${up.toFixed(2)} ${idle.toFixed(2)}\n`;
  }

  meminfo(vm: VmName): string {
    const role = this.world.vm(vm).role;
    const total = MEM_TOTAL_KB[role];
    const busy = Math.min(1, this.get(vm).avg[0] / CPUS[role]);
    const anon = Math.round(total * ((role === "db" ? 0.55 : role === "web" ? 0.22 : 0.06) + busy * 0.1));
    const cached = Math.round(total * (role === "fs" ? 0.55 : 0.25));
    const buffers = Math.round(total * 0.012);
    const slab = Math.round(total * 0.035);
    const sreclaim = Math.round(slab * 0.65);
    const shmem = Math.round(total * 0.004);
    const free = Math.max(0, total - anon - cached - buffers - slab - Math.round(total * 0.02));
    const available = free + Math.round(cached * 0.85) + sreclaim;
    const activeAnon = Math.round(anon * 0.8);
    const activeFile = Math.round(cached * 0.55);
    const swapTotal = 1_998_844;
    const rows: [string, number, boolean][] = [
      ["MemTotal", total, true],
      ["MemFree", free, true],
      ["MemAvailable", available, true],
      ["Buffers", buffers, true],
      ["Cached", cached, true],
      ["SwapCached", 0, true],
      ["Active", activeAnon + activeFile, true],
      ["Inactive", anon - activeAnon + cached - activeFile, true],
      ["Active(anon)", activeAnon, true],
      ["Inactive(anon)", anon - activeAnon, true],
      ["Active(file)", activeFile, true],
      ["Inactive(file)", cached - activeFile, true],
      ["Unevictable", 0, true],
      ["Mlocked", 0, true],
      ["SwapTotal", swapTotal, true],
      ["SwapFree", swapTotal, true],
      ["Dirty", 40 + Math.round(busy * 900), true],
      ["Writeback", 0, true],
      ["AnonPages", anon, true],
      ["Mapped", Math.round(total * 0.02), true],
      ["Shmem", shmem, true],
      ["KReclaimable", sreclaim, true],
      ["Slab", slab, true],
      ["SReclaimable", sreclaim, true],
      ["SUnreclaim", slab - sreclaim, true],
      ["KernelStack", 3200 + BASE_PROCS[role] * 16, true],
      ["PageTables", Math.round(anon * 0.01), true],
      ["NFS_Unstable", 0, true],
      ["Bounce", 0, true],
      ["WritebackTmp", 0, true],
      ["CommitLimit", Math.round(total / 2) + swapTotal, true],
      ["Committed_AS", Math.round(anon * 1.6), true],
      ["VmallocTotal", 34359738367, true],
      ["VmallocUsed", 21932, true],
      ["VmallocChunk", 0, true],
      ["Percpu", 1024 * CPUS[role], true],
      ["HardwareCorrupted", 0, true],
      ["AnonHugePages", 0, true],
      ["ShmemHugePages", 0, true],
      ["ShmemPmdMapped", 0, true],
      ["FileHugePages", 0, true],
      ["FilePmdMapped", 0, true],
      ["HugePages_Total", 0, false],
      ["HugePages_Free", 0, false],
      ["HugePages_Rsvd", 0, false],
      ["HugePages_Surp", 0, false],
      ["Hugepagesize", 2048, true],
      ["Hugetlb", 0, true],
      ["DirectMap4k", 161_660, true],
      ["DirectMap2M", Math.ceil(total / 2048) * 2048, true],
      ["DirectMap1G", total > 8_000_000 ? 2_097_152 : 0, true],
    ];
    // the kernel pads "Name:" to 16 columns and the value to 8 (longer names keep one space and shrink the value column)
    return rows.map(([k, v, kb]) => meminfoLine(k, v, kb)).join("");
  }

  private get(vm: VmName): LoadState {
    const s = this.state.get(vm);
    if (!s) throw new Error(`no load for ${vm}`);
    return s;
  }
}

function meminfoLine(name: string, value: number, kb: boolean): string {
  const prefix = name.length + 1 < 16 ? `${name}:`.padEnd(16) : `${name}: `;
  return `${prefix}${String(value).padStart(Math.max(1, 24 - prefix.length))}${kb ? " kB" : ""}\n`;
}
