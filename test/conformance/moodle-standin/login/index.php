<?php
// Stand-in for Moodle 4.5's login/index.php: an anonymous visitor gets the maintenance message (503) while
// maintenance_enabled is set (login/index.php, "If the site is currently under maintenance, then print a message"),
// otherwise the login form (200).
require(__DIR__ . '/../config.php');
if (!empty($CFG->maintenance_enabled)) {
    print_maintenance_message();
}
echo "<!DOCTYPE html>\n<html><head><title>Log in to the site</title></head><body><form action=\"$CFG->wwwroot/login/index.php\" method=\"post\"></form></body></html>\n";
