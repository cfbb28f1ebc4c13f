import type { LdirectordReal } from "@/lib/probes/ldirectord-cf";

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

/** The same shapes in JavaScript, to say beforehand which of the node's lines the scripts will change. */
function jsPrefix(address: string): string {
  return `^(\\s+real\\s*=\\s*${addressPattern(address)}(:[0-9A-Za-z_-]+)?(\\s+)(gate|masq|ipip))`;
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
  const p = jsPrefix(address);
  const explicit = new RegExp(`${p}(\\s+)([1-9][0-9]*)(.*)$`);
  const implicit = new RegExp(`${p}(\\s*|\\s+[^0-9\\s].*)$`);
  const marked = new RegExp(`${p}(\\s+)0(|.*\\S)\\s+${DRAIN_MARK}([0-9]+|default)\\s*$`);
  return lines.map((real) => {
    const text = real.source.text;
    if (real.rangeEnd !== null) return { real, edit: "none", why: `line ${real.source.line} is a range (${real.address}->${real.rangeEnd}): write the node on a line of its own` };
    if (action === "undrain") {
      if (marked.test(text)) return { real, edit: "undrain", why: `line ${real.source.line}: weight ${real.drainedFrom === "default" ? "unset (1)" : String(real.drainedFrom)} back` };
      return real.weight === 0
        ? { real, edit: "none", why: `line ${real.source.line} has weight 0 without ClusterDeck's mark: set by hand, not undone here` }
        : { real, edit: "none", why: `line ${real.source.line} is not drained (weight ${real.weight})` };
    }
    if (real.weight === 0) return { real, edit: "none", why: `line ${real.source.line} already has weight 0` };
    // either way a 0 right after the method is the first number ldirectord finds there: the weight
    if (explicit.test(text) || implicit.test(text)) {
      return { real, edit: "drain", why: `line ${real.source.line}: weight ${real.weightDefault ? "(unset, 1)" : real.weight} to 0` };
    }
    return { real, edit: "none", why: `line ${real.source.line} is not in a form the drain edits (real=ADDRESS[:PORT] METHOD [WEIGHT] ...)` };
  });
}
