import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { makeDatabasePrivate } from "@/lib/db-file";
import { migratedDatabase } from "@/test/support/database";

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe("the console's database file", () => {
  it("is made 0600 after migrations created it, and SQLite's WAL and shm files follow it", () => {
    const { url, dir } = migratedDatabase();
    const file = path.join(dir, "test.db");
    makeDatabasePrivate(url);
    expect(modeOf(file)).toBe(0o600);
    const sqlite = new Database(file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.prepare(`INSERT INTO "Setting" ("key", "value", "updatedAt") VALUES ('k', 'v', 0)`).run();
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    expect(modeOf(`${file}-wal`)).toBe(0o600);
    expect(modeOf(`${file}-shm`)).toBe(0o600);
    sqlite.close();
  });

  it("is created 0600 when it does not exist yet, whatever the umask", () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "cd-dbfile-"));
    const file = path.join(dir, "sub", "new.db");
    const old = process.umask(0o022);
    try {
      makeDatabasePrivate(`file:${file}`);
    } finally {
      process.umask(old);
    }
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(path.dirname(file))).toBe(0o700);
  });
});
