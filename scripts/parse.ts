import { existsSync, readFileSync, statSync } from "node:fs";
import { isProbeName, probeNames, probes } from "@/lib/probes";

// Usage: npm run parse -- <probe> [file]   (reads stdin when no file is given)
// Exit codes: 0 parsed, 1 output unreadable, 2 usage error (unknown probe, missing file).

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run parse -- <probe> [file]\nprobes: ${probeNames.join(", ")}\n`);
  process.exit(2);
}

function readInput(file: string | undefined): string {
  if (file === undefined || file === "-") return readFileSync(0, "utf8");
  if (!existsSync(file)) usage(`no such file: ${file}`);
  if (!statSync(file).isFile()) usage(`not a regular file: ${file}`);
  return readFileSync(file, "utf8");
}

const [name, file, ...extra] = process.argv.slice(2);
if (name === undefined) usage("which probe's output is this?");
if (!isProbeName(name)) usage(`unknown probe "${name}"`);
if (extra.length > 0) usage(`unexpected arguments: ${extra.join(" ")}`);

const result = probes[name].parse(readInput(file));
if (result.ok) {
  process.stdout.write(`${JSON.stringify(result.value, null, 2)}\n`);
} else {
  process.stderr.write(`could not read ${name} output: ${result.reason}\n`);
  process.exitCode = 1;
}
