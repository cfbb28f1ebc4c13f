import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Parsed } from "@/lib/probes/types";

const FIXTURES = join(import.meta.dirname, "__fixtures__");

/** Raw text of a fixture under lib/probes/__fixtures__/<dir>/<name>. */
export function fixture(dir: string, name: string): string {
  return readFileSync(join(FIXTURES, dir, name), "utf8");
}

/** The value of a result a test expects to be readable; fails the test with the parser's reason otherwise. */
export function valueOf<T>(result: Parsed<T>): T {
  if (!result.ok) throw new Error(`expected a value, got unreadable: ${result.reason}`);
  return result.value;
}

/** Inputs every parser must refuse; each test adds the tool's own truncations and corruptions. */
export function garbage(tool: string): [string, string][] {
  return [
    ["empty", ""],
    ["whitespace", "  \n\t\n  "],
    ["random text", "The quick brown fox jumps over the lazy dog.\nLorem ipsum dolor sit amet.\n"],
    ["binary bytes", "\u0000\u0001\u0002\u00ff\u00fe\u0007ELF\u0000\u0000"],
    ["invalid utf-8", "\ufffd\ufffd\ufffdPNG\ufffd"],
    ["command not found", `bash: ${tool}: command not found\n`],
    ["permission denied", `sh: 1: ${tool}: Permission denied\n`],
    ["html error page", "<html><head><title>500 Internal Server Error</title></head></html>\n"],
  ];
}
