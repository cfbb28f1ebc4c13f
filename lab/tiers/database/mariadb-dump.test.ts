import fs from "node:fs";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { ExecResult } from "../../model/types";
import type { TestWorld } from "../test-world";
import { exec, startTiers } from "../test-world";

const DIR = new URL("./__fixtures__/mariadb-10.11/", import.meta.url);
const CASES = JSON.parse(readFileSync(new URL("cases.json", DIR), "utf8")) as Record<string, ExecResult>;
const realCase = (name: string): ExecResult => {
  const c = CASES[name];
  if (!c) throw new Error(`no case ${name}`);
  return c;
};

let world: TestWorld | null = null;
afterEach(() => {
  world?.cleanup();
  world = null;
});
const start = (): TestWorld => {
  world = startTiers();
  return world;
};

const DEFAULTS = "--defaults-file=/etc/mysql/clusterdeck.cnf";
const CONSOLE_DUMP = [DEFAULTS, "--single-transaction", "--quick", "--routines", "--triggers", "--events"];
const dump = (w: TestWorld, args: string[]): Promise<ExecResult> => exec(w, "db2", ["mysqldump", ...args], { user: "clusterdeck" });
/** as the shell runs it after `umask 077`: the tool gets the mask with the account */
async function dumpWithUmask(w: TestWorld, args: string[]): Promise<ExecResult> {
  const tool = w.tiers?.tools.mysqldump;
  if (!tool) throw new Error("no mysqldump");
  return tool.run({ world: w, vm: "db2", argv: ["mysqldump", ...args], stdin: "", env: {}, user: "clusterdeck", umask: 0o077 });
}
const file = (w: TestWorld, p: string): string | null => {
  const real = w.resolvePath("db2", p);
  return fs.existsSync(real) ? fs.readFileSync(real, "utf8") : null;
};

describe("mysqldump of MariaDB 10.11 (the default flavour)", () => {
  it("the console's dump on the replica: MariaDB's header, one row per line, the trailer", async () => {
    const w = start();
    const dir = w.resolvePath("db2", "/var/backups/clusterdeck");
    fs.mkdirSync(dir, { recursive: true });
    w.access.setup(dir, "clusterdeck", "clusterdeck", 0o750);
    const r = await dumpWithUmask(w, [...CONSOLE_DUMP, "--result-file=/var/backups/clusterdeck/moodle-1.sql", "moodle"]);
    expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(fs.statSync(w.resolvePath("db2", "/var/backups/clusterdeck/moodle-1.sql")).mode & 0o777).toBe(0o600);
    const text = file(w, "/var/backups/clusterdeck/moodle-1.sql") ?? "";
    expect(text.split("\n").slice(0, 6)).toEqual([
      "/*M!999999\\- enable the sandbox mode */ ",
      "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)",
      "--",
      "-- Host: localhost    Database: moodle",
      "-- ------------------------------------------------------",
      "-- Server version\t10.11.19-MariaDB-0+deb12u1-log",
    ]);
    expect(text).toContain("/*!40101 SET NAMES utf8mb4 */;");
    expect(text).toContain("INSERT INTO `mdl_config` VALUES\n(1,'version',");
    expect(text).toContain("-- Dumping events for database 'moodle'\n--\n\n--\n-- Dumping routines for database 'moodle'\n--\n/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;");
    expect(text).toMatch(/\n-- Dump completed on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n$/);
  });

  it("refuses --set-gtid-purged=OFF (exit 7) and still leaves an empty result file, as 10.11.19's does", async () => {
    const w = start();
    const real = realCase("mysqldump-set-gtid-purged");
    expect(real.stdout).toBe("size=0 mode=600\n");
    const tmp = w.resolvePath("db2", "/tmp");
    fs.mkdirSync(tmp, { recursive: true });
    w.access.setup(tmp, "root", "root", 0o1777);
    const r = await dumpWithUmask(w, [...CONSOLE_DUMP, "--set-gtid-purged=OFF", "--result-file=/tmp/moodle.sql", "moodle"]);
    expect(r).toEqual({ stdout: "", stderr: real.stderr, code: 7 });
    expect(file(w, "/tmp/moodle.sql")).toBe("");
    expect(fs.statSync(w.resolvePath("db2", "/tmp/moodle.sql")).mode & 0o777).toBe(0o600);
    const denied = await dump(w, [...CONSOLE_DUMP, "--result-file=/etc/moodle.sql", "moodle"]);
    expect(denied).toEqual({ stdout: "", stderr: "mysqldump: Can't create/write to file '/etc/moodle.sql' (Errcode: 13 \"Permission denied\")\n", code: 1 });
  });

  it.each([
    ["mysqldump-unknown-option", [DEFAULTS, "--frobnicate", "moodle"]],
    ["mysqldump-no-database", [DEFAULTS]],
  ])("%s", async (name, args) => {
    const w = start();
    expect(await dump(w, args)).toEqual(realCase(name));
  });

  it("--defaults-file after another option is an unknown variable (exit 7)", async () => {
    const w = start();
    expect(await dump(w, ["--single-transaction", DEFAULTS, "moodle"])).toEqual({
      stdout: "",
      stderr: "mysqldump: unknown variable 'defaults-file=/etc/mysql/clusterdeck.cnf'\n",
      code: 7,
    });
    expect(realCase("mysqldump-defaults-not-first").stderr).toMatch(/^mysqldump: unknown variable 'defaults-file=\/\S+'\n$/);
  });

  it("an account without privileges on the database stops after the header (1044 when selecting it)", async () => {
    const w = start();
    await exec(w, "db2", ["mysql", "-e", "SET GLOBAL read_only = OFF; CREATE USER 'bare'@'localhost' IDENTIFIED BY 'bare-pw'"], { user: "root" });
    const r = await dump(w, ["-ubare", "-pbare-pw", "--single-transaction", "--events", "moodle"]);
    const real = realCase("mysqldump-events-without-event");
    expect(r.stderr).toBe(real.stderr);
    expect(r.code).toBe(real.code);
    expect(r.stdout.split("\n").slice(0, 6)).toEqual(real.stdout.split("\n").slice(0, 6));
  });

  it("without --single-transaction the account needs LOCK TABLES; without EVENT, --events fails at SHOW EVENTS", async () => {
    const w = start();
    const lock = await dump(w, [DEFAULTS, "moodle"]);
    expect(lock.stderr).toBe("mysqldump: Got error: 1044: \"Access denied for user 'clusterdeck'@'localhost' to database 'moodle'\" when using LOCK TABLES\n");
    expect(lock.code).toBe(2);
    await exec(w, "db2", ["mysql", "-e", "SET GLOBAL read_only = OFF; REVOKE EVENT ON moodle.* FROM 'clusterdeck'@'localhost'"], { user: "root" });
    const events = await dump(w, CONSOLE_DUMP.concat("moodle"));
    expect(events.stderr).toBe("mysqldump: Couldn't execute 'show events': Access denied for user 'clusterdeck'@'localhost' to database 'moodle' (1044)\n");
    expect(events.code).toBe(2);
    expect(events.stdout).toMatch(/-- Dumping events for database 'moodle'\n--\n$/);
  });

  it("cannot connect while mariadbd is down: the quoted message, exit 2", async () => {
    const w = start();
    w.setService("db2", "mysql", false);
    expect(await dump(w, [...CONSOLE_DUMP, "moodle"])).toEqual({
      stdout: "",
      stderr: "mysqldump: Got error: 2002: \"Can't connect to local server through socket '/var/run/mysqld/mysqld.sock' (2)\" when trying to connect\n",
      code: 2,
    });
  });
});

describe("my_print_defaults", () => {
  it("prints the group's options as --name=value, as 10.11.19's does", async () => {
    const w = start();
    const r = await exec(w, "db1", ["my_print_defaults", DEFAULTS, "client"]);
    const real = realCase("my-print-defaults");
    expect(r.stdout.split("\n").slice(0, 2)).toEqual(real.stdout.split("\n").slice(0, 2));
    expect(r.stdout).toBe("--user=clusterdeck\n--password=clusterdeck-lab\n--socket=/var/run/mysqld/mysqld.sock\n");
    const repl = await exec(w, "db1", ["my_print_defaults", "--defaults-file=/etc/mysql/clusterdeck-replication.cnf", "client"]);
    expect(repl.stdout).toBe("--user=repl\n--password=repl-lab-secret\n");
    expect(await exec(w, "db1", ["my_print_defaults", "client", DEFAULTS])).toEqual({
      stdout: "",
      stderr: "my_print_defaults: unknown variable 'defaults-file=/etc/mysql/clusterdeck.cnf'\n",
      code: 7,
    });
  });
});

describe("pt-heartbeat --check (percona-toolkit 3.2.1)", () => {
  const check = (w: TestWorld, ...args: string[]) =>
    exec(w, "db2", ["pt-heartbeat", DEFAULTS, "--check", "-D", "percona", "--master-server-id", "1", ...args], { user: "clusterdeck", env: { TZ: "Europe/Berlin" } });

  it("with --utc reads the rows the lab's pt-heartbeat --utc writes; without it, local time is off by the zone", async () => {
    const w = start();
    w.advance(3000);
    const utc = await check(w, "--utc");
    expect(utc.code).toBe(0);
    expect(Number(utc.stdout)).toBeLessThan(2);
    // Berlin is UTC+2 on 2024-08-05: the UTC row read as local time looks two hours old
    const local = await check(w);
    expect(Number(local.stdout)).toBeGreaterThan(7199);
    expect(Number(local.stdout)).toBeLessThan(7202);
  });

  it("needs --master-server-id when the source cannot be found with the same login", async () => {
    const w = start();
    const r = await exec(w, "db2", ["pt-heartbeat", DEFAULTS, "--check", "-D", "percona", "--utc"], { user: "clusterdeck" });
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(/^The --master-server-id option must be specified because the heartbeat table `percona`\.`heartbeat`/);
  });
});
