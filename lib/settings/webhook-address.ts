import { isIP } from "node:net";

/**
 * Addresses the incident webhook may not call (issue 10, hole 5): the console's own machine, private
 * networks and cloud metadata, where a POST and its status and timing would probe what the console can
 * reach. An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4) is judged by the IPv4 one.
 */

type Range = [first: number, bits: number, why: string];

const ip4 = (a: number, b: number, c: number, d: number) => ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;

const BLOCKED_V4: Range[] = [
  [ip4(0, 0, 0, 0), 8, "this network (0.0.0.0/8)"],
  [ip4(10, 0, 0, 0), 8, "private (RFC 1918)"],
  [ip4(100, 64, 0, 0), 10, "shared address space (CGNAT, 100.64.0.0/10)"],
  [ip4(127, 0, 0, 0), 8, "loopback"],
  [ip4(169, 254, 0, 0), 16, "link-local (169.254.0.0/16, cloud metadata)"],
  [ip4(172, 16, 0, 0), 12, "private (RFC 1918)"],
  [ip4(192, 0, 0, 0), 24, "IETF protocol assignments (192.0.0.0/24)"],
  [ip4(192, 168, 0, 0), 16, "private (RFC 1918)"],
  [ip4(198, 18, 0, 0), 15, "benchmarking (198.18.0.0/15)"],
  [ip4(224, 0, 0, 0), 4, "multicast"],
  [ip4(240, 0, 0, 0), 4, "reserved (240.0.0.0/4, broadcast)"],
];

function v4Number(address: string): number | null {
  const parts = address.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

function v4Reason(n: number): string | null {
  for (const [first, bits, why] of BLOCKED_V4) {
    const size = 2 ** (32 - bits);
    if (n >= first && n < first + size) return why;
  }
  return null;
}

/** the eight 16-bit groups of an IPv6 address (a dotted IPv4 tail allowed), or null */
function v6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    // a dotted IPv4 tail (::ffff:127.0.0.1) is the last two groups
    const v4 = v4Number(text.slice(lastColon + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : Number.NaN)));
  const head = parse(halves[0] ?? "");
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : null;
}

function v6Reason(g: number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = (hi: number, lo: number) => v4Reason(hi * 65536 + lo);
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0xffff) {
      const why = embedded(g6, g7);
      return why ? `IPv4-mapped ${why}` : null;
    }
    if (g5 === 0) {
      if (g6 === 0 && g7 === 0) return "unspecified (::)";
      if (g6 === 0 && g7 === 1) return "loopback (::1)";
      return "IPv4-compatible (::/96, deprecated)";
    }
  }
  // NAT64 (64:ff9b::/96) reaches the IPv4 address it carries
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    const why = embedded(g6, g7);
    return why ? `NAT64 of ${why}` : null;
  }
  if (g0 === 0x2002) {
    const why = embedded(g1, g2);
    return why ? `6to4 of ${why}` : null;
  }
  if ((g0 & 0xfe00) === 0xfc00) return "unique local (fc00::/7)";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local (fe80::/10)";
  if ((g0 & 0xffc0) === 0xfec0) return "site-local (fec0::/10, deprecated)";
  if ((g0 & 0xff00) === 0xff00) return "multicast (ff00::/8)";
  return null;
}

/** Why the webhook may not call this IP address, or null when it may. Not an IP address: refused. */
export function blockedAddressReason(address: string): string | null {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(bare.split("%")[0] ?? "");
  if (family === 4) {
    const n = v4Number(bare);
    return n === null ? "not an IP address" : v4Reason(n);
  }
  if (family === 6) {
    const groups = v6Groups(bare);
    return groups === null ? "not an IP address" : v6Reason(groups);
  }
  return "not an IP address";
}
