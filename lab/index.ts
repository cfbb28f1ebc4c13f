import { startLabWith } from "./start-lab";
import type { LabHandle, StartLabOptions } from "./start-lab";
import { createTiers } from "./tiers/index";

export type { LabHandle, StartLabOptions } from "./start-lab";
export type { LabHost } from "./inventory";

/** start the whole lab (core + web, storage and database tiers) in this process */
export function startLab(opts: StartLabOptions): Promise<LabHandle> {
  return startLabWith(createTiers, opts);
}
