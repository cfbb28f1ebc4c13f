import { type Parsed, parsed, unreadable } from "@/lib/probes/types";

/** Thrown inside a parser to give up; `readOutput` turns it into the typed "could not read" result. */
export class CannotRead extends Error {
  override name = "CannotRead";
}

export function cannotRead(reason: string): never {
  // No stack: it is how a parser says "not this line", and a hundred thousand hostile lines would each
  // pay for one (0.8 s a megabyte in ip-addr and drbdadm-status, most of their time on such input).
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    throw new CannotRead(reason);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Control characters other than tab, newline and carriage return mean binary or corrupted output. */
export function hasBinary(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 127 || code === 0xfffd) return true;
  }
  return false;
}

interface ReadOptions<T> {
  /** the value when the host printed nothing and that is a legitimate answer (e.g. "no exports") */
  whenEmpty?: () => T;
}

/**
 * The one way parsers run: rejects binary and (unless allowed) empty output, normalises CRLF,
 * and never lets an exception escape, so a host's garbage can never crash the collector.
 */
export function readOutput<T>(raw: string, read: (text: string) => T, options: ReadOptions<T> = {}): Parsed<T> {
  if (typeof raw !== "string") return unreadable("output is not text", String(raw));
  if (hasBinary(raw)) return unreadable("binary or control characters in output", raw);
  const text = raw.replaceAll("\r\n", "\n");
  if (text.trim() === "") {
    return options.whenEmpty ? parsed(options.whenEmpty()) : unreadable("empty output", raw);
  }
  try {
    return parsed(read(text));
  } catch (error) {
    if (error instanceof CannotRead) return unreadable(error.message, raw);
    return unreadable(`parser failed: ${error instanceof Error ? error.message : String(error)}`, raw);
  }
}

/** Non-blank lines with trailing whitespace removed. */
export function contentLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "");
}

/** Shortens a line for use in a reason. */
export function quoteLine(line: string): string {
  const clipped = line.length > 80 ? `${line.slice(0, 77)}...` : line;
  return JSON.stringify(clipped);
}

/**
 * The path or URL without its trailing slashes. By hand: `/\/+$/` tries every run of slashes to the end,
 * quadratic on a long one, and these values can come from a host (config.php's wwwroot and dataroot).
 */
export function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}
