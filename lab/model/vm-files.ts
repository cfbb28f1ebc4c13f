import fs from "node:fs";
import path from "node:path";
import { VMS } from "./types";
import type { World } from "./types";

/** directories every VM has, with Debian 12's owner and mode; the console's own folders as docs/host-commands.md asks an admin to make them */
const DIRS: readonly (readonly [string, string, number])[] = [
  ["/tmp", "root", 0o1777],
  ["/var/tmp", "root", 0o1777],
  ["/root", "root", 0o700],
  ["/home", "root", 0o755],
  ["/home/clusterdeck", "clusterdeck", 0o700],
  ["/etc", "root", 0o755],
  ["/var/log", "root", 0o755],
  ["/var/lib", "root", 0o755],
  ["/var/lib/clusterdeck", "clusterdeck", 0o755],
  ["/var/backups", "root", 0o755],
  ["/var/backups/clusterdeck", "clusterdeck", 0o750],
];

/** the plain files every VM has from the start; tiers and balancers add their own */
export function seedVmFiles(world: World): void {
  for (const vm of VMS) {
    for (const [d, owner, mode] of DIRS) {
      const real = world.resolvePath(vm, d);
      fs.mkdirSync(real, { recursive: true });
      world.access.setup(real, owner, owner, mode);
    }
    const info = world.vm(vm);
    write(world.resolvePath(vm, "/etc/hostname"), `${info.hostname}\n`);
    write(
      world.resolvePath(vm, "/etc/hosts"),
      [
        "127.0.0.1\tlocalhost",
        `127.0.1.1\t${info.hostname}`,
        ...VMS.map((v) => `${world.vm(v).clusterAddress}\t${world.vm(v).hostname}`),
        `${world.settings.nfsAddress}\tnfs`,
        "",
      ].join("\n"),
    );
    write(world.resolvePath(vm, "/etc/os-release"), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n');
  }
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}
