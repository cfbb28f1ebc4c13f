import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { moodleSettingsProbe, parseMoodleSettings } from "@/lib/probes/moodle-settings";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

describe("moodle-settings", () => {
  it("reads Moodle's settings as MariaDB 10.11's client prints them, escapes included", () => {
    expect(valueOf(parseMoodleSettings(fixture("moodle-settings", "select-mdl-config-mariadb-10.11-CAPTURED.txt")))).toEqual({
      dbsessions: true,
      maintenanceEnabled: true,
      maintenanceMessage: true,
      maintenanceLater: 1796330000,
      sessionTimeoutSeconds: 28800,
      version: "2024100705.01",
      release: "4.5.5+ (Build: 20250613)",
    });
  });

  it("reads settings left at Moodle's defaults, and no row at all (the client prints nothing)", () => {
    expect(valueOf(parseMoodleSettings(fixture("moodle-settings", "select-mdl-config-defaults-mariadb-10.11-CAPTURED.txt")))).toMatchObject({
      dbsessions: false,
      maintenanceEnabled: false,
      maintenanceMessage: false,
      maintenanceLater: null,
      version: "2024100705.01",
    });
    expect(valueOf(parseMoodleSettings(""))).toMatchObject({ dbsessions: false, maintenanceEnabled: false, sessionTimeoutSeconds: 28800, version: null });
  });

  it("treats a message of tags and spaces as blank, as Moodle's html_is_blank does", () => {
    expect(valueOf(parseMoodleSettings("name\tvalue\nmaintenance_message\t<p>&nbsp;</p>\\n\n")).maintenanceMessage).toBe(false);
  });

  it("asks the inventory's Moodle database through the console's defaults file", () => {
    const line = moodleSettingsProbe.command({ defaultsFile: "/etc/mysql/clusterdeck.cnf", database: "moodle", tablePrefix: "mdl_" });
    // the words sh passes to mysql
    const argv = execFileSync("sh", ["-c", `set -- ${line}; printf '%s\\n' "$@"`], { encoding: "utf8" }).trimEnd().split("\n");
    expect(argv).toEqual([
      "mysql",
      "--defaults-file=/etc/mysql/clusterdeck.cnf",
      "-e",
      "SELECT name, value FROM moodle.mdl_config WHERE name IN ('dbsessions', 'maintenance_enabled', 'maintenance_later', 'maintenance_message', 'sessiontimeout', 'version', 'release')",
    ]);
    expect(() => moodleSettingsProbe.command({ defaultsFile: "/f", database: "moodle; DROP", tablePrefix: "mdl_" })).toThrow();
  });

  it.each([
    ...garbage("mysql").filter(([n]) => n !== "empty" && n !== "whitespace"),
    ["an error line", "ERROR 1146 (42S02) at line 1: Table 'moodle.mdl_config' doesn't exist\n"],
    ["a row not asked for", "name\tvalue\ndbpass\tsecret\n"],
    ["no tab", "name\tvalue\ndbsessions 1\n"],
    ["letters for a time", "name\tvalue\nmaintenance_later\tsoon\n"],
  ])("refuses %s", (_n, text) => {
    expect(parseMoodleSettings(text).ok).toBe(false);
  });
});
