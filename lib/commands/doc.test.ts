import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostCommandsDoc } from "@/lib/commands/doc";
import { commandLine, hostCommands } from "@/lib/commands/registry";

describe("host commands", () => {
  it("docs/host-commands.md is what the registry generates (run npm run docs:host-commands)", () => {
    const committed = fs.readFileSync(path.join(process.cwd(), "docs", "host-commands.md"), "utf8");
    expect(committed).toBe(hostCommandsDoc());
  });

  it("every probe is read-only and every root command has a sudoers line", () => {
    const doc = hostCommandsDoc();
    for (const cmd of hostCommands) {
      expect(cmd.readOnly).toBe(true);
      expect(doc).toContain(`\`${commandLine(cmd)}\``);
      if (cmd.sudo) expect(doc).toContain(`NOPASSWD: /usr/sbin/${cmd.command()}`);
    }
  });
});
