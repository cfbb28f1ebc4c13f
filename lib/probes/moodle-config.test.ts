import { describe, expect, it } from "vitest";
import { moodleConfigProbe, parseMoodleConfig } from "@/lib/probes/moodle-config";
import { fixture, garbage, valueOf } from "@/lib/probes/test-support";

// The layout Moodle's installer writes (admin/cli/install.php, config-dist.php).
const installerConfig = `<?php  // Moodle configuration file

unset($CFG);
global $CFG;
$CFG = new stdClass();

$CFG->dbtype    = 'mysqli';
$CFG->dblibrary = 'native';
$CFG->dbhost    = '192.168.10.18';
$CFG->dbname    = 'moodle';
$CFG->dbuser    = 'moodle';
$CFG->dbpass    = 'very-secret';
$CFG->prefix    = 'mdl_';
$CFG->dboptions = array (
  'dbpersist' => 0,
  'dbport' => '',
);

$CFG->wwwroot   = 'https://moodle.example.org';
$CFG->dataroot  = '/var/moodledata';
$CFG->admin     = 'admin';
$CFG->session_handler_class = '\\core\\session\\database';
$CFG->session_database_acquire_lock_timeout = 120;

require_once(__DIR__ . '/lib/setup.php');
`;

describe("moodle-config on real config.php files", () => {
  it("reads a site's installer-written file with the Redis session handler", () => {
    const config = valueOf(parseMoodleConfig(fixture("moodle", "config-php-redis-installer-layout-EDITED-UNATTRIBUTED-id3850658952.txt")));
    expect(config).toEqual({
      dbtype: "mysqli",
      dbhost: "10.1.0.109",
      dbname: "moodle_trilhas",
      prefix: "mdl_",
      wwwroot: "https://trilhas.recode.org.br",
      dataroot: "/var/moodledata/moodle-trilhas",
      sessionHandlerClass: "\\core\\session\\redis",
      sessionFileSavePath: null,
      computed: [],
    });
    expect(JSON.stringify(config)).not.toContain("password");
  });

  it("reads the database session handler, with the password taken from a secrets file left alone", () => {
    expect(valueOf(parseMoodleConfig(fixture("moodle", "config-php-database-sessions-UNATTRIBUTED-id3592893279.txt")))).toMatchObject({
      dbhost: "db17.rz.uni-potsdam.de",
      dataroot: "/data",
      sessionHandlerClass: "\\core\\session\\database",
      computed: [],
    });
  });

  it("says which settings only PHP can know: from $_ENV, or assigned inside an if", () => {
    const config = valueOf(parseMoodleConfig(fixture("moodle", "config-php-env-driven-UNATTRIBUTED-id55815160133.txt")));
    expect(config).toMatchObject({ dbtype: "pgsql", prefix: "mdl_", dataroot: "/var/www/moodledata", dbhost: null, wwwroot: null, sessionHandlerClass: null });
    expect([...config.computed].sort()).toEqual(["dbhost", "dbname", "sessionHandlerClass", "wwwroot"]);
  });
});

describe("moodle-config", () => {
  it("reads the settings ClusterDeck needs and nothing secret", () => {
    const config = valueOf(parseMoodleConfig(installerConfig));
    expect(config).toEqual({
      dbtype: "mysqli",
      dbhost: "192.168.10.18",
      dbname: "moodle",
      prefix: "mdl_",
      wwwroot: "https://moodle.example.org",
      dataroot: "/var/moodledata",
      sessionHandlerClass: "\\core\\session\\database",
      sessionFileSavePath: null,
      computed: [],
    });
    expect(JSON.stringify(config)).not.toContain("very-secret");
  });

  it("reads a file session handler with its save path", () => {
    const text = installerConfig.replace(
      "$CFG->session_handler_class = '\\core\\session\\database';",
      "$CFG->session_handler_class = '\\core\\session\\file';\n$CFG->session_file_save_path = \"/var/lib/moodle/sessions\";",
    );
    expect(valueOf(parseMoodleConfig(text))).toMatchObject({ sessionHandlerClass: "\\core\\session\\file", sessionFileSavePath: "/var/lib/moodle/sessions" });
  });

  it("never carries the database password in a could-not-read result", () => {
    const broken = installerConfig.replace("$CFG->dataroot  = '/var/moodledata';", "");
    const result = parseMoodleConfig(broken);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(/dataroot/);
      expect(result.raw).not.toContain("very-secret");
      expect(result.raw).toContain("$CFG->dbpass    = <redacted>");
    }
  });

  it("reads config.php from the dirroot", () => {
    expect(moodleConfigProbe.command({ dirroot: "/var/www/moodle/" })).toBe("cat /var/www/moodle/config.php");
  });

  it.each([...garbage("cat"), ["not php", "$CFG->dataroot = '/x';\n"], ["php without CFG", "<?php\necho 'hi';\n"]])("refuses %s", (_n, text) => {
    expect(parseMoodleConfig(text).ok).toBe(false);
  });
});
