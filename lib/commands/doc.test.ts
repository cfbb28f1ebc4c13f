import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { documentedCluster, hostCommandsDoc } from "@/lib/commands/doc";
import { hostCommands } from "@/lib/commands/registry";
import { sudoersRules } from "@/lib/commands/sudoers";
import { allWorkflowCommands } from "@/lib/commands/workflow";

/** whether a sudoers Cmnd holds a `*` that reaches fnmatch as a wildcard (which also matches spaces) */
function wildStar(cmnd: string): boolean {
  // sudoers' parser drops the backslash of \\ \, \: \= \# and "\ "; other escapes reach fnmatch as written
  let pattern = "";
  for (let i = 0; i < cmnd.length; i++) {
    const next = cmnd.charAt(i + 1);
    if (cmnd.charAt(i) === "\\" && next !== "" && "\\,:=# ".includes(next)) {
      pattern += next;
      i++;
    } else pattern += cmnd.charAt(i);
  }
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.charAt(i) === "\\") i++;
    else if (pattern.charAt(i) === "*") return true;
  }
  return false;
}

/** the sudoers lines of a doc section, continuation lines joined */
function sudoersOf(section: string): string[] {
  const block = section.split("```\n")[1] ?? "";
  return block.replace(/\\\n */g, "").split("\n").filter(Boolean);
}

describe("host commands", () => {
  it("docs/host-commands.md is what the registry generates (run npm run docs:host-commands)", () => {
    const committed = fs.readFileSync(path.join(process.cwd(), "docs", "host-commands.md"), "utf8");
    expect(committed).toBe(hostCommandsDoc());
  });

  it("lists every probe, all read-only, and grants root to the ones that need it, exactly", () => {
    const doc = hostCommandsDoc();
    const sudoers = sudoersOf(doc.split("The probes:")[1] ?? "");
    for (const cmd of hostCommands) {
      expect(cmd.readOnly).toBe(true);
      expect(doc).toContain(`| \`${cmd.name}\` |`);
    }
    expect(sudoers).toContain("clusterdeck ALL=(root) NOPASSWD: /usr/sbin/ipvsadm -Ln");
    expect(sudoers).toContain("clusterdeck ALL=(root) NOPASSWD: /usr/sbin/ipvsadm -Lnc");
    expect(sudoers).toContain("clusterdeck ALL=(root) NOPASSWD: /usr/sbin/exportfs -v");
    // sudoers' parser would read a bare '=' as the end of a Host_Alias
    expect(sudoers).toContain("clusterdeck ALL=(root) NOPASSWD: /usr/sbin/crm_mon --output-as\\=xml -1");
  });

  it("lists every workflow command, says which change the host, and grants sudo to exactly those that need it", () => {
    const doc = hostCommandsDoc();
    const table = doc.split("## Workflow commands")[1]?.split("## How the polling runs")[0] ?? "";
    const sudoers = sudoersOf(doc.split("For the workflows")[1] ?? "");
    for (const cmd of allWorkflowCommands) {
      const row = table.split("\n").find((l) => l.startsWith(`| \`${cmd.name}\` |`));
      expect(row, cmd.name).toBeDefined();
      expect(row).toContain(cmd.readOnly ? "| no |" : "| **yes** |");
    }
    const all = sudoers.join("\n");
    expect(all).toContain("/usr/sbin/ipvsadm -e -t 203.0.113.10\\:443 -r 192.168.10.21\\:443 -[gmi] -w [1-9][0-9][0-9][0-9][0-9]");
    expect(sudoers).toContain("clusterdeck ALL=(www-data) NOPASSWD: /usr/bin/php /var/www/moodle/admin/cli/upgrade.php --non-interactive");
    expect(sudoers).toContain("clusterdeck ALL=(root) NOPASSWD: /usr/sbin/apachectl graceful");
    expect(sudoers).toContain('clusterdeck ALL=(root) NOPASSWD: /usr/share/heartbeat/hb_standby ""');
    // rsync, the dump and the code snapshot run as the SSH account: no sudo for them
    expect(all).not.toMatch(/rsync|mysqldump/);
    const rules = sudoersRules(documentedCluster()).workflows;
    for (const rule of rules) expect(all, rule.name).toContain(rule.command);
  });

  it("tells a wildcard * from a literal one as sudo does", () => {
    expect(wildStar("/usr/sbin/ipvsadm -w *")).toBe(true);
    expect(wildStar("/usr/bin/grep -E ^\\\\\\\\$CFG\\[\\[\\:space\\:\\]\\]\\*\\= /x")).toBe(false);
    expect(wildStar("/usr/bin/grep a\\\\\\\\* /x")).toBe(true);
    expect(wildStar("/usr/bin/grep a\\* /x")).toBe(false);
  });

  it("grants no wildcard that could match further arguments, and names every program by its absolute path", () => {
    const doc = hostCommandsDoc();
    const lines = sudoersOf(doc.split("The probes:")[1] ?? "")
      .concat(sudoersOf(doc.split("For the workflows")[1] ?? ""))
      .concat(sudoersOf(doc.split("moves with the source), the database drill also needs")[1] ?? ""));
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const commands = line.replace(/^clusterdeck ALL=\((root|www-data)\) NOPASSWD: /, "");
      expect(commands, line).not.toBe(line);
      for (const cmnd of commands.split(/(?<!\\), /)) {
        expect(cmnd, line).toMatch(/^\/[^ ]+( |$)/);
        expect(wildStar(cmnd), cmnd).toBe(false);
      }
    }
  });
});
