<?php
// Stand-in for Moodle 4.5's front page: 200 unless a maintenance mode applies (lib/setup.php decides first).
require(__DIR__ . '/config.php');
if (!empty($CFG->maintenance_enabled)) {
    print_maintenance_message();
}
echo "<!DOCTYPE html>\n<html><head><title>Moodle stand-in</title></head><body><h1>Front page</h1></body></html>\n";
