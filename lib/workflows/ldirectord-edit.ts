import type { LdirectordReal } from "@/lib/probes/ldirectord-cf";
import { MAX_LINE } from "@/lib/probes/partial";

/** what the edit needs of a real= line: the parser's reading, or the cluster state's copy of it */
export type EditableReal = Pick<LdirectordReal, "address" | "rangeEnd" | "port" | "weight" | "weightDefault" | "drainedFrom" | "source">;

/**
 * Draining a web node in ldirectord.cf, done on the balancer by GNU sed: `sed -i --follow-symlinks` writes a
 * temporary file beside the link's target, gives it the original's mode and owner, and renames it over the
 * target (GNU sed 4.9, Debian 12: a 0600 file stays 0600, a link stays a link). The console never sends the
 * file, so a passwd= in it never travels or lands in the audit; `w /dev/stdout` prints each line it changed.
 *
 * Every `real=` line of the node is changed, whatever its port or virtual service (the node leaves the pool
 * everywhere). The weight it had goes into a comment at the end of the line, which ldirectord ignores
 * (it drops everything after a `#` inside a virtual block), so the undrain needs no state from the console.
 */

export const DRAIN_MARK = "#clusterdeck-drained-weight=";

/** ERE for one IPv4 address, dots literal */
function addressPattern(address: string): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new Error(`not an IPv4 address: ${address}`);
  return address.replaceAll(".", "\\.");
}

/** the start of a real= line of the node, up to its forwarding method: groups 1 (all), 2 (port), 3 (space), 4 (method) */
function prefix(address: string): string {
  return `^([[:space:]]+real[[:space:]]*=[[:space:]]*${addressPattern(address)}(:[0-9A-Za-z_-]+)?([[:space:]]+)(gate|masq|ipip))`;
}

/** sed -E scripts giving weight 0 to every real= line of the node, the old weight kept in a comment */
export function drainScripts(address: string): [string, string] {
  const p = prefix(address);
  return [
    `s/${p}([[:space:]]+)([1-9][0-9]*)(.*)$/\\1\\50\\7\\5${DRAIN_MARK}\\6/w /dev/stdout`,
    `s/${p}([[:space:]]*|[[:space:]]+[^0-9[:space:]].*)$/\\1\\30\\5\\3${DRAIN_MARK}default/w /dev/stdout`,
  ];
}

/** sed -E scripts putting back the weight a drain kept in the comment (or none, when the line had none) */
export function undrainScripts(address: string): [string, string] {
  const p = prefix(address);
  return [
    `s/${p}([[:space:]]+)0(|.*[^[:space:]])[[:space:]]+${DRAIN_MARK}([0-9]+)[[:space:]]*$/\\1\\5\\7\\6/w /dev/stdout`,
    `s/${p}([[:space:]]+)0(|.*[^[:space:]])[[:space:]]+${DRAIN_MARK}default[[:space:]]*$/\\1\\6/w /dev/stdout`,
  ];
}

/** [[:space:]] in the C locale, as GNU sed reads the scripts above */
function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && isSpace(text[i])) i++;
  return i;
}

const PORT_CHAR = /^[0-9A-Za-z_-]$/;

/**
 * What follows the forwarding method on a real= line of the node (the `prefix` above), or null when the
 * line does not start that way. Read by hand, one pass, so a hostile line costs its length and no more.
 */
function afterMethod(text: string, address: string): string | null {
  let i = skipSpaces(text, 0);
  if (i === 0 || !text.startsWith("real", i)) return null;
  i = skipSpaces(text, i + 4);
  if (text[i] !== "=") return null;
  i = skipSpaces(text, i + 1);
  if (!text.startsWith(address, i)) return null;
  i += address.length;
  if (text[i] === ":") {
    const start = ++i;
    while (i < text.length && PORT_CHAR.test(text[i] ?? "")) i++;
    if (i === start) return null;
  }
  const spaced = skipSpaces(text, i);
  if (spaced === i) return null;
  const method = text.slice(spaced, spaced + 4);
  return method === "gate" || method === "masq" || method === "ipip" ? text.slice(spaced + 4) : null;
}

/** drainScripts' first script: spaces, then a weight from 1 up */
function hasWeight(rest: string): boolean {
  const i = skipSpaces(rest, 0);
  return i > 0 && rest[i] !== undefined && rest[i] >= "1" && rest[i] <= "9";
}

/** drainScripts' second script: nothing but spaces, or spaces and then anything but a digit */
function hasNoWeight(rest: string): boolean {
  const i = skipSpaces(rest, 0);
  return i === rest.length || (i > 0 && !/^[0-9]$/.test(rest[i] ?? ""));
}

/** undrainScripts: spaces, weight 0, then (anything ending in a non-space) spaces and the mark as the line's end */
function hasMark(rest: string): boolean {
  let i = skipSpaces(rest, 0);
  if (i === 0 || rest[i] !== "0") return false;
  const after = rest.slice(i + 1);
  let end = after.length;
  while (end > 0 && isSpace(after[end - 1])) end--;
  let value = end;
  while (value > 0 && /^[0-9]$/.test(after[value - 1] ?? "")) value--;
  if (value === end) {
    if (!after.slice(0, end).endsWith("default")) return false;
    value = end - "default".length;
  }
  if (!after.slice(0, value).endsWith(DRAIN_MARK)) return false;
  i = value - DRAIN_MARK.length;
  return i > 0 && isSpace(after[i - 1]);
}

function ipNumber(address: string): number {
  const parts = address.split(".").map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n)) ? parts.reduce((a, n) => a * 256 + n, 0) : Number.NaN;
}

export type RealEdit = { real: EditableReal; edit: "drain" | "undrain" | "none"; why: string };

/** What draining (or undraining) does to each of the node's real= lines, as the parser read them. */
export function plannedEdits(config: { virtuals: readonly { reals: readonly EditableReal[] }[] }, address: string, action: "drain" | "undrain"): RealEdit[] {
  const inRange = (r: EditableReal) => r.rangeEnd !== null && ipNumber(r.address) <= ipNumber(address) && ipNumber(address) <= ipNumber(r.rangeEnd);
  const lines = config.virtuals.flatMap((v) => v.reals).filter((r) => r.address === address || inRange(r));
  addressPattern(address);
  return lines.map((real) => {
    const text = real.source.text;
    if (real.rangeEnd !== null) return { real, edit: "none", why: `line ${real.source.line} is a range (${real.address}->${real.rangeEnd}): write the node on a line of its own` };
    if (text.length > MAX_LINE) return { real, edit: "none", why: `line ${real.source.line} is too long to read (${text.length} characters)` };
    const rest = afterMethod(text, address);
    if (action === "undrain") {
      if (rest !== null && hasMark(rest)) return { real, edit: "undrain", why: `line ${real.source.line}: weight ${real.drainedFrom === "default" ? "unset (1)" : String(real.drainedFrom)} back` };
      return real.weight === 0
        ? { real, edit: "none", why: `line ${real.source.line} has weight 0 without ClusterDeck's mark: set by hand, not undone here` }
        : { real, edit: "none", why: `line ${real.source.line} is not drained (weight ${real.weight})` };
    }
    if (real.weight === 0) return { real, edit: "none", why: `line ${real.source.line} already has weight 0` };
    // either way a 0 right after the method is the first number ldirectord finds there: the weight
    if (rest !== null && (hasWeight(rest) || hasNoWeight(rest))) {
      return { real, edit: "drain", why: `line ${real.source.line}: weight ${real.weightDefault ? "(unset, 1)" : real.weight} to 0` };
    }
    return { real, edit: "none", why: `line ${real.source.line} is not in a form the drain edits (real=ADDRESS[:PORT] METHOD [WEIGHT] ...)` };
  });
}
