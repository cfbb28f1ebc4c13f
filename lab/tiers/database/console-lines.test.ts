import fs from "node:fs";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { testLab } from "../../__tests__/test-lab";
import type { TestLab } from "../../__tests__/test-lab";
import type { ExecResult } from "../../model/types";
import { createTiers } from "../index";

/**
 * The console's own command lines for the database drill and the upgrade's dump, as the lab's shell runs
 * them, held to what dash, my_print_defaults, GNU sed and the mariadb client made of the same lines against
 * a real MariaDB 10.11.19 pair (capture.py: console-lines.json in, console-cases.json out).
 */
const DIR = new URL("./__fixtures__/mariadb-10.11/", import.meta.url);
const LINES = JSON.parse(readFileSync(new URL("console-lines.json", DIR), "utf8")) as Record<string, string>;
const REAL = JSON.parse(readFileSync(new URL("console-cases.json", DIR), "utf8")) as Record<string, ExecResult>;
const line = (name: string): string => LINES[name] ?? "";
const real = (name: string): ExecResult => {
  const c = REAL[name];
  if (!c) throw new Error(`no case ${name}`);
  return c;
};
const field = (text: string, name: string): string | undefined => new RegExp(`^\\s*${name}: (.*)$`, "m").exec(text)?.[1];

let lab: TestLab | null = null;
afterEach(() => lab?.cleanup());
const start = (): TestLab => {
  lab = testLab({ tiers: createTiers });
  lab.advance(1000);
  return lab;
};

const CNF = "--defaults-file=/etc/mysql/clusterdeck.cnf";

/** db2 detached and writable, db1 read-only: where the drill is when it points db1 at db2 */
async function promoted(l: TestLab): Promise<void> {
  expect((await l.sh("db2", `mysql ${CNF} -e 'STOP SLAVE; RESET SLAVE ALL'`)).code).toBe(0);
  expect((await l.sh("db2", `mysql ${CNF} -e 'SET GLOBAL read_only = OFF'`)).code).toBe(0);
  expect((await l.sh("db1", `mysql ${CNF} -e 'SET GLOBAL read_only = ON'`)).code).toBe(0);
}

describe("the console's database lines in the lab's shell, as on a real Debian 12 host", () => {
  it("replicate-from refuses a credentials file without a password, before touching replication", async () => {
    const l = start();
    await promoted(l);
    fs.writeFileSync(l.sim.world.resolvePath("db1", "/etc/mysql/clusterdeck-replication.cnf"), "[client]\nuser=repl\n");
    const r = await l.sh("db1", line("replicate-from"));
    const expected = real("replicate-from-incomplete-file");
    expect(r).toEqual({ ...expected, stderr: expected.stderr.replace(/^\S+repl-incomplete\.cnf/, "/etc/mysql/clusterdeck-replication.cnf") });
    expect((await l.sh("db1", `mysql ${CNF} -e 'SHOW ALL SLAVES STATUS\\G'`)).stdout).toBe("");
  });

  it("replicate-from points the old source at the new one with the password read on the host, and it replicates", async () => {
    const l = start();
    await promoted(l);
    const r = await l.sh("db1", line("replicate-from"));
    expect(r).toEqual(real("replicate-from"));
    l.advance(2000);
    const st = (await l.sh("db1", `mysql ${CNF} -e 'SHOW ALL SLAVES STATUS\\G'`)).stdout;
    const ref = real("replicate-from-status").stdout;
    for (const f of ["Slave_IO_State", "Slave_IO_Running", "Slave_SQL_Running", "Last_IO_Errno", "Last_SQL_Errno", "Using_Gtid", "Seconds_Behind_Master", "Master_Server_Id"]) {
      expect([f, field(st, f)]).toEqual([f, field(ref, f)]);
    }
    expect(field(st, "Gtid_Slave_Pos")).toMatch(/^0-[12]-\d+$/);
  });

  it("a { printf; sed; printf; } | mysql group sends the password line as dash does", async () => {
    const l = start();
    await promoted(l);
    expect((await l.sh("db1", line("replicate-from"))).code).toBe(0);
    const r = await l.sh("db1", line("group-pipeline"));
    expect(r).toEqual(real("group-pipeline"));
    l.advance(2000);
    const st = (await l.sh("db1", `mysql ${CNF} -e 'SHOW SLAVE STATUS\\G'`)).stdout;
    const ref = real("group-pipeline-status").stdout;
    for (const f of ["Slave_IO_Running", "Slave_SQL_Running", "Using_Gtid", "Last_IO_Errno"]) expect([f, field(st, f)]).toEqual([f, field(ref, f)]);
  });

  it("the upgrade's dump on the replica: umask 077 gives a private file, exit 0", async () => {
    const l = start();
    // dash 0.5.12 here: `umask; umask 077; umask` prints 0022 then 0077
    expect(await l.sh("db2", "umask; umask 077; umask")).toEqual({ stdout: "0022\n0077\n", stderr: "", code: 0 });
    const r = await l.sh("db2", line("dump"));
    expect(r).toEqual(real("dump"));
    expect((await l.sh("db2", "stat -c '%a %U' /var/backups/clusterdeck/moodle-1.sql")).stdout).toBe("600 clusterdeck\n");
    expect((await l.sh("db2", "tail -n 1 /var/backups/clusterdeck/moodle-1.sql")).stdout).toMatch(/^-- Dump completed on /);
  });
});
