import { startLabWith } from "./start-lab";
import type { LabHandle, StartLabOptions } from "./start-lab";
import { createTiers } from "./tiers/index";

export type { LabHandle, StartLabOptions } from "./start-lab";
export type { LabHost } from "./inventory";

/**
 * Start the whole lab (core + web, storage and database tiers) in this process. Its databases are real
 * `mariadbd` processes where the machine can run them (root, Debian's mariadb-server), else the emulation.
 */
export function startLab(opts: StartLabOptions): Promise<LabHandle> {
  return startLabWith(createTiers, { ...opts, settings: { dbBackend: "real", ...opts.settings } });
}
