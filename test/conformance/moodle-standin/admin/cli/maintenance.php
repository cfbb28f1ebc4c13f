<?php
// Stand-in for Moodle 4.5's admin/cli/maintenance.php, branch for branch (MOODLE_405_STABLE).
define('CLI_SCRIPT', true);

require(__DIR__ . '/../../config.php');

[$options, $unrecognized] = cli_get_params(['enable' => false, 'enablelater' => 0, 'enableold' => false, 'disable' => false, 'help' => false]);

if ($unrecognized) {
    cli_error("Unrecognised options:\n  " . implode("\n  ", $unrecognized));
}

cli_heading("Maintenance mode ($CFG->wwwroot)");

if ($options['enablelater']) {
    if (file_exists("$CFG->dataroot/climaintenance.html")) {
        // Already enabled, sorry. (A top-level return ends the script with exit code 0.)
        echo "Status: enabled\n";
        return 1;
    }
    $time = time() + ($options['enablelater'] * 60);
    set_config('maintenance_later', $time);
    echo 'status: CLI maintenance mode will be enabled on ' . date('l, j F Y, g:i A', $time) . "\n";
    return 0;

} else if ($options['enable']) {
    if (file_exists("$CFG->dataroot/climaintenance.html")) {
        // The maintenance is already enabled, nothing to do.
    } else {
        enable_cli_maintenance_mode();
    }
    set_config('maintenance_enabled', 0);
    unset_config('maintenance_later');
    echo "Your site is currently in CLI maintenance mode, no web access is allowed.\n";
    exit(0);

} else if ($options['enableold']) {
    set_config('maintenance_enabled', 1);
    unset_config('maintenance_later');
    echo "Your site is currently in maintenance mode (only admins can log in or use the site).\n";
    exit(0);

} else if ($options['disable']) {
    set_config('maintenance_enabled', 0);
    unset_config('maintenance_later');
    if (file_exists("$CFG->dataroot/climaintenance.html")) {
        unlink("$CFG->dataroot/climaintenance.html");
    }
    echo "Maintenance mode has been disabled and the site is running normally again\n";
    exit(0);
}

if (!empty($CFG->maintenance_enabled) or file_exists("$CFG->dataroot/climaintenance.html")) {
    echo "Status: enabled\n";
} else if (isset($CFG->maintenance_later)) {
    echo 'status: CLI maintenance mode will be enabled on ' . date('l, j F Y, g:i A', (int)$CFG->maintenance_later) . "\n";
} else {
    echo "Status: disabled\n";
}
