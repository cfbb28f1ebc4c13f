<?php
// Moodle 4.5's version.php as released (MOODLE_405_STABLE, 4.5.5+): the console reads $version, $release, $branch.
defined('MOODLE_INTERNAL') || die();

$version  = 2024100705.01;              // 20241007      = branching date YYYYMMDD - do not modify!
                                        //         RR    = release increments - 00 in DEV branches.
                                        //           .XX = incremental changes.
$release  = '4.5.5+ (Build: 20250613)';    // Human-friendly version name
$branch   = '405';                      // This version's branch.
$maturity = MATURITY_STABLE;             // This version's maturity level.
