<?php
// Stand-in for Moodle 4.5's admin/cli/purge_caches.php: purge_caches() empties the dataroot's cache folders.
define('CLI_SCRIPT', true);

require(__DIR__ . '/../../config.php');

[$options, $unrecognized] = cli_get_params(['help' => false]);
if ($unrecognized) {
    cli_error("Unrecognised options:\n  " . implode("\n  ", $unrecognized), 2);
}
foreach (['cache', 'localcache'] as $dir) {
    if (is_dir("$CFG->dataroot/$dir")) {
        exec('rm -rf ' . escapeshellarg("$CFG->dataroot/$dir"));
    }
}
exit(0);
