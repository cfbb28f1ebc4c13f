/** a MariaDB global transaction id, `domain-server-seq` (the lab uses domain 0 only) */
export interface Gtid {
  domain: number;
  server: number;
  seq: number;
}

export function formatGtid(g: Gtid | null): string {
  return g === null ? "" : `${g.domain}-${g.server}-${g.seq}`;
}

/** `0-1-105`, or null for anything else (an empty position is null too) */
export function parseGtid(text: string): Gtid | null {
  const parts = text.trim().split("-");
  if (parts.length !== 3 || parts.some((p) => !/^\d{1,19}$/.test(p))) return null;
  const [domain, server, seq] = parts.map(Number);
  if (domain === undefined || server === undefined || seq === undefined) return null;
  return { domain, server, seq };
}

export function sameGtid(a: Gtid | null, b: Gtid | null): boolean {
  return a !== null && b !== null && a.domain === b.domain && a.server === b.server && a.seq === b.seq;
}

/**
 * gtid_current_pos per domain: the last GTID binlogged with this server's own server_id when it is newer
 * than gtid_slave_pos, else gtid_slave_pos (https://mariadb.com/kb/en/gtid/#gtid_current_pos; seen on 10.11.19).
 */
export function currentPos(ownBinlogged: Gtid | null, slavePos: Gtid | null): Gtid | null {
  if (ownBinlogged && (!slavePos || ownBinlogged.seq > slavePos.seq)) return ownBinlogged;
  return slavePos;
}
