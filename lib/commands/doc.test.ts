import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostCommandsDoc } from "@/lib/commands/doc";
import { hostCommands } from "@/lib/commands/registry";
import { allWorkflowCommands } from "@/lib/commands/workflow";

describe("host commands", () => {
  it("docs/host-commands.md is what the registry generates (run npm run docs:host-commands)", () => {
    const committed = fs.readFileSync(path.join(process.cwd(), "docs", "host-commands.md"), "utf8");
    expect(committed).toBe(hostCommandsDoc());
  });

  it("lists every probe, all read-only, with a sudoers line for each that needs root", () => {
    const doc = hostCommandsDoc();
    const sudoers = doc.split("## sudoers")[1] ?? "";
    for (const cmd of hostCommands) {
      expect(cmd.readOnly).toBe(true);
      expect(doc).toContain(`| \`${cmd.name}\` |`);
    }
    expect(sudoers).toContain("NOPASSWD: /usr/sbin/ipvsadm -Ln\n");
    expect(sudoers).toContain("NOPASSWD: /usr/sbin/ipvsadm -Lnc\n");
    expect(sudoers).toContain("NOPASSWD: /usr/sbin/exportfs -v\n");
    const workflowRules = allWorkflowCommands.filter((c) => c.runAs !== "self").length;
    expect(sudoers.match(/NOPASSWD/g)).toHaveLength(hostCommands.filter((c) => c.sudo).length + workflowRules);
  });

  it("lists every workflow command, says which change the host, and grants sudo to exactly those that need it", () => {
    const doc = hostCommandsDoc();
    const table = doc.split("## Workflow commands")[1]?.split("## How the polling runs")[0] ?? "";
    const sudoers = doc.split("For the workflows")[1] ?? "";
    for (const cmd of allWorkflowCommands) {
      const row = table.split("\n").find((l) => l.startsWith(`| \`${cmd.name}\` |`));
      expect(row, cmd.name).toBeDefined();
      expect(row).toContain(cmd.readOnly ? "| no |" : "| **yes** |");
    }
    expect(sudoers).toContain("clusterdeck ALL=(root) NOPASSWD: /usr/sbin/ipvsadm -e -t 203.0.113.10\\:80 -r * -[gmi] -w *\n");
    expect(sudoers).toContain("clusterdeck ALL=(www-data) NOPASSWD: /usr/bin/php admin/cli/upgrade.php --non-interactive\n");
    expect(sudoers).toContain("clusterdeck ALL=(root) NOPASSWD: /usr/sbin/apachectl graceful\n");
    // rsync, the dump and the code snapshot run as the SSH account: no sudo for them
    expect(sudoers).not.toMatch(/rsync|mysqldump/);
  });
});
