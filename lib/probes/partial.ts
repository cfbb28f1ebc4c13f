import { quoteLine } from "@/lib/probes/read";

/**
 * A line a parser could not make sense of. Readings keep what they could read and list these, so one
 * unknown line (a new kernel's extra field, a log line on the same stream) never hides the rest.
 */
export interface UnreadLine {
  /** 1-based line number in the tool's output */
  line: number;
  /** the line, clipped */
  text: string;
  reason: string;
}

/** Lines longer than this are not matched against any pattern: they are reported unread as they are. */
export const MAX_LINE = 4096;
const KEEP = 20;
const CLIP = 200;

/** Collects unread lines, keeping the first few and counting the rest, so hostile output cannot grow it. */
export class Unread {
  readonly lines: UnreadLine[] = [];
  private more = 0;

  add(line: number, text: string, reason: string): void {
    if (this.lines.length >= KEEP) {
      this.more++;
      return;
    }
    this.lines.push({ line, text: text.length > CLIP ? `${text.slice(0, CLIP - 3)}...` : text, reason });
  }

  get count(): number {
    return this.lines.length + this.more;
  }

  /** the list a reading carries; when lines were dropped, the last entry says how many */
  list(): UnreadLine[] {
    if (this.more === 0) return [...this.lines];
    return [...this.lines, { line: 0, text: "", reason: `and ${this.more} more lines not read` }];
  }
}

/** The unread lines of any reading that has them (every parser that can read in part adds `unread`). */
export function unreadOf(value: unknown): UnreadLine[] {
  if (typeof value !== "object" || value === null || !("unread" in value)) return [];
  const unread: unknown = (value as { unread: unknown }).unread;
  return Array.isArray(unread) ? unread.filter(isUnreadLine) : [];
}

function isUnreadLine(x: unknown): x is UnreadLine {
  return typeof x === "object" && x !== null && "line" in x && "text" in x && "reason" in x;
}

/** "2 lines not read (line 7 "queue_delay: 0.0 ms": not a /proc/drbd line; ...)" */
export function describeUnread(unread: readonly UnreadLine[]): string {
  const first = unread[0];
  if (!first) return "";
  const counted = unread.filter((u) => u.line > 0).length;
  const rest = unread.find((u) => u.line === 0);
  const more = rest ? Number(/\d+/.exec(rest.reason)?.[0] ?? 0) : 0;
  const total = counted + more;
  const shown = first.line > 0 ? `line ${first.line} ${quoteLine(first.text)}: ${first.reason}` : first.reason;
  return `${total} line${total === 1 ? "" : "s"} not read (${shown}${total > 1 ? "; ..." : ""})`;
}

/** Numbered lines of a tool's output, with trailing whitespace removed and blank lines skipped. */
export function numberedLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trimEnd();
    if (line.trim() !== "") out.push({ line: i + 1, text: line });
  }
  return out;
}
