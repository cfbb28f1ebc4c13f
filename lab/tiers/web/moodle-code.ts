import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { LabSettings } from "../../model/types";
import { ensureDir } from "../shared/files";

export interface ReleaseSpec {
  dir: string;
  version: string;
  release: string;
  branch: string;
  /** a same-$version code update ships changed files under the same version number */
  hotfix: boolean;
  /** build date: the mtime the release's files carry (unchanged hotfix files keep the base build's) */
  built: string;
}

export const RELEASES: readonly ReleaseSpec[] = [
  { dir: "4.4.2", version: "2024042202.02", release: "4.4.2+ (Build: 20240802)", branch: "404", hotfix: false, built: "2024-08-02T08:14:00Z" },
  { dir: "4.4.2-hotfix", version: "2024042202.02", release: "4.4.2+ (Build: 20240802)", branch: "404", hotfix: true, built: "2024-08-09T11:40:00Z" },
  { dir: "4.4.3", version: "2024042203.00", release: "4.4.3 (Build: 20240812)", branch: "404", hotfix: false, built: "2024-08-12T07:02:00Z" },
  { dir: "4.5.0", version: "2024100700.00", release: "4.5 (Build: 20241007)", branch: "405", hotfix: false, built: "2024-10-07T06:30:00Z" },
];

export const INSTALLED = RELEASES[0] as ReleaseSpec;

const GPL = `// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.
`;

export function versionPhp(r: ReleaseSpec): string {
  const v = `${r.version};`.padEnd(24);
  const rel = `'${r.release}';`.padEnd(30);
  return `<?php

${GPL}
/**
 * MOODLE VERSION INFORMATION
 *
 * This file defines the current version of the core Moodle code being used.
 * This is compared against the values stored in the database to determine
 * whether upgrades should be performed (see lib/db/*.php)
 *
 * @package    core
 * @copyright  1999 onwards Martin Dougiamas (http://dougiamas.com)
 * @license    http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$version  = ${v}    // ${r.version.slice(0, 8)}      = branching date YYYYMMDD - do not modify!
                                            //         RR    = release increments - 00 in DEV branches.
                                            //           .XX = incremental changes.
$release  = ${rel} // Human-friendly version name
$branch   = '${r.branch}';                     // This version's branch.
$maturity = MATURITY_STABLE;                 // This version's maturity level.
`;
}

function phpFile(doc: string, body: string): string {
  return `<?php\n${GPL}\n/**\n * ${doc}\n *\n * @package    core\n * @license    http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later\n */\n\n${body}\n`;
}

function treeFiles(r: ReleaseSpec): Record<string, string> {
  const fix = r.hotfix ? "\n// MDL-82412 hotfix: escape the return URL before redirecting.\n" : "\n";
  return {
    "version.php": versionPhp(r),
    "index.php": phpFile("Moodle frontpage.", "require_once('config.php');\nrequire_once($CFG->dirroot . '/course/lib.php');\nredirect_if_major_upgrade_required();\n$PAGE->set_pagelayout('frontpage');\necho $OUTPUT->header();\necho $OUTPUT->footer();"),
    "admin/index.php": phpFile("Main administration script.", "require_once('../config.php');\nrequire_once($CFG->libdir.'/adminlib.php');"),
    "admin/cli/maintenance.php": phpFile("Enable or disable maintenance mode.", "define('CLI_SCRIPT', true);\n\nrequire(__DIR__.'/../../config.php');\nrequire_once(\"$CFG->libdir/clilib.php\");\nrequire_once(\"$CFG->libdir/adminlib.php\");"),
    "admin/cli/upgrade.php": phpFile("This script creates config.php file and prepares database.", "define('CLI_SCRIPT', true);\ndefine('CACHE_DISABLE_ALL', true);\n\nrequire(__DIR__.'/../../config.php');\nrequire_once($CFG->libdir.'/adminlib.php');\nrequire_once($CFG->libdir.'/upgradelib.php');\nrequire_once($CFG->libdir.'/clilib.php');"),
    "admin/cli/purge_caches.php": phpFile("CLI script to purge caches without asking for confirmation.", "define('CLI_SCRIPT', true);\n\nrequire(__DIR__ . '/../../config.php');\nrequire_once($CFG->libdir.'/clilib.php');\n\npurge_caches();\nexit(0);"),
    "lib/setup.php": phpFile("setup.php - Sets up sessions, connects to databases and so on", "global $CFG;\nif (!isset($CFG->dataroot)) {\n    exit(1);\n}"),
    "lib/moodlelib.php": phpFile(`moodlelib.php - Moodle main library (${r.release})`, `defined('MOODLE_INTERNAL') || die();\n${fix}function get_string($identifier, $component = '', $a = null) {\n    return $identifier;\n}`),
    "lib/weblib.php": phpFile("Library of functions for web output", `defined('MOODLE_INTERNAL') || die();\n${fix}function redirect($url) {\n    header('Location: ' . $url);\n}`),
    "lib/clilib.php": phpFile("Command line utility functions and classes", "defined('MOODLE_INTERNAL') || die();\n\nfunction cli_heading($string, $return = false) {\n    $string = \"== $string ==\\n\";\n    echo $string;\n}"),
    "lib/adminlib.php": phpFile("Functions and classes used during installation, upgrades and for admin settings.", "defined('MOODLE_INTERNAL') || die();\n\nfunction enable_cli_maintenance_mode() {\n}"),
    "login/index.php": phpFile("Main login page.", "require('../config.php');\nrequire_once('lib.php');"),
    "README.txt": "QUICK INSTALL\n=============\n\nFor the impatient, here is a basic outline of the installation process.\n",
  };
}

const HOTFIX_FILES = new Set(["lib/moodlelib.php", "lib/weblib.php"]);

/** a release tree as unpacked from Moodle's tarball: files 0644, folders 0755, whatever the lab's own umask */
export function writeRelease(dir: string, r: ReleaseSpec): void {
  const base = RELEASES[0]?.built ?? r.built;
  for (const [rel, content] of Object.entries(treeFiles(r))) {
    const file = path.join(dir, rel);
    for (let d = path.dirname(file); d.length >= dir.length; d = path.dirname(d)) {
      ensureDir(d);
      fs.chmodSync(d, 0o755);
      if (d === dir) break;
    }
    fs.writeFileSync(file, content);
    fs.chmodSync(file, 0o644);
    const when = new Date(r.hotfix && !HOTFIX_FILES.has(rel) ? base : r.built);
    fs.utimesSync(file, when, when);
  }
}

/**
 * config.php as admin/cli/install.php writes it (install_generate_configphp() in lib/installlib.php,
 * Moodle 4.5): no session handler line, so sessions are files in $CFG->dataroot/sessions. The lab's
 * "database" setting adds the line an admin would add for database sessions.
 */
export function configPhp(settings: LabSettings, dbhost: string): string {
  const dbtype = settings.mysqlFlavour === "mariadb" ? "mariadb" : "mysqli";
  const port = settings.vipPort === 80 ? "" : `:${settings.vipPort}`;
  const session = settings.sessionHandler === "database" ? "$CFG->session_handler_class = '\\core\\session\\database';\n\n" : "";
  return `<?php  // Moodle configuration file

unset($CFG);
global $CFG;
$CFG = new stdClass();

$CFG->dbtype    = '${dbtype}';
$CFG->dblibrary = 'native';
$CFG->dbhost    = '${dbhost}';
$CFG->dbname    = 'moodle';
$CFG->dbuser    = 'moodle';
$CFG->dbpass    = 'moodle-lab-secret';
$CFG->prefix    = 'mdl_';
$CFG->dboptions = array (
  'dbpersist' => 0,
  'dbport' => '',
  'dbsocket' => '',
  'dbcollation' => 'utf8mb4_unicode_ci',
);

$CFG->wwwroot   = 'http://${settings.vip}${port}';
$CFG->dataroot  = '${settings.dataroot}';
$CFG->admin     = 'admin';

$CFG->directorypermissions = 02777;

${session}require_once(__DIR__ . '/lib/setup.php');

// There is no php closing tag in this file,
// it is intentional because it prevents trailing whitespace problems!
`;
}

export interface MoodleVersion {
  version: string;
  release: string;
  branch: string;
}

export function parseVersionPhp(text: string): MoodleVersion | null {
  const version = /\$version\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*;/.exec(text)?.[1];
  const release = /\$release\s*=\s*'([^']*)'/.exec(text)?.[1];
  const branch = /\$branch\s*=\s*'([^']*)'/.exec(text)?.[1] ?? "";
  if (version === undefined || release === undefined) return null;
  return { version, release, branch };
}

/** the `$CFG->name = 'value';` assignments of a config.php */
export function parseConfigPhp(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/\$CFG->(\w+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*;/g)) {
    if (m[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2]);
  }
  return out;
}

/** compare Moodle $version numbers like 2024042202.02 */
export function compareVersions(a: string, b: string): number {
  return Number(a) - Number(b);
}

/** sha256 over the sorted relative paths and contents of a code tree (config.php excluded) */
export function codeFingerprint(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  const hash = crypto.createHash("sha256");
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    for (const name of fs.readdirSync(abs).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      if (childRel === "config.php") continue;
      const st = fs.lstatSync(path.join(dir, childRel));
      if (st.isDirectory()) walk(childRel);
      else if (st.isFile()) {
        hash.update(childRel);
        hash.update(fs.readFileSync(path.join(dir, childRel)));
      }
    }
  };
  walk("");
  return hash.digest("hex").slice(0, 16);
}
