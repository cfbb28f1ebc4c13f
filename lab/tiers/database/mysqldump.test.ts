import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../../__tests__/test-lab";
import type { TestLab } from "../../__tests__/test-lab";
import { createTiers } from "../index";

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());
/** MySQL 8's mysqldump; mariadb-dump.test.ts holds the default flavour, MariaDB 10.11 */
const start = (): TestLab => {
  lab = testLab({ tiers: createTiers, settings: { mysqlFlavour: "mysql8" } });
  lab.advance(1000);
  return lab;
};

const DUMP = "mysqldump --defaults-file=/etc/mysql/clusterdeck.cnf --single-transaction --quick --routines --triggers --events --set-gtid-purged=OFF";
const FILE = "/var/backups/moodle-pre-upgrade.sql";

describe("mysqldump (MySQL 8)", () => {
  it("writes a complete dump of the real rows to --result-file", async () => {
    const l = start();
    const version = l.sim.tiers.truth().database as { servers: { db1: { mdlConfigVersion: string } } };
    const r = await l.sh("db1", `sudo -n mkdir -p /var/backups && sudo -n ${DUMP} --result-file=${FILE} moodle`);
    expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
    const size = Number((await l.sh("db1", `stat -c %s ${FILE}`)).stdout);
    expect(size).toBeGreaterThan(2000);
    expect((await l.sh("db1", `tail -n 1 ${FILE}`)).stdout).toMatch(/^-- Dump completed on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n$/);
    // /var/backups/clusterdeck is the console's own dump folder, made by the admin (docs/host-commands.md)
    expect((await l.sh("db1", "ls /var/backups")).stdout).toBe("clusterdeck\nmoodle-pre-upgrade.sql\n");
    const text = (await l.sh("db1", `cat ${FILE}`)).stdout;
    expect(text.split("\n").slice(0, 5)).toEqual([
      "-- MySQL dump 10.13  Distrib 8.0.39, for Linux (x86_64)",
      "--",
      "-- Host: localhost    Database: moodle",
      "-- ------------------------------------------------------",
      "-- Server version\t8.0.39",
    ]);
    expect(text).toContain("CREATE TABLE `mdl_config` (");
    expect(text).toContain(`'version','${version.servers.db1.mdlConfigVersion}'`);
    expect(text).toContain("CREATE TABLE `mdl_sessions` (");
    expect(text).toContain("-- Dumping routines for database 'moodle'");
    expect(text).not.toContain("GTID_PURGED");
    expect(text).not.toContain("CREATE DATABASE");
  });

  it("prints to stdout without a result file, and --databases adds CREATE DATABASE and USE", async () => {
    const l = start();
    const r = await l.sh("db2", "mysqldump --defaults-file=/etc/mysql/clusterdeck.cnf --single-transaction --databases moodle | grep -c 'USE `moodle`'");
    expect(r.stdout).toBe("1\n");
    const only = await l.sh("db2", "mysqldump --defaults-file=/etc/mysql/clusterdeck.cnf --single-transaction -r /tmp/cfg.sql moodle mdl_config && grep -c 'CREATE TABLE' /tmp/cfg.sql");
    expect(only.stdout).toBe("1\n");
  });

  it.each([
    ["an unknown option", `${DUMP} --frobnicate moodle`, "mysqldump: [ERROR] unknown option '--frobnicate'.\n", 2],
    ["--defaults-file not first", "mysqldump --single-transaction --defaults-file=/etc/mysql/clusterdeck.cnf moodle", "mysqldump: [ERROR] unknown variable 'defaults-file=/etc/mysql/clusterdeck.cnf'.\n", 7],
    ["a missing defaults file", "mysqldump --defaults-file=/etc/nope.cnf moodle", "mysqldump: [ERROR] Failed to open required defaults file: /etc/nope.cnf\nmysqldump: [ERROR] Fatal error in defaults handling. Program aborted!\n", 1],
    ["an unknown database", `sudo -n mysqldump --single-transaction nosuchdb`, "mysqldump: Got error: 1049: Unknown database 'nosuchdb' when selecting the database\n", 2],
    ["an unknown table", `${DUMP} moodle mdl_nope`, 'mysqldump: Couldn\'t find table: "mdl_nope"\n', 2],
    ["a bad --set-gtid-purged", "mysqldump --defaults-file=/etc/mysql/clusterdeck.cnf --set-gtid-purged=MAYBE moodle", "mysqldump: [ERROR] Invalid value 'MAYBE' for option 'set-gtid-purged'.\n", 13],
    ["--set-gtid-purged=ON without GTIDs", "mysqldump --defaults-file=/etc/mysql/clusterdeck.cnf --set-gtid-purged=ON moodle", "Error: Server has GTIDs disabled.\n", 2],
  ])("fails on %s as mysqldump does", async (_, command, stderr, code) => {
    const l = start();
    const r = await l.sh("db1", command);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
  });

  it("without a database prints the usage", async () => {
    const l = start();
    const r = await l.sh("db1", "mysqldump --defaults-file=/etc/mysql/clusterdeck.cnf");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Usage: mysqldump \[OPTIONS\] database \[tables\]\n/);
  });

  it("cannot connect while mysqld is down (the result file is already created, empty)", async () => {
    const l = start();
    await l.sh("db1", "sudo -n systemctl stop mysql");
    l.advance(1000);
    const r = await l.sh("db1", `${DUMP} -r /tmp/d.sql moodle`);
    expect(r).toEqual({
      stdout: "",
      stderr: "mysqldump: Got error: 2002: Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2) when trying to connect\n",
      code: 2,
    });
    expect((await l.sh("db1", "stat -c %s /tmp/d.sql")).stdout).toBe("0\n");
  });

  it("stops with errno 28 and leaves a truncated file when the disk is full", async () => {
    const l = start();
    l.sim.faults.inject("disk-full", "db1");
    const r = await l.sh("db1", `${DUMP} --result-file=/tmp/d.sql moodle`);
    expect(r).toEqual({ stdout: "", stderr: "mysqldump: Got errno 28 on write\n", code: 5 });
    const size = Number((await l.sh("db1", "stat -c %s /tmp/d.sql")).stdout);
    expect(size).toBeGreaterThan(0);
    expect((await l.sh("db1", "tail -n 1 /tmp/d.sql")).stdout).not.toMatch(/Dump completed/);
  });
});
