/**
 * MariaDB GTID positions (@@gtid_binlog_pos, @@gtid_slave_pos, Gtid_IO_Pos): a comma-separated list
 * of domain-server_id-sequence, one per replication domain, e.g. "0-1-105,1-2-7"
 * (https://mariadb.com/kb/en/gtid/). Unlike MySQL's GTID sets they name the last transaction per domain.
 */

export interface MariadbGtid {
  domain: number;
  serverId: number;
  /** up to 2^64-1: compared as bigint */
  seq: bigint;
}

const GTID = /^(\d{1,10})-(\d{1,10})-(\d{1,20})$/;
const MAX_DOMAINS = 256;

/** the positions, [] for an empty one; null when the text is not a GTID position list */
export function parseGtidPos(text: string | null | undefined): MariadbGtid[] | null {
  const value = (text ?? "").replace(/\s+/g, "");
  if (value === "") return [];
  const parts = value.split(",", MAX_DOMAINS + 1);
  if (parts.length > MAX_DOMAINS) return null;
  const out: MariadbGtid[] = [];
  for (const part of parts) {
    const m = GTID.exec(part);
    if (!m) return null;
    const domain = Number(m[1]);
    if (out.some((g) => g.domain === domain)) return null;
    out.push({ domain, serverId: Number(m[2]), seq: BigInt(m[3] ?? "0") });
  }
  return out;
}

/**
 * Whether `applied` (a replica's gtid_slave_pos) includes everything in `target` (the source's
 * gtid_binlog_pos): per domain, the sequence reached is at least the target's. Sequence numbers grow
 * within a domain whoever wrote them (gtid_strict_mode), so the server_id part is not compared.
 * null when either is unreadable.
 */
export function gtidPosCovers(applied: string | null | undefined, target: string | null | undefined): boolean | null {
  const a = parseGtidPos(applied);
  const t = parseGtidPos(target);
  if (a === null || t === null) return null;
  return t.every((g) => {
    const have = a.find((x) => x.domain === g.domain);
    return have !== undefined && have.seq >= g.seq;
  });
}

/** transactions `applied` lacks of `target`, summed over domains; null when unreadable */
export function gtidPosBehind(applied: string | null | undefined, target: string | null | undefined): bigint | null {
  const a = parseGtidPos(applied);
  const t = parseGtidPos(target);
  if (a === null || t === null) return null;
  let behind = 0n;
  for (const g of t) {
    const have = a.find((x) => x.domain === g.domain)?.seq ?? 0n;
    if (g.seq > have) behind += g.seq - have;
  }
  return behind;
}

/** MySQL GTID sets as the client prints them, wrapped after commas: equal once whitespace is gone */
export function sameGtidSet(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (s: string | null | undefined) => (s ?? "").replace(/\s+/g, "").toLowerCase();
  return norm(a) !== "" && norm(a) === norm(b);
}
