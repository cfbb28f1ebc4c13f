import type { Balancers } from "../model/balancer";
import type { HostLoad } from "../model/host-load";
import type { LabWorld } from "../model/world";
import type { Tiers, VmName } from "../model/types";
import type { VmFiles } from "../shell/files";

/** what the core's own tools can see of the model */
export interface CoreDeps {
  world: LabWorld;
  files: VmFiles;
  balancers: Balancers;
  load: HostLoad;
  tiers: Tiers;
  /** interactive logins on a VM (uptime's "users") */
  loggedIn(vm: VmName): number;
}
