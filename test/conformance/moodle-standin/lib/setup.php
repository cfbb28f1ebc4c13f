<?php
// ClusterDeck's stand-in for Moodle 4.5's bootstrap (MOODLE_405_STABLE): only what the console relies on, each
// behaviour after the function named beside it. Moodle itself is not packaged by Debian; see ../README.md.

global $CFG, $DB;

define('MOODLE_INTERNAL', true);
define('MATURITY_STABLE', 200);
if (!defined('CLI_SCRIPT')) {
    define('CLI_SCRIPT', false);
}
$CFG->dirroot = dirname(__DIR__);
$CFG->libdir = $CFG->dirroot . '/lib';
if (!isset($CFG->directorypermissions)) {
    $CFG->directorypermissions = 02777;
}
$CFG->filepermissions = ($CFG->directorypermissions & 0666);
$CFG->umaskpermissions = (($CFG->directorypermissions & 0777) ^ 0777);
umask($CFG->umaskpermissions);

// lib/setup.php: "Detect CLI maintenance mode", before the database is touched.
if (file_exists("$CFG->dataroot/climaintenance.html")) {
    if (!CLI_SCRIPT) {
        header($_SERVER['SERVER_PROTOCOL'] . ' 503 Moodle under maintenance');
        header('Status: 503 Moodle under maintenance');
        header('Retry-After: 300');
        header('Content-type: text/html; charset=utf-8');
        header('Cache-Control: no-store, no-cache, must-revalidate');
        readfile("$CFG->dataroot/climaintenance.html");
        die;
    }
    define('CLI_MAINTENANCE', true);
} else {
    define('CLI_MAINTENANCE', false);
}

// lib/setup.php setup_DB() then initialise_cfg(): settings from mdl_config, those set in config.php win.
$DB = new mysqli($CFG->dbhost, $CFG->dbuser, $CFG->dbpass, $CFG->dbname, (int)($CFG->dboptions['dbport'] ?? 0) ?: 3306);
$configphp = (array)$CFG;
foreach ($DB->query("SELECT name, value FROM {$CFG->prefix}config")->fetch_all() as [$name, $value]) {
    if (!array_key_exists($name, $configphp)) {
        $CFG->$name = $value;
    }
}

if (!CLI_SCRIPT) {
    initialise_fullme();
    session_start_as_moodle();
}

/** lib/setuplib.php initialise_fullme(): a request for another host than wwwroot's is sent there (redirect(): 303). */
function initialise_fullme(): void {
    global $CFG;
    $wwwroot = parse_url($CFG->wwwroot . '/');
    $host = $_SERVER['HTTP_HOST'] ?? '';
    $port = (int)($_SERVER['SERVER_PORT'] ?? 80);
    $rhost = preg_replace('/:\d+$/', '', $host);
    if ($rhost === '' || !empty($CFG->reverseproxy)) {
        return;
    }
    $path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
    if ($rhost !== $wwwroot['host'] || (!empty($wwwroot['port']) && $port != $wwwroot['port']) || strpos($path, $wwwroot['path']) !== 0) {
        $target = $CFG->wwwroot . substr($_SERVER['REQUEST_URI'] ?? '/', strlen($wwwroot['path']) - 1);
        header('X-Redirect-By: Moodle');
        header($_SERVER['SERVER_PROTOCOL'] . ' 303 See Other');
        header('Location: ' . $target);
        echo "<a href=\"" . htmlspecialchars($target) . "\">Continue</a>\n";
        exit;
    }
}

/** lib/classes/session/manager.php get_handler_class(): config.php's class, else dbsessions, else files. */
function session_handler_class(): string {
    global $CFG;
    if (!empty($CFG->session_handler_class)) {
        return $CFG->session_handler_class;
    }
    return !empty($CFG->dbsessions) ? '\core\session\database' : '\core\session\file';
}

/** Every web request starts a session, anonymous ones included (lib/setup.php: \core\session\manager::start()). */
function session_start_as_moodle(): void {
    global $CFG, $DB;
    $class = ltrim(session_handler_class(), '\\');
    session_name('MoodleSession');
    if ($class === 'core\session\file') {
        // lib/classes/session/file.php: $CFG->session_file_save_path, else "$CFG->dataroot/sessions"
        $dir = !empty($CFG->session_file_save_path) ? $CFG->session_file_save_path : "$CFG->dataroot/sessions";
        if (!is_dir($dir)) {
            mkdir($dir, $CFG->directorypermissions, true);
        }
        session_save_path($dir);
        session_start();
        $_SESSION['USER'] = ['id' => 0];
    } else if ($class === 'core\session\database') {
        $sid = bin2hex(random_bytes(16));
        $now = time();
        $DB->query("INSERT INTO {$CFG->prefix}sessions (state, sid, userid, timecreated, timemodified, firstip, lastip)
                    VALUES (0, '$sid', 0, $now, $now, '127.0.0.1', '127.0.0.1')");
    } else {
        throw new RuntimeException("the stand-in does not model $class");
    }
}

function set_config(string $name, $value): void {
    global $CFG, $DB;
    $stmt = $DB->prepare("INSERT INTO {$CFG->prefix}config (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)");
    $value = (string)$value;
    $stmt->bind_param('ss', $name, $value);
    $stmt->execute();
    $CFG->$name = $value;
}

function unset_config(string $name): void {
    global $CFG, $DB;
    $stmt = $DB->prepare("DELETE FROM {$CFG->prefix}config WHERE name = ?");
    $stmt->bind_param('s', $name);
    $stmt->execute();
    unset($CFG->$name);
}

function html_is_blank(?string $html): bool {
    return trim(strip_tags((string)$html, '<img><object><applet><input><select><textarea><hr>')) === '';
}

/** lib/weblib.php print_maintenance_message(): 503, the heading, and $CFG->maintenance_message when not blank. */
function print_maintenance_message(): void {
    global $CFG;
    header($_SERVER['SERVER_PROTOCOL'] . ' 503 Moodle under maintenance');
    header('Status: 503 Moodle under maintenance');
    header('Retry-After: 300');
    echo "<h2>The site is undergoing maintenance and is currently not available</h2>\n";
    if (isset($CFG->maintenance_message) && !html_is_blank($CFG->maintenance_message)) {
        echo '<div class="maintenance_message">' . $CFG->maintenance_message . "</div>\n";
    }
    die;
}

/** lib/adminlib.php enable_cli_maintenance_mode(): maintenance_message, else the template, else the standard text. */
function enable_cli_maintenance_mode(): void {
    global $CFG;
    if (file_exists("$CFG->dataroot/climaintenance.html")) {
        unlink("$CFG->dataroot/climaintenance.html");
    }
    if (isset($CFG->maintenance_message) && !html_is_blank($CFG->maintenance_message)) {
        $data = "<!DOCTYPE html><html><body>$CFG->maintenance_message</body></html>";
    } else if (file_exists("$CFG->dataroot/climaintenance.template.html")) {
        $data = file_get_contents("$CFG->dataroot/climaintenance.template.html");
    } else {
        $data = "<!DOCTYPE html><html><body>The site is undergoing maintenance and is currently not available</body></html>";
    }
    file_put_contents("$CFG->dataroot/climaintenance.html", $data);
    chmod("$CFG->dataroot/climaintenance.html", $CFG->filepermissions);
}

function cli_heading(string $string): void {
    echo "== $string ==" . PHP_EOL;
}

/** lib/clilib.php cli_error(): the text on stderr, then the exit code. */
function cli_error(string $text, int $errorcode = 1): void {
    fwrite(STDERR, $text . PHP_EOL . PHP_EOL);
    die($errorcode);
}

/** lib/clilib.php cli_get_params(): --name and --name=value only, the forms the console sends. */
function cli_get_params(array $longoptions): array {
    global $argv;
    $unrecognized = [];
    foreach (array_slice($argv, 1) as $arg) {
        if (!preg_match('/^--([a-z-]+)(?:=(.*))?$/', $arg, $m) || !array_key_exists($m[1], $longoptions)) {
            $unrecognized[] = $arg;
            continue;
        }
        $longoptions[$m[1]] = isset($m[2]) ? $m[2] : true;
    }
    return [$longoptions, $unrecognized];
}
