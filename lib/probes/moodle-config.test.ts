import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { hostileLines, slowestOf } from "@/lib/probes/hostile";
import { CONFIG_PATTERN, moodleConfigProbe, parseMoodleConfig, readAssignmentAfter } from "@/lib/probes/moodle-config";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

const read = (name: string) => valueOf(parseMoodleConfig(fixture("moodle", name)));

describe("moodle-config on what the real grep prints of real config.php files", () => {
  it("reads a site's installer-written file with the Redis session handler", () => {
    expect(read("grep-oE-config-redis-installer-layout-EDITED-UNATTRIBUTED-id3850658952-CAPTURED.txt")).toEqual({
      dbtype: "mysqli",
      dbhost: "10.1.0.109",
      dbname: "moodle_trilhas",
      prefix: "mdl_",
      wwwroot: "https://trilhas.recode.org.br",
      dataroot: "/var/moodledata/moodle-trilhas",
      sessionHandlerClass: "\\core\\session\\redis",
      sessionFileSavePath: null,
      sessionRedisHost: "127.0.0.1",
      sessionRedisPort: "6379",
      sessionMemcachedSavePath: null,
      dbsessions: null,
      maintenanceMessage: null,
      computed: [],
    });
  });

  it("reads the database session handler", () => {
    expect(read("grep-oE-config-database-sessions-UNATTRIBUTED-id3592893279-CAPTURED.txt")).toMatchObject({
      dbhost: "db17.rz.uni-potsdam.de",
      dataroot: "/data",
      sessionHandlerClass: "\\core\\session\\database",
      computed: [],
    });
  });

  it("says which settings only PHP can know: from $_ENV, or assigned inside an if", () => {
    const config = read("grep-oE-config-env-driven-UNATTRIBUTED-id55815160133-CAPTURED.txt");
    expect(config).toMatchObject({ dbtype: "pgsql", prefix: "mdl_", dataroot: "/var/www/moodledata", dbhost: null, wwwroot: null, sessionHandlerClass: null });
    expect([...config.computed].sort()).toEqual(["dbhost", "dbname", "sessionHandlerClass", "sessionRedisHost", "sessionRedisPort", "wwwroot"]);
  });

  it("understands config-dist's $CFG->dataroot.'/sessions', dbsessions, and a maintenance message cut at its ';'", () => {
    expect(read("grep-oE-config-installer-config-dist-file-sessions-CONSTRUCTED-CAPTURED.txt")).toMatchObject({
      dbtype: "mariadb",
      sessionHandlerClass: "\\core\\session\\file",
      sessionFileSavePath: "/var/moodledata/sessions",
      dbsessions: false,
      maintenanceMessage: true,
      computed: [],
    });
  });

  it("never receives the password: grep prints only the settings' own statements (real grep)", () => {
    const file = fixture("moodle", "config-php-installer-config-dist-file-sessions-CONSTRUCTED.txt");
    const printed = execFileSync("grep", ["-oE", CONFIG_PATTERN], { input: file, encoding: "utf8" });
    expect(file).toContain("dbpass");
    expect(printed).not.toMatch(/dbpass|password/);
    expect(printed).toBe(fixture("moodle", "grep-oE-config-installer-config-dist-file-sessions-CONSTRUCTED-CAPTURED.txt"));
  });
});

describe("moodle-config", () => {
  it("reads config.php as www-data, by its absolute path, only the lines of the settings it needs", () => {
    expect(moodleConfigProbe.command({ dirroot: "/var/www/moodle/" })).toBe(`sudo -n -u www-data grep -oE '${CONFIG_PATTERN}' /var/www/moodle/config.php`);
  });

  it.each([
    ["$CFG->session_file_save_path = $CFG->dataroot . '/sessions';", "/srv/md/sessions"],
    ['$CFG->session_file_save_path = "/var/lib/sess";', "/var/lib/sess"],
    ["$CFG->dbsessions = true;", "true"],
    ["$CFG->session_redis_port = 6379;", "6379"],
    ["$CFG->session_file_save_path = $CFG->wwwroot . '/x';", null],
    ["$CFG->session_file_save_path = getenv('S');", null],
    ['$CFG->session_file_save_path = "$root/sessions";', null],
    ["$CFG->session_file_save_path = '/a' '/b';", null],
    ["  $CFG->session_file_save_path = '/indented';", null],
  ])("evaluates %s", (line, value) => {
    expect(readAssignmentAfter(line, new Map([["dataroot", "/srv/md"]]))?.value).toBe(value);
  });

  it("reads dbsessions as PHP's empty() would", () => {
    const base = "$CFG->dataroot = '/d';\n";
    expect(valueOf(parseMoodleConfig(`${base}$CFG->dbsessions = 1;`)).dbsessions).toBe(true);
    expect(valueOf(parseMoodleConfig(`${base}$CFG->dbsessions = '0';`)).dbsessions).toBe(false);
    expect(valueOf(parseMoodleConfig(`${base}$CFG->dbsessions = false;`)).dbsessions).toBe(false);
    expect(valueOf(parseMoodleConfig(base)).dbsessions).toBeNull();
  });

  it("tells a blank maintenance message from a real one", () => {
    const base = "$CFG->dataroot = '/d';\n";
    expect(valueOf(parseMoodleConfig(`${base}$CFG->maintenance_message = '<p> &nbsp;</p>';`)).maintenanceMessage).toBe(false);
    expect(valueOf(parseMoodleConfig(`${base}$CFG->maintenance_message = 'Back soon';`)).maintenanceMessage).toBe(true);
  });

  it("stays linear on a very long line", () => {
    const long = `$CFG->dataroot = '${"a".repeat(200_000)}`;
    const started = performance.now();
    expect(valueOf(parseMoodleConfig(long))).toMatchObject({ dataroot: null, computed: ["dataroot"] });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it.each([
    ...garbage("grep"),
    ["no dataroot", "$CFG->dbhost = 'x';\n"],
    ["another setting", "$CFG->dataroot = '/d';\n$CFG->dbpass = 'x';\n"],
    ["sudo refusing", "sudo: a password is required\n"],
    ["a whole config.php", fixture("moodle", "config-php-installer-config-dist-file-sessions-CONSTRUCTED.txt")],
  ])("refuses %s", (_n, text) => {
    expect(parseMoodleConfig(text).ok).toBe(false);
  });
});

// Issue 10, hole 2: within the line cap a backtracking pattern is still quadratic per line, and a line
// over it must not reach a pattern at all. Budgets against blow-up, not benchmarks.
describe("moodle-config on hostile lines", () => {
  it("reads a megabyte of long lines, and 256 KiB lines, in linear time", () => {
    const slowest = slowestOf(parseMoodleConfig, hostileLines(["$CFG->wwwroot", "$CFG->dataroot = ", "$CFG->wwwroot = 'http://x", "$CFG->maintenance_message ="]));
    expect(slowest.ms, slowest.name).toBeLessThan(2_000);
  });
});
