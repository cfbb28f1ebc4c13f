#!/usr/bin/env python3
"""Capture the fixtures of this folder from a real MariaDB source + GTID replica (Debian 12's mariadb-server).

Run as root on a machine with mariadb-server, mariadb-client and percona-toolkit: python3 capture.py
It starts two mariadbd on 127.0.0.1:33161/33162 with datadirs under /tmp/cd-capture, sets them up the way
the lab's db1/db2 are (accounts, grants, GTID replication, pt-heartbeat --utc), runs every case, writes
cases.json and the .txt files next to this script, then shuts both servers down and removes the datadirs.
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = "/tmp/cd-capture"
PORTS = {1: 33161, 2: 33162}
GRANTS = [
    "GRANT SLAVE MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, RELOAD ON *.* TO 'clusterdeck'@'localhost'",
    "GRANT SELECT ON `percona`.`heartbeat` TO 'clusterdeck'@'localhost'",
    "GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON `moodle`.* TO 'clusterdeck'@'localhost'",
    "GRANT SELECT ON `mysql`.`proc` TO 'clusterdeck'@'localhost'",
    "GRANT SELECT ON `clusterdeck`.`read_only_admin_sessions` TO 'clusterdeck'@'localhost'",
]
# the console's view of who may write under read_only (readOnlyAdminView in lib/commands/workflow-database.ts)
VIEW = [
    "CREATE DATABASE IF NOT EXISTS `clusterdeck`",
    "CREATE OR REPLACE SQL SECURITY DEFINER VIEW `clusterdeck`.`read_only_admin_sessions` AS SELECT p.ID AS id, p.USER AS user,"
    " p.HOST AS host, p.COMMAND AS command, p.TIME AS seconds FROM information_schema.PROCESSLIST p WHERE p.USER IN"
    " (SELECT SUBSTRING_INDEX(SUBSTRING(u.GRANTEE, 2), '''@''', 1) FROM information_schema.USER_PRIVILEGES u"
    " WHERE u.PRIVILEGE_TYPE = 'READ_ONLY ADMIN')",
]
READ_ONLY_ADMINS = (
    "SELECT 'read_only_admins', COUNT(*), GROUP_CONCAT(DISTINCT CONCAT(user, '@', SUBSTRING_INDEX(host, ':', 1))"
    " ORDER BY CONCAT(user, '@', SUBSTRING_INDEX(host, ':', 1)) SEPARATOR ' ' LIMIT 20) FROM clusterdeck.read_only_admin_sessions"
    " WHERE id <> CONNECTION_ID() AND user <> SUBSTRING_INDEX(USER(), '@', 1)"
)


def sock(n):
    return f"{BASE}/run/s{n}.sock"


def run(args, stdin="", env=None):
    p = subprocess.run(args, input=stdin, capture_output=True, text=True, env=env)
    return {"stdout": p.stdout, "stderr": p.stderr, "code": p.returncode}


def root(n, sql):
    r = run(["mariadb", f"--socket={sock(n)}", "-e", sql])
    if r["code"] != 0:
        sys.exit(f"setup failed on {n}: {sql}\n{r['stderr']}")
    return r["stdout"]


def defaults(name, user, password, n):
    path = f"{BASE}/{name}.cnf"
    with open(path, "w") as f:
        f.write(f"[client]\nuser={user}\npassword={password}\nsocket={sock(n)}\n")
    return path


def start():
    shutil.rmtree(BASE, ignore_errors=True)
    os.makedirs(f"{BASE}/run")
    shutil.chown(f"{BASE}/run", "mysql", "mysql")
    for n, port in PORTS.items():
        d = f"{BASE}/d{n}"
        os.makedirs(d)
        shutil.chown(d, "mysql", "mysql")
        cnf = f"{BASE}/my{n}.cnf"
        with open(cnf, "w") as f:
            f.write(
                "[mysqld]\nuser=mysql\n"
                f"datadir={d}\nsocket={sock(n)}\npid-file={BASE}/run/mysqld{n}.pid\nport={port}\n"
                f"bind-address=127.0.0.1\nserver_id={n}\nlog_bin=mysql-bin\nlog_slave_updates=ON\n"
                "character-set-server=utf8mb4\ncollation-server=utf8mb4_general_ci\n"
                "innodb_buffer_pool_size=64M\ninnodb_log_file_size=16M\nperformance_schema=OFF\nskip_name_resolve=ON\n"
                f"log_error={BASE}/run/err{n}.log\n"
            )
        subprocess.run(["mariadb-install-db", "--user=mysql", f"--datadir={d}", "--auth-root-authentication-method=socket"], capture_output=True, check=True)
        subprocess.Popen(["mariadbd", f"--defaults-file={cnf}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for n in PORTS:
        for _ in range(100):
            if os.path.exists(sock(n)):
                break
            time.sleep(0.1)


def stop():
    for n in PORTS:
        run(["mariadb-admin", f"--socket={sock(n)}", "shutdown"])
    shutil.rmtree(BASE, ignore_errors=True)


def main():
    start()
    try:
        capture()
    finally:
        stop()
    start()
    try:
        capture_console()
    finally:
        stop()


def console_line(line, subst):
    """a console command line run by dash as on a host, with this machine's paths and ports put in"""
    for k, v in subst.items():
        line = line.replace(k, v)
    return run(["sh", "-c", line])


def capture_console():
    """console-lines.json holds the console's lines (copied from lib/commands); console-cases.json what dash made of them"""
    with open(os.path.join(HERE, "console-lines.json")) as f:
        lines = json.load(f)
    root(1, "CREATE USER 'repl'@'%' IDENTIFIED BY 'repl-lab-secret'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';"
         "CREATE DATABASE moodle; CREATE TABLE moodle.mdl_sessions (id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, sid VARCHAR(128) NOT NULL DEFAULT '');"
         "CREATE DATABASE percona; CREATE USER 'clusterdeck'@'localhost' IDENTIFIED BY 'clusterdeck-lab';")
    subprocess.run(["pt-heartbeat", "--update", "--create-table", "-D", "percona", "--utc", f"--socket={sock(1)}", "-u", "root", "--run-time", "1"], capture_output=True)
    for g in VIEW + GRANTS:
        root(1, g)
    root(2, f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={PORTS[1]}, MASTER_USER='repl', MASTER_PASSWORD='repl-lab-secret', MASTER_USE_GTID=slave_pos; START SLAVE")
    time.sleep(1.5)
    # the promotion's first steps: db2 detached and writable, db1 read-only
    root(2, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF")
    root(1, "SET GLOBAL read_only = ON")
    cd1 = defaults("cd1", "clusterdeck", "clusterdeck-lab", 1)
    cd2 = defaults("cd2", "clusterdeck", "clusterdeck-lab", 2)
    incomplete = f"{BASE}/repl-incomplete.cnf"
    with open(incomplete, "w") as f:
        f.write("[client]\nuser=repl\n")
    full = f"{BASE}/repl.cnf"
    with open(full, "w") as f:
        f.write("[client]\nuser=repl\npassword=repl-lab-secret\n")
    to_db2 = {"192.168.10.28": "127.0.0.1", "MASTER_PORT=3306": f"MASTER_PORT={PORTS[2]}", "/etc/mysql/clusterdeck.cnf": cd1}
    cases = {
        "replicate-from-incomplete-file": console_line(lines["replicate-from"], {**to_db2, "/etc/mysql/clusterdeck-replication.cnf": incomplete}),
        "replicate-from": console_line(lines["replicate-from"], {**to_db2, "/etc/mysql/clusterdeck-replication.cnf": full}),
    }
    time.sleep(1.5)
    cases["replicate-from-status"] = run(["mariadb", f"--socket={sock(1)}", "-e", "SHOW ALL SLAVES STATUS\\G"])
    cases["group-pipeline"] = console_line(lines["group-pipeline"], {"/etc/mysql/clusterdeck-replication.cnf": full, "/etc/mysql/clusterdeck.cnf": cd1})
    time.sleep(1.5)
    cases["group-pipeline-status"] = run(["mariadb", f"--socket={sock(1)}", "-e", "SHOW SLAVE STATUS\\G"])
    os.makedirs(f"{BASE}/backups")
    cases["dump"] = console_line(lines["dump"], {"/var/backups": f"{BASE}/backups", "/etc/mysql/clusterdeck.cnf": cd2})
    with open(os.path.join(HERE, "console-cases.json"), "w") as f:
        json.dump(cases, f, indent=2, sort_keys=True)
        f.write("\n")


def capture():
    root(1, "CREATE USER 'repl'@'%' IDENTIFIED BY 'repl-lab-secret'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';"
         "CREATE USER 'moodle'@'%' IDENTIFIED BY 'moodle-lab-secret';"
         "CREATE DATABASE moodle; GRANT ALL PRIVILEGES ON moodle.* TO 'moodle'@'%';"
         "CREATE TABLE moodle.mdl_sessions (id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, sid VARCHAR(128) NOT NULL DEFAULT '');"
         "CREATE DATABASE percona; CREATE USER 'clusterdeck'@'localhost' IDENTIFIED BY 'clusterdeck-lab';"
         "CREATE USER 'bare'@'localhost' IDENTIFIED BY 'bare-pw';")
    subprocess.run(["pt-heartbeat", "--update", "--create-table", "-D", "percona", "--utc", f"--socket={sock(1)}", "-u", "root", "--run-time", "1"], capture_output=True)
    for g in VIEW + GRANTS:
        root(1, g)
    root(2, f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={PORTS[1]}, MASTER_USER='repl', MASTER_PASSWORD='repl-lab-secret', MASTER_USE_GTID=slave_pos; START SLAVE")
    time.sleep(1.5)
    root(2, "SET GLOBAL read_only = ON")
    cd1 = defaults("cd1", "clusterdeck", "clusterdeck-lab", 1)
    cd2 = defaults("cd2", "clusterdeck", "clusterdeck-lab", 2)
    bare = defaults("bare", "bare", "bare-pw", 1)
    mysql = lambda f, *a, stdin="": run(["mariadb", f"--defaults-file={f}", *a], stdin)  # noqa: E731
    three = "SELECT 1; SELECT @@super_read_only; SELECT 2;"
    cases = {
        "e-stops-at-first-error": mysql(cd1, "-e", "SELECT 1; SELECT @@super_read_only; SELECT 2"),
        "e-one-failing": mysql(cd1, "-e", "SELECT @@global.read_only, @@global.super_read_only"),
        "stdin-stops": mysql(cd1, stdin=three),
        "stdin-force-exit-0": mysql(cd1, "--force", stdin=three),
        "stdin-verbose": mysql(cd1, "-v", stdin=three),
        "force-before-e-stops": mysql(cd1, "--force", "-B", "-N", "-e", "SELECT 1; SELECT @@nope; SELECT 2"),
        "force-after-e-runs-all": mysql(cd1, "-B", "-N", "-e", "SELECT 1; SELECT @@nope; SELECT 2", "--force"),
        "stdin-multiline-line-number": mysql(cd1, stdin="SELECT 1;\nSELECT 2;\n\nSELECT\n  @@nope,\n  3;\nSELECT 4;\n"),
        "stdin-comments": mysql(cd1, stdin="SELECT 1; -- c\n/* hi */ SELECT @@nope /* x */ ;"),
        "skip-print-query-on-error": mysql(cd1, "--skip-print-query-on-error", "-e", "SELECT @@nope"),
        "very-verbose": mysql(cd1, "-vv", "-e", "SELECT 1; SET @a=1; SHOW SLAVE STATUS"),
        "use-unknown-database": mysql(cd1, stdin="USE nosuchdb;\nSELECT 1;\n"),
        "super-read-only": mysql(cd1, "-e", "SET GLOBAL super_read_only = ON"),
        "change-replication-source": mysql(cd1, "-e", "CHANGE REPLICATION SOURCE TO SOURCE_HOST='192.168.10.28', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='secret-password', SOURCE_AUTO_POSITION=1"),
        "master-auto-position": mysql(cd1, "-e", "CHANGE MASTER TO MASTER_HOST='192.168.10.28', MASTER_AUTO_POSITION=1"),
        "show-binary-log-status": mysql(cd1, "-e", "SHOW BINARY LOG STATUS"),
        "gtid-executed": mysql(cd1, "-e", "SELECT @@gtid_executed"),
        "start-slave-on-source": mysql(cd1, "-e", "START SLAVE"),
        "insert-without-privilege": mysql(cd1, "-e", "INSERT INTO moodle.mdl_sessions (sid) VALUES ('x')"),
        "reset-slave-all-running": mysql(cd2, "-e", "RESET SLAVE ALL"),
        "change-master-running": mysql(cd2, "-e", "CHANGE MASTER TO MASTER_USE_GTID=current_pos"),
        "bad-use-gtid": mysql(cd2, "-e", "CHANGE MASTER TO MASTER_USE_GTID=maybe"),
        "read-only-bad-value": mysql(cd1, "-e", "SET GLOBAL read_only = MAYBE"),
        "gtid-slave-pos-garbage": mysql(cd1, "-e", "SET GLOBAL gtid_slave_pos = 'garbage'"),
        "moodle-write-under-read-only": run(["mariadb", "-h127.0.0.1", f"-P{PORTS[2]}", "-umoodle", "-pmoodle-lab-secret", "moodle", "-e", "INSERT INTO mdl_sessions (sid) VALUES ('web')"]),
        "root-write-under-read-only": run(["mariadb", f"--socket={sock(2)}", "moodle", "-e", "INSERT INTO mdl_sessions (sid) VALUES ('root'); SELECT COUNT(*) FROM mdl_sessions WHERE sid = 'root'"]),
        "bad-password": run(["mariadb", f"--socket={sock(1)}", "-uclusterdeck", "-pnope", "-e", "SELECT 1"]),
        "long-syntax-error": mysql(cd1, "-e", "SELECT 1 ORDER BY BY " + "x" * 78),
        "read-only-admins": mysql(cd1, "-B", "-N", "-e", READ_ONLY_ADMINS, "--force"),
        "source-position": mysql(cd1, "-e", "SHOW MASTER STATUS\\G SELECT @@global.gtid_binlog_pos AS Gtid_Binlog_Pos\\G"),
    }
    for name, sql in {
        "bare-show-slave-status": "SHOW SLAVE STATUS",
        "bare-show-all-slaves-status": "SHOW ALL SLAVES STATUS",
        "bare-show-master-status": "SHOW MASTER STATUS",
        "bare-set-read-only": "SET GLOBAL read_only = ON",
        "bare-stop-slave": "STOP SLAVE",
        "bare-change-master": "CHANGE MASTER TO MASTER_HOST='x'",
        "bare-reset-slave-all": "RESET SLAVE ALL",
        "bare-gtid-slave-pos": "SET GLOBAL gtid_slave_pos = ''",
        "bare-select-heartbeat": "SELECT * FROM percona.heartbeat",
        "bare-flush-binary-logs": "FLUSH BINARY LOGS",
        "bare-skip-counter": "SET GLOBAL sql_slave_skip_counter = 1",
    }.items():
        cases[name] = mysql(bare, "-e", sql)
    cases["show-grants-clusterdeck"] = run(["mariadb", f"--socket={sock(1)}", "-e", "SHOW GRANTS FOR 'clusterdeck'@'localhost'"])
    cases["show-grants-root"] = run(["mariadb", f"--socket={sock(1)}", "-e", "SHOW GRANTS"])
    cases["grant-mysql-name"] = run(["mariadb", f"--socket={sock(1)}", "-e", "GRANT SYSTEM_VARIABLES_ADMIN ON *.* TO 'bare'@'localhost'"])
    dump = f"{BASE}/dump.sql"
    cases["mysqldump-set-gtid-purged"] = run(["sh", "-c", f"umask 077 && mysqldump --defaults-file={cd2} --single-transaction --quick --routines --triggers --events --set-gtid-purged=OFF --result-file={dump} moodle; echo \"size=$(stat -c %s {dump}) mode=$(stat -c %a {dump})\""])
    cases["mysqldump-unknown-option"] = run(["mysqldump", f"--defaults-file={cd2}", "--frobnicate", "moodle"])
    cases["mysqldump-defaults-not-first"] = run(["mysqldump", "--single-transaction", f"--defaults-file={cd2}", "moodle"])
    cases["mysqldump-no-database"] = run(["mysqldump", f"--defaults-file={cd2}"])
    cases["mysqldump-events-without-event"] = run(["mysqldump", f"--defaults-file={bare}", "--single-transaction", "--events", "moodle"])
    cases["my-print-defaults"] = run(["my_print_defaults", f"--defaults-file={cd1}", "client"])
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(cases, f, indent=2, sort_keys=True)
        f.write("\n")

    def save(name, n, sql, user_file=None):
        args = ["mariadb", f"--defaults-file={user_file}"] if user_file else ["mariadb", f"--socket={sock(n)}"]
        with open(os.path.join(HERE, name), "w") as f:
            f.write(run([*args, "-e", sql])["stdout"])

    save("show-slave-status-G-healthy-gtid.txt", 2, "SHOW SLAVE STATUS\\G")
    save("show-all-slaves-status-G-healthy-gtid.txt", 2, "SHOW ALL SLAVES STATUS\\G")
    save("show-master-status-G.txt", 1, "SHOW MASTER STATUS\\G")
    save("gtid-positions-replica.txt", 2, "SELECT @@gtid_binlog_pos, @@gtid_current_pos, @@gtid_slave_pos, @@port, @@server_id")
    # the old source asks the replica for its own GTIDs: without a password, then with a wrong one, then purged binlogs
    root(1, f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={PORTS[2]}, MASTER_USER='repl', MASTER_USE_GTID=slave_pos; START SLAVE")
    time.sleep(1.5)
    save("show-slave-status-G-io-connecting-1045-no-password.txt", 1, "SHOW SLAVE STATUS\\G")
    root(2, "FLUSH BINARY LOGS")
    last = root(2, "SHOW MASTER STATUS").split("\n")[1].split("\t")[0]
    root(2, f"PURGE BINARY LOGS TO '{last}'")
    root(1, "STOP SLAVE; CHANGE MASTER TO MASTER_PASSWORD='repl-lab-secret'; START SLAVE")
    time.sleep(1.5)
    save("show-slave-status-G-gtid-1236-purged.txt", 1, "SHOW SLAVE STATUS\\G")
    root(1, "STOP SLAVE; CHANGE MASTER TO MASTER_USE_GTID=current_pos; START SLAVE")
    time.sleep(1.5)
    save("show-slave-status-G-current-pos-after-purge.txt", 1, "SHOW SLAVE STATUS\\G")
    root(1, "STOP SLAVE; RESET SLAVE ALL")
    run(["mariadb-admin", f"--socket={sock(1)}", "shutdown"])
    time.sleep(1.5)
    save("show-slave-status-G-source-down-2003.txt", 2, "SHOW SLAVE STATUS\\G")


if __name__ == "__main__":
    main()
