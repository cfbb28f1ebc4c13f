import { inventoryPath } from "@/lib/env";
import { type SudoersRule, sudoersLines, sudoersRules } from "@/lib/commands/sudoers";
import { formatProblems, readInventoryFile } from "@/lib/inventory/load";
import type { Role } from "@/lib/inventory/schema";

// Usage: npm run sudoers [-- inventory.yaml]
// The sudoers lines ClusterDeck needs on each host of the inventory in force (or the file given), per cluster and
// role, as docs/host-commands.md explains them: paste each block into /etc/sudoers.d/clusterdeck with visudo -f.

const ROLE_WORDS: Record<Role, string> = { lb: "balancers", web: "web nodes", fs: "file servers", db: "databases" };

const file = process.argv[2] ?? inventoryPath().path;
const result = readInventoryFile(file);
if (!result.ok) {
  process.stderr.write(`${formatProblems(file, result.problems)}\n`);
  process.exit(1);
}

const out: string[] = [];
for (const cluster of result.inventory.clusters) {
  const rules = sudoersRules(cluster);
  const all: SudoersRule[] = [...rules.probes, ...rules.workflows];
  for (const role of ["lb", "web", "fs", "db"] as const) {
    const hosts = cluster.hosts.filter((h) => h.role === role);
    const mine = all.filter((r) => r.roles.includes(role));
    if (hosts.length === 0 || mine.length === 0) continue;
    for (const user of [...new Set(hosts.map((h) => h.user))]) {
      const names = hosts.filter((h) => h.user === user).map((h) => h.name);
      out.push(`# cluster ${cluster.id}, ${ROLE_WORDS[role]} (${names.join(", ")}): /etc/sudoers.d/clusterdeck`, ...sudoersLines(user, mine), "");
    }
  }
}
process.stdout.write(out.join("\n"));
