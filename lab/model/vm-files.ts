import fs from "node:fs";
import path from "node:path";
import { VMS } from "./types";
import type { World } from "./types";

const DIRS = ["/tmp", "/var/tmp", "/root", "/home", "/etc", "/var/log"];

/** the plain files every VM has from the start; tiers and balancers add their own */
export function seedVmFiles(world: World): void {
  for (const vm of VMS) {
    for (const d of DIRS) fs.mkdirSync(world.resolvePath(vm, d), { recursive: true });
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
