import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostCommandsDoc } from "@/lib/commands/doc";
import { hostCommands } from "@/lib/commands/registry";

describe("host commands", () => {
  it("docs/host-commands.md is what the registry generates (run npm run docs:host-commands)", () => {
    const committed = fs.readFileSync(path.join(process.cwd(), "docs", "host-commands.md"), "utf8");
    expect(committed).toBe(hostCommandsDoc());
  });

  it("lists every command, all read-only so far, with a sudoers line for each that needs root", () => {
    const doc = hostCommandsDoc();
    const sudoers = doc.split("## sudoers")[1] ?? "";
    for (const cmd of hostCommands) {
      expect(cmd.readOnly).toBe(true);
      expect(doc).toContain(`| \`${cmd.name}\` |`);
    }
    expect(sudoers).toContain("NOPASSWD: /usr/sbin/ipvsadm -Ln\n");
    expect(sudoers).toContain("NOPASSWD: /usr/sbin/ipvsadm -Lnc\n");
    expect(sudoers).toContain("NOPASSWD: /usr/sbin/exportfs -v\n");
    expect(sudoers.match(/NOPASSWD/g)).toHaveLength(hostCommands.filter((c) => c.sudo).length);
  });
});
