import fs from "node:fs";
import path from "node:path";

// The console's SQLite file holds password hashes, session ids, host keys and every command's output:
// only the console's own user may read it. SQLite gives its -wal, -shm and -journal files the mode of
// the database file, so making that file 0600 (before the first connection) covers them too; any that
// already exist are tightened as well.

const COMPANIONS = ["", "-wal", "-shm", "-journal"];

/** The file behind a `file:` URL, or null for anything else (":memory:"). */
export function databaseFileOf(url: string): string | null {
  const file = url.replace(/^file:/, "").replace(/\?.*$/, "");
  return file === "" || file === ":memory:" ? null : path.resolve(file);
}

/** Creates the database file 0600 if it is missing and makes it and its companions 0600. */
export function makeDatabasePrivate(url: string): void {
  const file = databaseFileOf(url);
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, "a", 0o600));
  for (const suffix of COMPANIONS) {
    try {
      fs.chmodSync(`${file}${suffix}`, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}
