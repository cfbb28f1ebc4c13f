import { isVmName, VM_INFO } from "./settings";
import { ToolError } from "./types";
import type { Fault, FaultKind, ServerName, Tiers, VmName } from "./types";
import type { LabWorld } from "./world";

export const FAULT_KINDS: readonly FaultKind[] = [
  "vm-off",
  "server-off",
  "service-stop",
  "service-crash",
  "link-cut",
  "replication-break",
  "replica-slow",
  "disk-full",
];

export class FaultError extends ToolError {}

/** check a fault's target and give its canonical form */
export function normalizeTarget(kind: FaultKind, target: string): string {
  const t = target.trim();
  switch (kind) {
    case "vm-off":
    case "disk-full":
      if (!isVmName(t)) throw new FaultError(`${kind} needs a VM name (lb1, web1, fs1, db1, lb2, web2, fs2, db2), got "${t}"`);
      return t;
    case "server-off":
      if (t !== "A" && t !== "B") throw new FaultError(`server-off needs a physical server, A or B, got "${t}"`);
      return t;
    case "link-cut":
      if (t !== "") throw new FaultError(`link-cut takes no target, got "${t}"`);
      return "";
    case "replication-break":
    case "replica-slow":
      if (t !== "db1" && t !== "db2") throw new FaultError(`${kind} needs a database VM, db1 or db2, got "${t}"`);
      return t;
    case "service-stop":
    case "service-crash": {
      const [vm, service, extra] = t.split(":");
      if (vm === undefined || service === undefined || extra !== undefined || !isVmName(vm) || service === "") {
        throw new FaultError(`${kind} needs <vm>:<service>, e.g. web1:apache2, got "${t}"`);
      }
      return `${vm}:${service}`;
    }
  }
}

/** injects and clears faults; their consequences come out of the model (power, link, services) and the tiers */
export class Faults {
  private seq = 0;

  constructor(
    private readonly world: LabWorld,
    private readonly tiers: Tiers,
  ) {}

  list(): readonly Fault[] {
    return this.world.faults();
  }

  inject(kind: FaultKind, rawTarget: string): Fault {
    const target = normalizeTarget(kind, rawTarget);
    const existing = this.world.faults().find((f) => f.kind === kind && f.target === target);
    if (existing) return existing;
    if (kind === "service-stop" || kind === "service-crash") {
      const [vm, service] = target.split(":") as [VmName, string];
      if (!this.world.serviceKnown(vm, service)) throw new FaultError(`${vm} has no service "${service}"`);
    }
    const fault: Fault = { id: `f${++this.seq}`, kind, target, since: this.world.now() };
    this.world.addFault(fault);
    this.world.log(`fault injected: ${kind}${target ? ` ${target}` : ""}`);
    this.apply(fault, true);
    this.tiers.onFault(fault, true);
    return fault;
  }

  clear(id: string): Fault | null {
    const fault = this.world.faults().find((f) => f.id === id);
    if (!fault) return null;
    this.world.removeFault(id);
    this.world.log(`fault cleared: ${fault.kind}${fault.target ? ` ${fault.target}` : ""}`);
    this.apply(fault, false);
    this.tiers.onFault(fault, false);
    return fault;
  }

  clearMatching(kind: FaultKind, rawTarget: string): Fault | null {
    const target = normalizeTarget(kind, rawTarget);
    const fault = this.world.faults().find((f) => f.kind === kind && f.target === target);
    return fault ? this.clear(fault.id) : null;
  }

  private apply(fault: Fault, active: boolean): void {
    const w = this.world;
    switch (fault.kind) {
      case "vm-off": {
        const vm = fault.target as VmName;
        // a VM stays off while any fault holds it off
        w.setVmPower(vm, !active && !w.hasFault("vm-off", vm));
        break;
      }
      case "server-off":
        w.setServerPower(fault.target as ServerName, !active);
        break;
      case "link-cut":
        w.setLink(!active);
        break;
      case "disk-full":
        w.setDiskFull(fault.target as VmName, active);
        break;
      case "service-stop": {
        const [vm, service] = fault.target.split(":") as [VmName, string];
        w.breakService(vm, service, active);
        break;
      }
      case "service-crash": {
        // kill -9 of every process of the service: no shutdown of its own; clearing the fault starts it again
        const [vm, service] = fault.target.split(":") as [VmName, string];
        if (active) w.setService(vm, service, false, "crash");
        else if (w.isUp(vm)) w.setService(vm, service, true);
        break;
      }
      case "replication-break":
      case "replica-slow":
        break;
    }
  }
}

export function vmsOfServer(server: ServerName): VmName[] {
  return Object.values(VM_INFO)
    .filter((v) => v.server === server)
    .map((v) => v.name);
}
