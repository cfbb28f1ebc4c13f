<?php
// Stand-in for Moodle 4.5's admin/cli/upgrade.php: --is-pending (exit 2 when version.php is newer than the
// database's version) and --non-interactive (the upgrade: the database takes version.php's version).
if (function_exists('opcache_reset') and !isset($_SERVER['REMOTE_ADDR'])) {
    opcache_reset();
}
define('CLI_SCRIPT', true);

require(__DIR__ . '/../../config.php');

[$options, $unrecognized] = cli_get_params(['is-pending' => false, 'non-interactive' => false, 'help' => false]);
if ($unrecognized) {
    cli_error("Unrecognised options:\n  " . implode("\n  ", $unrecognized));
}
if (empty($CFG->version)) {
    cli_error('Config table does not contain version, can not continue, sorry.');
}
require("$CFG->dirroot/version.php");
if ($version < $CFG->version) {
    cli_error('You cannot downgrade Moodle.');
}
$oldversion = "$CFG->release ($CFG->version)";
$newversion = "$release ($version)";
if ((string)$version === (string)$CFG->version) {
    cli_error("No upgrade needed for the installed version $newversion. Thanks for coming anyway!", 0);
}
if ($options['is-pending']) {
    cli_error('An upgrade is pending', 2);
}
if (empty($options['non-interactive'])) {
    cli_error('The stand-in upgrades only with --non-interactive');
}
set_config('version', $version);
set_config('release', $release);
set_config('branch', $branch);
echo "Command line upgrade from $oldversion to $newversion completed successfully.\n";
exit(0);
