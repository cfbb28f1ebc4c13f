// npm run db:migration -- <name>
// Writes prisma/migrations/<UTC timestamp>_<name>/migration.sql from the difference between the
// committed schema (git HEAD) and the working one. `prisma migrate dev` cannot run with the adapter.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = process.cwd();
const migrationsDir = path.join(root, "prisma", "migrations");
const schemaPath = path.join("prisma", "schema.prisma");

class Refused extends Error {}

function utcStamp(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

function committedSchema(existing) {
  try {
    return execFileSync("git", ["show", `HEAD:${schemaPath}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch {
    if (existing.length > 0) throw new Refused(`cannot read ${schemaPath} from git HEAD, but migrations exist; commit the schema first`);
    return null;
  }
}

function refusePending(existing) {
  const committed = execFileSync("git", ["ls-tree", "--name-only", "HEAD", "prisma/migrations/"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .map((line) => path.basename(line));
  // The diff starts from HEAD's schema, so an uncommitted migration would be written a second time.
  const pending = existing.filter((d) => !committed.includes(d));
  if (pending.length > 0) throw new Refused(`${pending.join(", ")} is not committed yet; commit it with the schema (or delete it) first`);
}

function diffSql(previous, tmp) {
  const args = ["migrate", "diff"];
  if (previous === null) {
    args.push("--from-empty");
  } else {
    const previousPath = path.join(tmp, "schema.prisma");
    fs.writeFileSync(previousPath, previous);
    args.push("--from-schema-datamodel", previousPath);
  }
  args.push("--to-schema-datamodel", schemaPath, "--script");
  try {
    return execFileSync(path.join(root, "node_modules", ".bin", "prisma"), args, {
      cwd: root,
      // prisma.config.ts opens the adapter's database even for a schema-to-schema diff: give it a scratch one.
      env: { ...process.env, DATABASE_URL: `file:${path.join(tmp, "scratch.db")}` },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
  } catch {
    throw new Refused("prisma migrate diff failed (its output is above)");
  }
}

function main() {
  const name = process.argv[2] ?? "";
  if (!/^[a-z0-9][a-z0-9_]{0,62}$/.test(name)) {
    throw new Refused("usage: npm run db:migration -- <name>   (lower-case letters, digits and '_', e.g. events_and_samples)");
  }
  const existing = fs.existsSync(migrationsDir) ? fs.readdirSync(migrationsDir).filter((d) => /^\d{14}_/.test(d)).sort() : [];
  if (existing.some((d) => d.slice(15) === name)) throw new Refused(`a migration named "${name}" exists already`);
  const previous = committedSchema(existing);
  if (previous !== null) refusePending(existing);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cd-migration-"));
  try {
    const sql = diffSql(previous, tmp);
    const statements = sql.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("--"));
    if (statements.length === 0) throw new Refused(`${schemaPath} does not differ from git HEAD; nothing to migrate`);

    // Directory names order migrations: never sort before one that exists already.
    let stamp = utcStamp(new Date());
    const latest = existing.at(-1)?.slice(0, 14);
    if (latest && stamp <= latest) stamp = String(BigInt(latest) + 1n);
    const file = path.join(migrationsDir, `${stamp}_${name}`, "migration.sql");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, sql.endsWith("\n") ? sql : `${sql}\n`);
    console.log(`db:migration: wrote ${path.relative(root, file)}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  if (!(err instanceof Refused)) throw err;
  console.error(`db:migration: ${err.message}`);
  process.exitCode = 1;
}
