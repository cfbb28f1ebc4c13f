/**
 * Change one real server's weight in ldirectord.cf text, touching nothing else: comments, order and
 * every other directive stay as the operator wrote them. Pure, so it is tested on real files.
 */

export type EditResult =
  | { ok: true; text: string; previous: number }
  | { ok: false; problem: string };

const VIRTUAL = /^virtual\s*=\s*(\S+)/;
const REAL = /^(\s+real\s*=\s*)(\S+?)(:(\d+|\w+))?(\s+(gate|masq|ipip))?(\s+(\d+))?(\s.*)?$/;

export function setRealWeight(text: string, virtual: string, real: { address: string; port: number }, weight: number): EditResult {
  const lines = text.split("\n");
  let inVirtual = false;
  let found = -1;
  let previous = 1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const v = VIRTUAL.exec(line);
    if (v) {
      inVirtual = v[1] === virtual;
      continue;
    }
    if (!inVirtual) continue;
    const m = REAL.exec(line);
    if (!m) continue;
    const port = m[4] === undefined ? null : m[4] === "http" ? 80 : Number(m[4]);
    if (m[2] !== real.address || (port !== null && port !== real.port)) continue;
    if (found !== -1) return { ok: false, problem: `${real.address}:${real.port} appears twice under virtual=${virtual}` };
    found = i;
    previous = m[8] === undefined ? 1 : Number(m[8]);
    if (m[6] === undefined) {
      // no method written: ldirectord's default is gate; the weight needs a method before it
      lines[i] = `${m[1]}${m[2]}${m[3] ?? ""} gate ${weight}${m[9] ?? ""}`;
    } else {
      lines[i] = `${m[1]}${m[2]}${m[3] ?? ""}${m[5]} ${weight}${m[9] ?? ""}`;
    }
  }
  if (found === -1) return { ok: false, problem: `no real=${real.address}:${real.port} under virtual=${virtual}` };
  return { ok: true, text: lines.join("\n"), previous };
}
